"""response targets: since when a ticket waits for a person, and which reminders went

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 22:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_since', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('target_stage', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.create_index('ix_ticket_awaiting', ['awaiting_since'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_awaiting')
        batch_op.drop_column('target_stage')
        batch_op.drop_column('awaiting_since')
