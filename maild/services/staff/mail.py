"""One staff mail on its way through the desk: what every step of it shares."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from maild.adapters.db.models import Action, Ticket
from maild.adapters.db.store import Store
from maild.core import apply, words
from maild.core.auth import Verdict
from maild.core.commands import Block
from maild.core.model import ActionStatus, InboundMail, Person
from maild.core.words import N_, Msg, Said
from maild.services.arrival import Arrival


@dataclass(frozen=True)
class Result:
    ticket_id: int | None
    reason: str
    status: str  # what became of the mail: an ActionStatus (applied, refused, ...)


@dataclass
class StaffMail:
    store: Store  # the mail's transaction
    mail: InboundMail
    person: Person  # the sender, as configured (proven or not: see action.auth)
    block: Block  # its command block and reply
    action: Action  # its row: status, every line's verdict, the proof of sender
    now: datetime
    ticket: Ticket | None = None  # the ticket it acts on, once known
    approved_by: Person | None = None  # a held mail re-run after the manager's #approve
    message_row: int | None = None  # its message on the ticket (its files hang there)
    files_held: bool = False  # a file of it did not go to the customer: the receipt says so
    files_said: tuple[Said, ...] = ()  # the receipt's lines on the files that went, or not
    opened: Said | None = None  # a forward opened the ticket: the receipt says so first

    @property
    def ticket_id(self) -> int | None:
        return self.ticket.id if self.ticket is not None else None

    def event(self, kind: str, **detail: object) -> None:
        """An event by the sender on the mail's ticket (none while it names no ticket)."""
        if self.ticket is not None and self.ticket.id is not None:
            self.store.event(self.ticket.id, self.now, kind, self.person.email, **detail)

    def record_lines(self, lines: Iterable[Mapping[str, object]], **extra: object) -> None:
        """Every command attempt is on the action row and an event, run or not."""
        # A reason may be a Msg (the receipt says it in the reader's language): the row
        # and the event keep its English.
        self.action.lines = [
            {k: str(v) if isinstance(v, Msg) else v for k, v in x.items()} for x in lines
        ]
        for line in self.action.lines:
            self.event("command", message_id=self.mail.message_id, **extra, **line)


def new_action(
    a: Arrival, inbound_id: int, person: Person, ticket_id: int | None, verdict: Verdict
) -> Action:
    """The mail's action row, not yet added: the caller sets its replay key first."""
    return Action(
        ticket_id=ticket_id,
        inbound_id=inbound_id,
        actor=person.email,
        message_id=a.mail.message_id,
        fingerprint=None,
        status=ActionStatus.RECEIVED,
        lines=[],
        auth=verdict.as_dict(),
        created_at=a.now,
        updated_at=a.now,
    )


def fingerprint(person: str, m: InboundMail, text: str, ticket_id: int | None) -> str:
    """Sender, Date, new text and ticket: a replay under a fresh Message-ID still
    matches, and one canned reply sent to several tickets at once does not."""
    when = m.date.isoformat() if m.date else m.message_id
    parts = (person, when, text, str(ticket_id or 0))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def line_record(x: apply.Line) -> dict[str, object]:
    """One line's verdict as it is stored (JSON) and shown in a receipt."""
    args = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in x.args.items()}
    return {
        "line": x.line,
        "raw": x.raw,
        "name": x.name,
        "args": args,
        "status": str(x.status),
        "decision": x.decision,
        "reason": str(x.reason),
    }


def not_run(block: Block, status: str, why: Said) -> list[dict[str, object]]:
    """Every line of a mail that runs nothing, with why."""
    return [{"line": c.line, "raw": c.raw, "status": status, "reason": why} for c in block.commands]


def line_errors(block: Block) -> Said:
    """A block's bad lines in one sentence, for a mail that must run as a whole."""
    return words.joined(
        [
            N_("line %(line)s '%(raw)s': %(why)s", line=str(e.line), raw=e.raw, why=e.reason)
            for e in block.errors
        ]
    )
