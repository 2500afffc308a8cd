"""the mail a real desk gets: mailbox checks, spam senders, outbox lookups

`mailbox_check`: when each mailbox was last checked (a cron-driven `run --once`
leaves no running process to ask). `spam_sender`: senders an agent marked with
#spam. Two outbox indexes: acknowledgements in the last hour (the overall cap;
partial, so the per-sender history keeps its plan) and the VERP envelope sender
a bounce names.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mailboxcheck',
        sa.Column('mailbox', sa.String(), nullable=False),
        sa.Column('checked_at', sa.DateTime(), nullable=False),
        sa.Column('taken', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(), nullable=True),
        sa.PrimaryKeyConstraint('mailbox'),
    )
    op.create_table(
        'spamsender',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('marked_by', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('address'),
    )
    acks = sa.text("template = 'customer/ack'")
    op.create_index(
        'ix_outbox_acks', 'outbox', ['created_at'], sqlite_where=acks, postgresql_where=acks
    )
    op.create_index('ix_outbox_envelope_from', 'outbox', ['envelope_from'])


def downgrade() -> None:
    op.drop_index('ix_outbox_envelope_from', table_name='outbox')
    op.drop_index('ix_outbox_acks', table_name='outbox')
    op.drop_table('spamsender')
    op.drop_table('mailboxcheck')
