"""files travel with the conversation: bytes stored once by hash, streamed at send

Attachments name a blob (sha256 of their bytes) instead of holding them; a
cid: image is marked inline; a program is marked blocked. The outbox says where
in its raw bytes each file is streamed at send time. Existing attachment bytes
move into blobs.

Revision ID: 0015_files
Revises: 0014
Create Date: 2026-12-07 12:30:00
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0015_files'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'blob',
        sa.Column('hash', sa.String(), primary_key=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table('attachment') as batch:
        batch.add_column(sa.Column('blob', sa.String(), nullable=True))
        batch.add_column(sa.Column('content_id', sa.String(), nullable=True))
        batch.add_column(
            sa.Column('inline', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column('blocked', sa.String(), nullable=True))
        batch.create_index('ix_attachment_blob', ['blob'])
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('files', sa.JSON(), nullable=False, server_default='[]'))
    _move_bytes_into_blobs()


def _move_bytes_into_blobs() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, content FROM attachment WHERE content IS NOT NULL"))
    seen: set[str] = set()
    for row_id, content in rows.fetchall():
        digest = hashlib.sha256(bytes(content)).hexdigest()
        if digest not in seen and conn.execute(
            sa.text("SELECT 1 FROM blob WHERE hash = :h"), {"h": digest}
        ).first() is None:
            conn.execute(
                sa.text("INSERT INTO blob (hash, size, content, created_at) VALUES (:h, :s, :c, CURRENT_TIMESTAMP)"),
                {"h": digest, "s": len(content), "c": bytes(content)},
            )
        seen.add(digest)
        conn.execute(
            sa.text("UPDATE attachment SET blob = :h, content = NULL WHERE id = :i"),
            {"h": digest, "i": row_id},
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('files')
    with op.batch_alter_table('attachment') as batch:
        batch.drop_index('ix_attachment_blob')
        batch.drop_column('blocked')
        batch.drop_column('inline')
        batch.drop_column('content_id')
        batch.drop_column('blob')
    op.drop_table('blob')
