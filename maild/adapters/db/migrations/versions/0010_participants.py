"""participants: colleagues on copy of a ticket

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 22:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'participant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(), nullable=False),
        sa.Column('added_by', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', 'address', name='uq_participant'),
    )
    op.create_index('ix_participant_ticket_id', 'participant', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_participant_ticket_id', table_name='participant')
    op.drop_table('participant')
