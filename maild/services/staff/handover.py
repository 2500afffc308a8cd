"""Handover: a ticket handed to another agent reaches them with its history.

The new agent gets the customer's words, the staff mails on the ticket, the
credits and the escalation, with a token signed for them: they can answer the
customer, or act, right from it. The agent who had it is told who has it now.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from maild.adapters.db.models import Ticket
from maild.adapters.db.store import Store
from maild.core import carry, desk, notices, reply, words
from maild.core.contexts import Handover, Said
from maild.core.model import Person
from maild.core.people import Directory
from maild.core.words import N_
from maild.services import files
from maild.services.rows import Queue, credit_lines
from maild.services.staff.mail import StaffMail
from maild.services.targets import _aware

HISTORY = 10  # the latest entries shown


@dataclass
class Handovers:
    directory: Directory
    addressing: notices.Addressing
    queue: Queue

    def tell(self, sm: StaffMail, previous: str | None, escalation: words.Said | None) -> None:
        """After the mail moved sm.ticket from `previous` to its new agent."""
        ticket = sm.ticket
        assert ticket is not None and ticket.id is not None
        new = self.directory.person(ticket.agent)
        if new is None or new.email == previous:
            return
        told = [(new, "new")] if new.email != sm.person.email else []
        old = self.directory.person(previous)
        if old is not None and old.email != sm.person.email:
            told.append((old, "previous"))
        carried = carry.choose(
            files.of_ticket(sm.store, ticket.id), self.addressing.file_cap, self.addressing.domain
        )
        out = []
        for person, role in told:  # the new agent gets the ticket's files; the previous, words
            view = self._view(sm.store, ticket, (sm.person, new), role, escalation)
            ours = carried if role == "new" else carry.Carried()
            out.append(
                notices.notice(
                    "agent/handover",
                    person,
                    ticket.id,
                    f"{sm.mail.content_hash}:handover",
                    self.addressing,
                    replace(view, files=ours.shown),
                    files=ours.files,
                )
            )
        self.queue(sm.store, out, sm.now)
        sm.event("handed_over", previous=previous, to=new.email)

    def _view(
        self,
        store: Store,
        ticket: Ticket,
        who: tuple[Person, Person],
        role: str,
        escalation: words.Said | None,
    ) -> Handover:
        by, new = who
        credits = credit_lines(store, ticket.id)
        return Handover(
            to_role=role,
            by_name=by.name,
            new_name=new.name,
            subject=ticket.subject,
            customer=ticket.customer,
            status=desk.word(ticket.status),
            priority=desk.word(ticket.priority),
            escalation=escalation,
            credits=credits,
            history=self._history(store, ticket),
        )

    def _history(self, store: Store, ticket: Ticket) -> tuple[Said, ...]:
        said = []
        for m in store.messages(ticket.id or 0):
            if m.kind == "customer":
                text = reply.collapsed(m.text[:2000], m.notes)
                said.append(Said(_aware(m.created_at), THE_CUSTOMER, text))
            elif m.kind == "staff":
                who = N_("%(name)s (staff mail)", name=m.author_name or m.author)
                said.append(Said(_aware(m.created_at), who, reply.new_text(m.text)))
        return tuple(replace(s, text=_cut(s.text)) for s in said[-HISTORY:])


THE_CUSTOMER = N_("the customer")


def _cut(text: words.Said) -> words.Said:
    return text[:2000] if isinstance(text, str) else text
