"""replay keys: only a proven mail that was acted on claims one

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:30:00
"""

import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An unproven mail (a forgery) or a replay keeps its row for the record but
    # claims no key: NULL never collides with the unique fingerprint.
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.alter_column(
            'fingerprint', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=True
        )
    op.execute("UPDATE action SET fingerprint = NULL WHERE status = 'unproven'")


def downgrade() -> None:
    op.execute("UPDATE action SET fingerprint = 'unproven-' || id WHERE fingerprint IS NULL")
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.alter_column(
            'fingerprint', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False
        )
