"""the customer's language: each ticket keeps the language maild writes to its customer in

Decided on the customer's first mail (Content-Language, else the text when clear) or
set with #lang; NULL: the team's. A new ticket takes the customer's latest one.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('language', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('language')
