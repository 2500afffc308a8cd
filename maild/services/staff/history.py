"""A ticket's whole history for a reader (#show): the customer's words, staff mails
and notes (their command lines with them), credits, escalation, hand-overs, the
files named."""

from __future__ import annotations

from datetime import datetime

from maild.adapters.db.models import Event, Message, Ticket
from maild.adapters.db.store import Store
from maild.core import reply
from maild.core.contexts import Entry, TicketShown
from maild.services.rows import credit_lines

SHOWN = 40  # the latest entries
TEXT_MAX = 3000  # characters of one entry
EVENTS = {  # what an event says in the history; others stay in `maild show`
    "escalated": "escalated",
    "escalation_returned": "handed back by the escalation owner",
    "escalation_closed": "escalation closed",
    "handed_over": "handed over to",
    "reopened": "reopened by the customer's mail",
    "merged": "merged",
    "target_breached": "response target breached",
}


def ticket_history(store: Store, ticket: Ticket, due: str | None) -> TicketShown:
    assert ticket.id is not None
    files = store.files_named(ticket.id)
    timed = [
        (m.created_at, 0, m.id or 0, _said(m, files.get(m.id or 0, [])))
        for m in store.messages(ticket.id)
    ]
    for e in store.events(ticket.id):
        done = _done(e)
        if done is not None:
            timed.append((e.at, 1, e.id or 0, done))
    timed.sort(key=lambda x: (x[0], x[1], x[2]))
    entries = tuple(x[3] for x in timed)
    shown = entries[-SHOWN:]
    escalation = store.open_escalation(ticket.id)
    return TicketShown(
        subject=ticket.subject,
        customer=_named(ticket),
        status=_status(ticket),
        priority=ticket.priority,
        agent=ticket.agent,
        team=ticket.team,
        opened=_at(ticket.created_at),
        due=due,
        escalation=f"with {escalation.team} ({escalation.owner})" if escalation else None,
        credits=credit_lines(store, ticket.id),
        entries=shown,
        left_out=len(entries) - len(shown),
    )


def _named(t: Ticket) -> str:
    return f"{t.customer_name} <{t.customer}>" if t.customer_name else t.customer


def _status(t: Ticket) -> str:
    return f"{t.status} (merged into #{t.merged_into})" if t.merged_into else t.status


def _at(when: datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M}"


def _said(m: Message, files: list[str]) -> Entry:
    if m.kind == "customer":
        who, words = f"{m.author_name or m.author} (customer)", m.text
    elif m.kind == "staff":
        who, words = f"{m.author_name or m.author} (staff mail)", reply.new_text(m.text)
    else:
        who, words = f"{m.author} ({m.kind})", m.text
    return Entry(_at(m.created_at), who, words[:TEXT_MAX], tuple(files))


def _done(e: Event) -> Entry | None:
    said = EVENTS.get(e.kind)
    if said is None:
        return None
    extra = e.detail.get("team") or e.detail.get("to") or e.detail.get("into") or ""
    return Entry(_at(e.at), e.actor or "maild", f"{said} {extra}".strip())
