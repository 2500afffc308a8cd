"""The outgoing mail a bounce names, and whether its agent heard of it already."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from maild.adapters.db.models import Event, Outbox

DELIVERY_FAILED = "delivery_failed"


def sent_from(session: Session, envelopes: Sequence[str]) -> Outbox | None:
    """Our mail sent with one of these (VERP) envelope senders (ix_outbox_envelope_from)."""
    if not envelopes:
        return None
    query = select(Outbox).where(col(Outbox.envelope_from).in_(list(envelopes))).limit(1)
    return session.exec(query).first()


def sent_as(session: Session, message_id: str | None) -> Outbox | None:
    if not message_id:
        return None
    return session.exec(select(Outbox).where(Outbox.message_id == message_id)).first()


def told(session: Session, ticket_id: int, message_id: str, recipient: str) -> bool:
    """A delivery_failed event for this mail and recipient exists: told once."""
    query = select(Event.detail).where(Event.ticket_id == ticket_id, Event.kind == DELIVERY_FAILED)
    return any(
        d.get("mail") == message_id and d.get("recipient") == recipient for d in session.exec(query)
    )
