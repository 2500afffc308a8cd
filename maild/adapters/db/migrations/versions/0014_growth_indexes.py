"""partial indexes: what a busy hour reads stays small as the tables grow

The full index on outbox.leased_by held every sent mail (NULL); with statistics
saying so, SQLite scanned the whole outbox for a dead sender's rows each batch
(0.2 s a batch with 2 million sent mails kept). Housekeeping looked for raw
bytes to drop among all mail ever taken (1.4 s an hour, holding the write lock,
with a million tickets). Each now reads an index of the rows it is after.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 08:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _only(condition: str) -> dict:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    op.drop_index('ix_outbox_leased_by', table_name='outbox')
    op.create_index('ix_outbox_leased', 'outbox', ['leased_by'], **_only("leased_by IS NOT NULL"))
    op.create_index('ix_outbox_raw_kept', 'outbox', ['created_at'], **_only("length(raw) > 0"))
    op.create_index('ix_inbound_raw_kept', 'inbound', ['received_at'], **_only("length(raw) > 0"))


def downgrade() -> None:
    op.drop_index('ix_inbound_raw_kept', table_name='inbound')
    op.drop_index('ix_outbox_raw_kept', table_name='outbox')
    op.drop_index('ix_outbox_leased', table_name='outbox')
    op.create_index('ix_outbox_leased_by', 'outbox', ['leased_by'], unique=False)
