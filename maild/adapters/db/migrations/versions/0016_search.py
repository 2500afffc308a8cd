"""full-text search for #find: subjects, customers and message text

SQLite: two FTS5 tables over the ticket and message tables' own rows (external
content), kept by triggers, so an erased customer's words leave the index with
the row's new values. PostgreSQL: GIN indexes over `to_tsvector('simple', ...)`
expressions, which the database keeps itself. The 'simple' configuration and
unicode61 both match whole words in any language (German as English), without
stemming; `word*` is a prefix on both. The expressions here are the ones
store/desk_views.py queries: a query uses the index only when they are the same.

Revision ID: 0016
Revises: 0015_files
Create Date: 2026-12-07 13:00:00
"""

from alembic import op

revision = '0016'
down_revision = '0015_files'
branch_labels = None
depends_on = None

TICKET_TSV = (
    "to_tsvector('simple', subject || ' ' || translate(customer, '@.', '  ') || ' ' "
    "|| customer_name)"
)
MESSAGE_TSV = "to_tsvector('simple', left(text, 100000))"  # a tsvector holds at most 1 MB
TOKENIZE = "unicode61 remove_diacritics 2"
_SQLITE = [
    f"CREATE VIRTUAL TABLE ticket_fts USING fts5(subject, customer, customer_name, "
    f"content='ticket', content_rowid='id', tokenize='{TOKENIZE}')",
    "CREATE TRIGGER ticket_fts_ai AFTER INSERT ON ticket BEGIN "
    "INSERT INTO ticket_fts(rowid, subject, customer, customer_name) "
    "VALUES (new.id, new.subject, new.customer, new.customer_name); END",
    "CREATE TRIGGER ticket_fts_ad AFTER DELETE ON ticket BEGIN "
    "INSERT INTO ticket_fts(ticket_fts, rowid, subject, customer, customer_name) "
    "VALUES ('delete', old.id, old.subject, old.customer, old.customer_name); END",
    "CREATE TRIGGER ticket_fts_au AFTER UPDATE OF subject, customer, customer_name ON ticket "
    "BEGIN INSERT INTO ticket_fts(ticket_fts, rowid, subject, customer, customer_name) "
    "VALUES ('delete', old.id, old.subject, old.customer, old.customer_name); "
    "INSERT INTO ticket_fts(rowid, subject, customer, customer_name) "
    "VALUES (new.id, new.subject, new.customer, new.customer_name); END",
    f"CREATE VIRTUAL TABLE message_fts USING fts5(text, content='message', "
    f"content_rowid='id', tokenize='{TOKENIZE}')",
    "CREATE TRIGGER message_fts_ai AFTER INSERT ON message BEGIN "
    "INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER message_fts_ad AFTER DELETE ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER message_fts_au AFTER UPDATE OF text ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO ticket_fts(ticket_fts) VALUES ('rebuild')",
    "INSERT INTO message_fts(message_fts) VALUES ('rebuild')",
]
_POSTGRES = [
    f"CREATE INDEX ix_ticket_search ON ticket USING gin ({TICKET_TSV})",
    f"CREATE INDEX ix_message_search ON message USING gin ({MESSAGE_TSV})",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE if sqlite else _POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("ticket", "message"):
            for when in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_fts_{when}")
            op.execute(f"DROP TABLE IF EXISTS {name}_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_message_search")
        op.execute("DROP INDEX IF EXISTS ix_ticket_search")
