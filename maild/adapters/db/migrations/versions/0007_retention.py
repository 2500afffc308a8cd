"""retention: an index to find old raw mail without scanning every row

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 19:30:00
"""

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_received_at', ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbound', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_received_at')
