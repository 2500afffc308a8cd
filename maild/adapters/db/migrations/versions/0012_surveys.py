"""surveys: one question to the customer when a ticket closes, and their rating

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'survey',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('customer', sa.String(), nullable=False),
        sa.Column('agent', sa.String(), nullable=True),
        sa.Column('message_id', sa.String(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('comment', sa.String(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', name='uq_survey_ticket'),
    )
    op.create_index('ix_survey_customer_sent', 'survey', ['customer', 'sent_at'], unique=False)
    op.create_index('ix_survey_message_id', 'survey', ['message_id'], unique=False)
    op.create_index('ix_survey_agent_answered', 'survey', ['agent', 'answered_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_survey_agent_answered', table_name='survey')
    op.drop_index('ix_survey_message_id', table_name='survey')
    op.drop_index('ix_survey_customer_sent', table_name='survey')
    op.drop_table('survey')
