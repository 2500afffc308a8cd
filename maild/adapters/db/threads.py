"""Which ticket holds a stored mail: a follow-up that names it joins there."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from maild.adapters.db.models import Inbound
from maild.core.intake import Verdict

# A customer's or participant's mail that became part of a ticket; a robot's, a
# staff mail or a spam mail names no ticket anyone should join.
_STORED = (Verdict.TICKET, Verdict.JOINED)


def tickets_of_mails(session: Session, message_ids: Sequence[str]) -> dict[str, int]:
    """Message-ID -> the ticket it was stored on (uses the inbound content key)."""
    if not message_ids:
        return {}
    query = select(Inbound.message_id, Inbound.ticket_id).where(
        col(Inbound.message_id).in_(list(message_ids)),
        col(Inbound.verdict).in_(list(_STORED)),
        col(Inbound.ticket_id).is_not(None),
    )
    found: dict[str, int] = {}
    for message_id, ticket_id in session.exec(query):
        if ticket_id is not None:
            found.setdefault(message_id, ticket_id)
    return found
