"""Which ticket holds a stored mail: a follow-up that names it joins there."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from maild.adapters.db.models import Inbound
from maild.core.intake import Verdict

# A customer's or participant's mail that became part of a ticket; a robot's, a
# staff mail or a spam mail names no ticket anyone should join.
_STORED = (Verdict.TICKET, Verdict.JOINED)


# Built once: building a select costs more than running it (the hot path).
_TICKETS = select(Inbound.message_id, Inbound.ticket_id).where(
    col(Inbound.message_id).in_(bindparam("ids", expanding=True)),
    col(Inbound.verdict).in_(list(_STORED)),
    col(Inbound.ticket_id).is_not(None),
)


def tickets_of_mails(session: Session, message_ids: Sequence[str]) -> dict[str, int]:
    """Message-ID -> the ticket it was stored on (uses the inbound content key)."""
    if not message_ids:
        return {}
    found: dict[str, int] = {}
    rows = session.connection().execute(_TICKETS, {"ids": list(message_ids)})
    for message_id, ticket_id in rows:
        if ticket_id is not None:
            found.setdefault(message_id, ticket_id)
    return found
