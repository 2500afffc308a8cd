"""Rows every service writes the same way: a mail on a ticket, notices in the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from maild.adapters.db.models import Message, Outbox
from maild.adapters.db.store import Store
from maild.adapters.render import Renderer
from maild.core import bounces
from maild.core.model import OutboxStatus
from maild.core.notices import Notice
from maild.core.policy import Money
from maild.core.words import N_, Msg
from maild.services.arrival import Arrival


def record_message(a: Arrival, ticket_id: int, inbound_id: int | None, kind: str) -> int:
    """The mail, its text and attachments, on the ticket (Core inserts: the hot path)."""
    m = a.mail
    row = {
        "ticket_id": ticket_id,
        "inbound_id": inbound_id,
        "direction": "in",
        "kind": kind,
        "author": m.from_addr or "",
        "author_name": m.from_name,
        "subject": m.subject,
        "text": m.text,
        "text_source": m.text_source,
        "notes": [str(n) for n in m.notes],  # English, as every record
        "created_at": a.now,
    }
    # Every message takes the id ingest reserved for its mail (no wait for the
    # database), so a ticket's messages keep the order they came in; its
    # attachments need that id.
    message_id = a.store.insert_numbered(Message, **row)
    a.store.keep_files(message_id, m.attachments, a.now)  # bytes once, by their hash
    return message_id


@dataclass(frozen=True)
class Queue:
    """Render notices to exact bytes and put them in the outbox, in the caller's commit."""

    renderer: Renderer
    envelope_from: str
    # VERP: each mail's own envelope sender (support+bounce-<mac>@...), so a bounce
    # names the mail it returns; None sends every mail from envelope_from itself.
    verp_key: bytes | None = None

    def envelope(self, message_id: str) -> str:
        if self.verp_key is None:
            return self.envelope_from
        return bounces.verp_address(self.envelope_from, self.verp_key, message_id)

    def __call__(
        self, store: Store, out: Sequence[Notice], now: datetime, at: datetime | None = None
    ) -> None:
        """`at`: not sent before then (and dated then), e.g. a survey a day after closing."""
        at = at or now
        # Message-IDs derive from the mail that caused them, already checked unique.
        rendered = [self.renderer.render_with_files(n, at) for n in out]
        store.insert_many(
            Outbox,
            [
                {
                    "message_id": n.message_id,
                    "ticket_id": n.ticket_id or None,
                    "template": n.template,
                    "recipients": [n.to_addr, *n.cc],
                    "envelope_from": self.envelope(n.message_id),
                    "raw": raw,
                    "files": placed,
                    "status": OutboxStatus.QUEUED,
                    "attempts": 0,
                    "next_attempt_at": at,
                    "last_error": None,
                    "results": {},
                    "created_at": now,
                    "sent_at": None,
                }
                for n, (raw, placed) in zip(out, rendered, strict=True)
            ],
        )


def credit_lines(store: Store, ticket_id: int | None) -> tuple[Msg, ...]:
    """The ticket's credits in words, for the staff who read its history:
    "USD 20.00 by dana@acme.example (late delivery)", the amount by the reader's locale."""
    return tuple(
        N_(
            "%(amount)s by %(agent)s (%(reason)s)",
            amount=_money(c.amount_cents, c.currency),
            agent=c.agent,
            reason=c.reason,
        )
        if c.reason
        else N_("%(amount)s by %(agent)s", amount=_money(c.amount_cents, c.currency), agent=c.agent)
        for c in store.ledger(ticket=ticket_id)
    )


def _money(cents: int, currency: str) -> Money:
    return Money.from_cents(cents, currency)
