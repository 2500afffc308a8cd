"""A person's words on their way: to the customer, threaded into their
conversation, or an owner's to the ticket's agent."""

from __future__ import annotations

from dataclasses import dataclass, replace

from maild.adapters import i18n
from maild.adapters.db.models import Message
from maild.core import apply, carry, notices
from maild.core.commands import Update
from maild.core.contexts import CustomerReply
from maild.core.model import Person
from maild.core.people import Directory
from maild.core.words import N_, Said
from maild.services import files
from maild.services.escalations import Escalations
from maild.services.rows import Queue
from maild.services.staff.mail import StaffMail


@dataclass(frozen=True)
class Words:
    text: str  # what the person wrote
    shown: str  # what the ticket shows was sent: the text and any announcements
    sender: str  # the From name the customer sees


@dataclass
class Relay:
    directory: Directory
    addressing: notices.Addressing
    queue: Queue
    escalations: Escalations

    def agent_words(self, sm: StaffMail, plan: apply.Plan) -> str | None:
        """An agent's reply and what their commands announce, unless kept internal."""
        text = "\n\n".join(x for x in (*plan.inserted, sm.block.reply) if x)
        if plan.internal or not (text or plan.announcements):
            return None
        # The ticket records what the customer read: the announcements in their language.
        speech = i18n.speech(self.addressing.language_of(self._customer(sm)))
        shown = "\n\n".join(x for x in (text, *map(speech.say, plan.announcements)) if x)
        sender = f"{sm.person.name} ({self.addressing.support_name})"
        return self.to_customer(sm, plan, Words(text, shown, sender))

    def owner_words(self, sm: StaffMail, plan: apply.Plan) -> str | None:
        """An owner's text goes to the agent; to the customer only with #update."""
        owner, sent = sm.person, None
        update = any(isinstance(s, Update) for s in plan.signals)
        if update and sm.block.reply and not plan.internal:
            team = self.escalations.teams.get(owner.team or "")
            shown_team = team.shown_name if team else owner.team
            sender = f"{owner.name} ({shown_team}, {self.addressing.support_name})"
            sent = self.to_customer(sm, plan, Words(sm.block.reply, sm.block.reply, sender))
        if sm.block.reply or plan.signals:
            self.escalations.owner_mail(sm, plan.signals)
        return sent

    def to_customer(self, sm: StaffMail, plan: apply.Plan, words: Words) -> str:
        ticket, store, now = sm.ticket, sm.store, sm.now
        assert ticket is not None and ticket.id is not None
        customer = self._customer(sm)
        last = store.last_customer_message_id(ticket.id, ticket.customer)
        carried = self._files(sm)
        context = CustomerReply(
            subject=ticket.subject,
            text=words.text,
            announcements=plan.announcements,
            agent_name=sm.person.name,
            attachments=carried.shown,
        )
        out = notices.notice(
            "customer/reply",
            customer,
            ticket.id,
            sm.mail.content_hash,
            self.addressing,
            context,
            thread=(last,) if last else (),
            from_name=words.sender,
            cc=store.participants(ticket.id),
            files=carried.files,
        )
        self.queue(store, [out], now)
        sm.files_held = any(a.why and a.kept for a in carried.shown)
        sm.files_said = file_lines(carried)
        self._record(sm, _with_files(words, sm.files_said))
        sm.event("replied", message_id=out.message_id)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        ticket.awaiting_since, ticket.target_stage = None, 0  # answered: the clock stops
        self.escalations.customer_heard(store, ticket.id, now)
        return words.shown

    def _customer(self, sm: StaffMail) -> Person:
        """The ticket's customer, in the ticket's language (a #lang in this mail counts)."""
        t = sm.ticket
        assert t is not None
        return self.directory.customer(t.customer, t.customer_name, t.language)

    def _files(self, sm: StaffMail) -> carry.Carried:
        """The files of the person's mail that go with the words (core.carry)."""
        assert sm.ticket is not None and sm.ticket.id is not None
        found = files.for_customer(sm.store, sm.ticket.id, sm.mail.attachments, sm.message_row)
        return carry.choose(
            found, self.addressing.file_cap, self.addressing.domain, for_staff=False
        )

    @staticmethod
    def _record(sm: StaffMail, words: Words) -> None:
        assert sm.ticket is not None
        sm.store.append(
            Message,
            ticket_id=sm.ticket.id,
            inbound_id=None,
            direction="out",
            kind="reply",
            author=sm.person.email,
            author_name=sm.person.name,
            subject=sm.ticket.subject,
            text=words.shown,
            text_source="plain",
            notes=[],
            created_at=sm.now,
        )


def file_lines(carried: carry.Carried) -> tuple[Said, ...]:
    """The files that went, and those that did not: for the receipt (in its reader's
    language) and the ticket (in English)."""
    lines: list[Said] = []
    if carried.files:
        lines.append(N_("Files sent: %(names)s", names=", ".join(carried.names)))
    lines += [
        N_("Not sent: %(name)s, %(why)s", name=a.filename, why=a.why)
        for a in carried.shown
        if a.why and a.kept
    ]
    return tuple(lines)


def _with_files(words: Words, lines: tuple[Said, ...]) -> Words:
    """The ticket's record of what was sent names the files too."""
    if not lines:
        return words
    named = "\n".join(str(x) for x in lines)
    return replace(words, shown="\n\n".join(x for x in (words.shown, named) if x))
