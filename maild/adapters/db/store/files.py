"""Files on tickets: bytes stored once by their hash, attachment rows naming them,
and the bytes read back in pieces at send time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Engine, Insert, exists, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from maild.adapters.db.models import Attachment, Blob, Message
from maild.adapters.db.store.base import StoreBase
from maild.core import files
from maild.core.model import Attachment as MailFile

CHUNK = 1 << 20  # bytes read from the database at a time while a file is sent


@cache
def _keep_blob(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT (hash) DO UPDATE SET content ... WHERE content IS NULL."""
    table = Blob.__table__  # type: ignore[attr-defined]
    build = pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    return build.on_conflict_do_update(
        index_elements=[table.c.hash],
        set_={"content": build.excluded.content},
        where=table.c.content.is_(None),
    )


@dataclass(frozen=True)
class TicketFile:
    """A file on a ticket, as the staff see it: whose mail brought it and when."""

    ref: files.FileRef
    message_id: int
    direction: str  # "in" (a customer's or a staff member's mail taken in), "out"
    kind: str  # the message's kind: "customer", "staff", "reply" ...
    author: str
    created_at: datetime
    kept: bool  # False: over the inbound cap, or erased by retention or forget
    blocked: str | None


class FilesMixin(StoreBase):
    def keep_files(self, message_id: int, found: Sequence[MailFile], now: datetime) -> None:
        """A mail's files on its message: each one's bytes stored once (by hash)."""
        if not found:
            return
        rows: list[dict[str, Any]] = []
        blobs: dict[str, dict[str, Any]] = {}
        for f in found:
            digest = files.content_hash(f.content) if f.content is not None else None
            if f.content is not None and digest is not None:
                blobs[digest] = {"hash": digest, "size": f.size, "content": f.content}
            rows.append(
                {
                    "message_id": message_id,
                    "filename": f.filename,
                    "content_type": f.content_type,
                    "size": f.size,
                    "content": None,
                    "blob": digest,
                    "content_id": f.content_id,
                    "inline": f.inline,
                    "blocked": files.blocked(f.filename, f.content_type, f.content),
                }
            )
        self._store_blobs(list(blobs.values()), now)
        self.insert_many(Attachment, rows)

    def _store_blobs(self, blobs: list[dict[str, Any]], now: datetime) -> None:
        """The same bytes again cost nothing; bytes erased earlier (retention, forget)
        are written again by a new mail carrying them. One statement, built once."""
        if not blobs:
            return
        conn = self.session.connection()
        rows = [{**b, "created_at": now} for b in blobs]
        conn.execute(_keep_blob(conn.dialect.name), rows)

    def message_files(self, message_ids: Sequence[int]) -> dict[int, list[Attachment]]:
        if not message_ids:
            return {}
        query = (
            select(Attachment)
            .where(col(Attachment.message_id).in_(list(message_ids)))
            .order_by(col(Attachment.id))
        )
        out: dict[int, list[Attachment]] = {}
        for a in self.session.exec(query).all():
            out.setdefault(a.message_id, []).append(a)
        return out

    def ticket_files(self, ticket_id: int) -> list[TicketFile]:
        """Every file on the ticket, newest first, with whether its bytes are kept."""
        kept = exists().where(
            col(Blob.hash) == col(Attachment.blob), col(Blob.content).is_not(None)
        )
        query = (
            select(Attachment, Message, kept)
            .join(Message, col(Message.id) == col(Attachment.message_id))
            .where(Message.ticket_id == ticket_id)
            .order_by(col(Message.id).desc(), col(Attachment.id))
        )
        return [
            TicketFile(
                ref=ref(a),
                message_id=m.id or 0,
                direction=m.direction,
                kind=m.kind,
                author=m.author,
                created_at=m.created_at,
                kept=bool(has_bytes) and a.blob is not None,
                blocked=a.blocked,
            )
            for a, m, has_bytes in self.session.exec(query).all()
        ]

    def erase_blobs(self, message_ids: Any, keep: Any = None) -> int:
        """Empty the bytes of these messages' files, except those that a message in
        `keep` (a select of message ids) also carries: the same bytes are another
        mail's too (a newer one retention keeps, another customer's)."""
        used = select(Attachment.blob).where(col(Attachment.message_id).in_(message_ids))
        condition = [col(Blob.hash).in_(used), col(Blob.content).is_not(None)]
        if keep is not None:
            kept = select(Attachment.blob).where(
                col(Attachment.message_id).in_(keep), col(Attachment.blob).is_not(None)
            )
            condition.append(col(Blob.hash).not_in(kept))
        done = self.session.execute(update(Blob).where(*condition).values(content=None))
        return int(getattr(done, "rowcount", 0) or 0)


def blob_pieces(engine: Engine, digest: str) -> Iterator[bytes] | None:
    """A file's bytes, CHUNK at a time, or None when they were erased. Each piece is
    one short read outside any transaction (no SQLite write lock while the relay
    reads); a file erased half-way ends short, and the relay's mail with it."""
    first, size = _piece(engine, digest, 0)
    if first is None:
        return None

    def rest(first: bytes) -> Iterator[bytes]:
        yield first
        for start in range(CHUNK, size, CHUNK):
            piece, _ = _piece(engine, digest, start)
            if piece is None:
                return
            yield piece

    return rest(first)


def _piece(engine: Engine, digest: str, start: int) -> tuple[bytes | None, int]:
    """SQLite: its incremental blob I/O (substr() would load the whole value for each
    piece). PostgreSQL: substring() of the value."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # autocommit (engine.py): a SELECT takes no lock
        try:
            sqlite = raw.driver_connection
            assert sqlite is not None
            found = sqlite.execute(_ROWID, (digest,)).fetchone()
            if found is None:
                return None, 0
            with sqlite.blobopen("blob", "content", found[0], readonly=True) as blob:
                blob.seek(start)
                return bytes(blob.read(CHUNK)), int(found[1])
        finally:
            raw.close()
    query = select(func.substr(Blob.content, start + 1, CHUNK), func.length(Blob.content)).where(
        Blob.hash == digest, col(Blob.content).is_not(None)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return (None, 0) if row is None else (bytes(row[0]), int(row[1]))


_ROWID = "SELECT rowid, length(content) FROM blob WHERE hash = ? AND content IS NOT NULL"


def ref(a: Attachment) -> files.FileRef:
    return files.FileRef(
        blob=a.blob or "",
        filename=a.filename,
        content_type=a.content_type,
        size=a.size,
        content_id=a.content_id if a.inline else None,
    )
