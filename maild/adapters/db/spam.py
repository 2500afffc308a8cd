"""Spam: senders an agent marked with #spam, the mail held as spam, and the
acknowledgements of the last hour (the overall cap)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, func, text, update
from sqlmodel import Session, col, select

from maild.adapters.db.models import ACKS, Outbox, Quarantine, SpamSender
from maild.core.model import QuarantineStatus

# Hot-path statements built once: building a select costs more than running it.
_MARKED = select(SpamSender.id).where(SpamSender.address == bindparam("address")).limit(1)
FEW_MARKED = 1000  # marked senders read into a set once a batch, when no more than these
_MARKED_KEY = "maild.marked_senders"  # in session.info: a set, or None (too many)
_ALL_MARKED = select(SpamSender.address).limit(bindparam("few"))
_ACKS_KEY = "maild.acks_this_hour"  # in session.info: a session is one transaction
_ACKS = select(func.count()).select_from(
    select(Outbox.id)
    .where(text(ACKS), Outbox.created_at >= bindparam("since"))  # the partial index's text
    .limit(bindparam("cap"))
    .subquery()
)


def is_marked(session: Session, address: str) -> bool:
    """Whether an agent marked this sender with #spam. The marked senders are read once
    a transaction (a batch) when they are few, as they are on most desks: a set to
    look in, not a round trip a customer mail; else one indexed read a mail."""
    if _MARKED_KEY not in session.info:
        rows = session.connection().execute(_ALL_MARKED, {"few": FEW_MARKED + 1}).scalars()
        found: set[str] = set(rows)
        session.info[_MARKED_KEY] = found if len(found) <= FEW_MARKED else None
    marked: set[str] | None = session.info[_MARKED_KEY]
    if marked is not None:
        return address in marked
    return session.connection().execute(_MARKED, {"address": address}).first() is not None


def mark(session: Session, address: str, ticket_id: int | None, by: str, now: datetime) -> None:
    if not is_marked(session, address):
        session.add(SpamSender(address=address, ticket_id=ticket_id, marked_by=by, created_at=now))
        session.flush()
        session.info.pop(_MARKED_KEY, None)  # read again


def unmark(session: Session, address: str) -> bool:
    done = session.execute(delete(SpamSender).where(col(SpamSender.address) == address))
    session.info.pop(_MARKED_KEY, None)
    return bool(getattr(done, "rowcount", 0))


def held(session: Session, limit: int = 100) -> Sequence[Quarantine]:
    query = (
        select(Quarantine)
        .where(Quarantine.status == QuarantineStatus.SPAM)
        .order_by(col(Quarantine.id).desc())
        .limit(limit)
    )
    return session.exec(query).all()


def not_spam(session: Session, limit: int = 100) -> Sequence[Quarantine]:
    """The quarantine proper: mail that could not be read or acted on."""
    query = (
        select(Quarantine)
        .where(Quarantine.status != QuarantineStatus.SPAM)
        .order_by(col(Quarantine.id).desc())
        .limit(limit)
    )
    return session.exec(query).all()


def acks_since(session: Session, since: datetime, cap: int) -> int:
    """Acknowledgements queued since then, to anyone, counted up to cap. Read once a
    transaction (a batch: the read costs up to `cap` entries of the partial index
    ix_outbox_acks, which a team that raised the cap paid for every new ticket), then
    kept up by acked() as the batch queues its own."""
    counted = session.info.get(_ACKS_KEY)
    if counted is None:
        found = session.connection().execute(_ACKS, {"since": since, "cap": cap}).scalar()
        counted = session.info[_ACKS_KEY] = int(found or 0)
    return int(counted)


def acked(session: Session) -> None:
    """One more acknowledgement queued in this transaction (for acks_since)."""
    if _ACKS_KEY in session.info:
        session.info[_ACKS_KEY] += 1


def drop_held_before(session: Session, cutoff: datetime, limit: int) -> int:
    """Spam held longer than the raw mail is kept loses its bytes (a flood of spam
    must not grow the database for ever); the row says what it was."""
    query = (
        select(Quarantine.id)
        .where(
            Quarantine.status == QuarantineStatus.SPAM,
            col(Quarantine.created_at) < cutoff,
            func.length(Quarantine.raw) > 0,
        )
        .limit(limit)
    )
    ids = list(session.exec(query).all())
    if ids:
        session.execute(update(Quarantine).where(col(Quarantine.id).in_(ids)).values(raw=b""))
    return len(ids)
