"""What the CLI shows of a row: pydantic models read from the rows' attributes.

`--json` prints model_dump(mode="json") of these, and the tables the CLI
prints read the same dumps, so both show the same fields under the same names.
Raw bytes and secrets never appear unless a command asks for them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from maild.adapters.db.models import Ledger, Quarantine, Ticket
from maild.adapters.db.store.files import TicketFile
from maild.core import mail, targets
from maild.core.policy import Money


class Row(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _from(name: str) -> Any:
    """A field read from the row's attribute `name` (shown under its own name)."""
    return Field(validation_alias=AliasChoices(name))


class TicketView(Row):
    id: int
    status: str
    priority: str
    customer: str
    customer_name: str
    subject: str
    agent: str | None
    team: str | None
    created_at: datetime
    updated_at: datetime
    language: str | None  # the customer's; None: the team's


class MessageView(Row):
    type: Literal["message"] = "message"
    id: int
    at: datetime = _from("created_at")
    kind: str
    direction: str
    author: str
    author_name: str | None
    subject: str
    text: str
    text_source: str
    notes: list[str]


def file_shown(f: TicketFile) -> dict[str, object]:
    """A file on the ticket: its name always; its bytes kept, removed (retention,
    forget), never kept (over the inbound cap); blocked ones say so."""
    state = "kept" if f.kept else ("removed" if f.ref.blob else "not kept (over the size limit)")
    if f.blocked:
        state += f", never forwarded: {f.blocked}"
    return {"name": f.ref.filename, "size": f.ref.size, "type": f.ref.content_type, "state": state}


class EventView(Row):
    type: Literal["event"] = "event"
    id: int
    at: datetime
    kind: str
    actor: str | None
    detail: dict[str, Any]


class OutboxView(Row):
    id: int
    status: str
    ticket: int | None = _from("ticket_id")
    template: str
    recipients: list[str]
    message_id: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    results: dict[str, Any]
    created_at: datetime
    sent_at: datetime | None


class QuarantineView(Row):
    id: int
    status: str
    source: str
    date: str  # the mail's From, Subject and Date, as written
    from_: str = Field(serialization_alias="from", validation_alias="from")
    subject: str
    error: str
    size: int
    created_at: datetime
    released_ticket: int | None
    traceback: str | None = None  # `quarantine show` only, with the raw mail
    raw: str | None = None

    @classmethod
    def of(cls, q: Quarantine, *, with_raw: bool = False) -> QuarantineView:
        return cls.model_validate(
            {
                "id": q.id,
                "status": q.status,
                "source": q.source,
                **mail.glance(q.raw),
                "error": q.error,
                "size": len(q.raw),
                "created_at": q.created_at,
                "released_ticket": q.released_ticket_id,
                "traceback": q.traceback if with_raw else None,
                "raw": q.raw.decode("utf-8", errors="replace") if with_raw else None,
            }
        )

    def dump(self) -> dict[str, Any]:
        hidden = set() if self.raw is not None else {"traceback", "raw"}
        return self.model_dump(mode="json", by_alias=True, exclude=hidden)


class LedgerView(Row):
    id: int
    ticket: int
    agent: str
    customer: str
    amount: str  # a decimal string: JSON numbers would round cents
    currency: str
    reason: str
    approved_by: str | None
    created_at: datetime
    message_id: str
    content_hash: str
    auth_ok: bool

    @classmethod
    def of(cls, c: Ledger) -> LedgerView:
        return cls(
            id=c.id or 0,
            ticket=c.ticket_id,
            agent=c.agent,
            customer=c.customer,
            amount=str(Money.from_cents(c.amount_cents, c.currency).amount),
            currency=c.currency,
            reason=c.reason,
            approved_by=c.approved_by,
            created_at=c.created_at,
            message_id=c.message_id,
            content_hash=c.content_hash,
            auth_ok=bool(c.auth.get("ok")),
        )


DUE_COLUMNS = ["ticket", "priority", "target", "due_at", "business_minutes_left", "breached"]


class DueView(Row):
    """A ticket waiting for a person, against its response target (`tickets --due`)."""

    ticket: int
    priority: str
    target: str  # first_response or next_response
    due_at: datetime
    business_minutes_left: float  # negative once breached
    breached: bool
    agent: str | None
    subject: str

    @classmethod
    def of(cls, t: Ticket, due: targets.Due) -> DueView:
        return cls(
            ticket=due.ticket_id,
            priority=due.priority,
            target=due.target,
            due_at=due.due_at,
            business_minutes_left=due.business_minutes_left,
            breached=due.breached,
            agent=t.agent,
            subject=t.subject,
        )
