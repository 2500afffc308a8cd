"""Coaching: a manager's words to an agent, and the agent's answer back.

`#coach [N] text` answers any mail that names a ticket (an approval request, a
receipt, a reminder, an FYI) or, with N, the daily summary. The ticket's agent
gets the words with the ticket's context; nothing on the ticket changes and
nothing is undone. The agent's reply to that mail goes to the manager, never to
the customer, and runs no commands. Both are events on the ticket (`coaching`,
`coaching_answer`), which the customer never sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from maild.adapters.db.models import Outbox, Ticket
from maild.adapters.db.store import Store
from maild.core import commands, notices, reply
from maild.core.contexts import Coaching, CoachingAnswer, Receipt
from maild.core.model import ActionStatus, Person, Role
from maild.core.people import Directory
from maild.core.words import N_, Said
from maild.services.rows import Queue, credit_lines
from maild.services.staff.mail import Result, StaffMail, line_errors, not_run
from maild.services.staff.receipts import Receipts

TEMPLATE = "agent/coaching"


@dataclass
class Coaches:
    directory: Directory
    addressing: notices.Addressing
    queue: Queue
    receipts: Receipts

    # the manager's words ---------------------------------------------------------------
    def coach(self, sm: StaffMail) -> Result:
        words, problem = self._read(sm)
        ticket = sm.ticket
        agent = self._agent_of(sm.store, ticket) if ticket is not None else None
        if problem is None and ticket is not None and agent is None:
            problem = N_(
                "ticket #%(id)s has no agent yet: there is nobody to coach", id=str(ticket.id)
            )
        if problem is not None or ticket is None or agent is None:
            return self._refuse(sm, problem or N_("name the ticket: #coach 123 your words"))
        assert ticket.id is not None
        view = self._view(sm.store, ticket, sm.person, words)
        cause = f"{sm.mail.content_hash}:coach"
        out = notices.notice(TEMPLATE, agent, ticket.id, cause, self.addressing, view)
        self.queue(sm.store, [out], sm.now)
        sm.event("coaching", agent=agent.email, words=words, message_id=out.message_id)
        sm.action.status = ActionStatus.APPLIED
        outcome = N_("Your words went to %(name)s. Nothing changed on the ticket.", name=agent.name)
        self.receipts.reply(sm, Receipt(headline=N_("coaching sent"), outcome=outcome))
        return Result(ticket.id, f"coaching for {agent.email}", ActionStatus.APPLIED)

    @staticmethod
    def _read(sm: StaffMail) -> tuple[str, Said | None]:
        """The words, and sm.ticket (named by N when the mail answers the summary)."""
        if sm.block.errors:
            return "", line_errors(sm.block)
        coaching = [c for c in sm.block.commands if commands.spec(c).coaches]
        if len(coaching) != 1 or len(sm.block.commands) != 1:
            return "", N_("write one #coach [N] text at the top, and no other command")
        [c] = coaching
        words = str(c.args.get("text", ""))
        if sm.ticket is None:  # the summary: the first word names the ticket
            named = c.args.get("ticket")
            words = str(c.args.get("rest", ""))
            sm.ticket = sm.store.live_ticket(int(str(named))) if named is not None else None
            if sm.ticket is None:
                missing = N_("there is no ticket #%(number)s", number=str(named))
                return "", missing if named else None
        words = "\n\n".join(x for x in (words, sm.block.reply) if x)
        return words, None if words else commands.spec(c).reason_required

    def _agent_of(self, store: Store, ticket: Ticket) -> Person | None:
        """The ticket's agent; before it has one, the agent whose mail is held on it or
        who last wrote on it (a manager coaches from the approval request)."""
        candidates = [ticket.agent, *(a.agent for a in reversed(store.approvals_of(ticket.id)))]
        candidates += [
            m.author for m in reversed(store.messages(ticket.id or 0)) if m.kind == "staff"
        ]
        for email in candidates:
            person = self.directory.person(email)
            if person is not None and person.role is Role.AGENT:
                return person
        return None

    def _refuse(self, sm: StaffMail, problem: Said) -> Result:
        sm.action.status = ActionStatus.REFUSED
        sm.event("coaching_refused", reason=str(problem))
        outcome = N_("Nothing was sent: %(why)s.", why=problem)
        self.receipts.reply(sm, Receipt(headline=N_("not sent"), outcome=outcome))
        return Result(sm.ticket_id, str(problem), ActionStatus.REFUSED)

    def _view(self, store: Store, ticket: Ticket, manager: Person, words: str) -> Coaching:
        said = [m.text for m in store.messages(ticket.id or 0) if m.kind == "customer"]
        credits = credit_lines(store, ticket.id)
        return Coaching(
            manager_name=manager.name,
            words=words,
            subject=ticket.subject,
            customer=ticket.customer,
            last_words=(said[-1] if said else "")[:2000],
            credits=credits,
        )

    # the agent's answer ----------------------------------------------------------------
    def answered(self, sm: StaffMail) -> Outbox | None:
        """The coaching mail this agent's mail answers, if it answers one."""
        m = sm.mail
        ids = [i for i in (m.in_reply_to, *m.references) if i]
        return sm.store.sent_mail(ids, TEMPLATE)

    def answer(self, sm: StaffMail, coaching: Outbox) -> Result:
        ticket = sm.ticket
        assert ticket is not None and ticket.id is not None
        coach, coached = self._coaching(sm.store, ticket.id, coaching.message_id)
        manager = self.directory.known(coach, Role.MANAGER)
        words = sm.block.reply or reply.new_text(sm.mail.text)
        view = CoachingAnswer(sm.person.name, words, coached, ticket.subject)
        cause = f"{sm.mail.content_hash}:coaching-answer"
        out = notices.notice(
            "manager/coaching-answer", manager, ticket.id, cause, self.addressing, view
        )
        self.queue(sm.store, [out], sm.now)
        sm.event("coaching_answer", manager=manager.email, words=words)
        sm.action.status = ActionStatus.APPLIED
        if sm.block.commands:  # words for the manager only: say so, never run them
            lines = not_run(sm.block, "not run", N_("an answer to coaching runs no commands"))
            sm.record_lines(lines)
            outcome = N_(
                "Your answer went to %(name)s only. The commands in it were not run: "
                "answer the ticket's notification to act on it.",
                name=manager.name,
            )
            told = Receipt(headline=N_("answer sent"), outcome=outcome, lines=tuple(lines))
            self.receipts.reply(sm, told)
        return Result(ticket.id, f"coaching answer to {manager.email}", ActionStatus.APPLIED)

    @staticmethod
    def _coaching(store: Store, ticket_id: int, message_id: str) -> tuple[str, str]:
        """Who coached, and their words, for the coaching mail with this Message-ID."""
        found = [
            e
            for e in store.events(ticket_id)
            if e.kind == "coaching" and e.detail.get("message_id") == message_id
        ]
        event = found[-1]
        return str(event.actor), str(event.detail.get("words", ""))
