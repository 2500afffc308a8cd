"""A ticket's whole history for a reader (#show): the customer's words, staff mails
and notes (their command lines with them), credits, escalation, hand-overs, the
files named."""

from __future__ import annotations

from maild.adapters.db.models import Event, Message, Ticket
from maild.adapters.db.store import Store
from maild.core import desk, reply
from maild.core.contexts import Entry, TicketShown
from maild.core.words import N_, Msg, Said
from maild.services.rows import credit_lines
from maild.services.targets import _aware

SHOWN = 40  # the latest entries
TEXT_MAX = 3000  # characters of one entry
EVENTS = {  # what an event says in the history; others stay in `maild show`
    "escalated": N_("escalated"),
    "escalation_returned": N_("handed back by the escalation owner"),
    "escalation_closed": N_("escalation closed"),
    "handed_over": N_("handed over to"),
    "reopened": N_("reopened by the customer's mail"),
    "merged": N_("merged"),
    "target_breached": N_("response target breached"),
}


def ticket_history(store: Store, ticket: Ticket, due: Said | None) -> TicketShown:
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
        priority=desk.word(ticket.priority),
        agent=ticket.agent,
        team=ticket.team,
        opened=_aware(ticket.created_at),
        due=due,
        escalation=escalation_line(escalation.team, escalation.owner) if escalation else None,
        credits=credit_lines(store, ticket.id),
        entries=shown,
        left_out=len(entries) - len(shown),
    )


def _named(t: Ticket) -> str:
    return f"{t.customer_name} <{t.customer}>" if t.customer_name else t.customer


def _status(t: Ticket) -> Said:
    if t.merged_into:
        return N_(
            "%(status)s (merged into #%(id)s)", status=desk.word(t.status), id=str(t.merged_into)
        )
    return desk.word(t.status)


def escalation_line(team: str, owner: str) -> Msg:
    return N_("with %(team)s (%(owner)s)", team=team, owner=owner)


def _said(m: Message, files: list[str]) -> Entry:
    name = m.author_name or m.author
    who: Said
    if m.kind == "customer":
        who, words = N_("%(name)s (customer)", name=name), m.text
    elif m.kind == "staff":
        who, words = N_("%(name)s (staff mail)", name=name), reply.new_text(m.text)
    elif m.kind == "note":
        who, words = N_("%(name)s (note)", name=m.author), m.text
    else:
        who, words = f"{m.author} ({m.kind})", m.text
    return Entry(_aware(m.created_at), who, words[:TEXT_MAX], tuple(files))


def _done(e: Event) -> Entry | None:
    said = EVENTS.get(e.kind)
    if said is None:
        return None
    extra = e.detail.get("team") or e.detail.get("to") or e.detail.get("into") or ""
    text = N_("%(what)s %(who)s", what=said, who=str(extra)) if extra else said
    return Entry(_aware(e.at), e.actor or "maild", text)
