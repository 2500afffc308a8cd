"""events by kind and time: the summary's reopened and response-target counts

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 22:50:00
"""

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_event_kind_at', 'event', ['kind', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_event_kind_at', table_name='event')
