"""An agent forwards a customer's mail in: the customer's ticket, as if they had written.

  1. the forwarded mail: a `message/rfc822` attachment (read whole, its files
     with it), else an inline block as the mail clients write it (core.forward;
     the forwarding mail's files were the original's);
  2. a ticket for the original sender, with their words, subject, date and
     files, assigned to the forwarding agent;
  3. the agent's own words above the forward: an internal note on it (their
     command block applies to it, through the desk's usual path);
  4. the customer is acknowledged, unless the block says #quiet.
The agent is proven by their forwarding address or DMARC (core.auth.prove_forward);
an unproven forward runs nothing, and a replay opens nothing twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from maild.adapters.db.models import Message, Ticket
from maild.core import apply, auth, commands, forward, language, mail, notices, route
from maild.core.model import InboundMail, Person, Role, TicketStatus
from maild.core.people import Directory
from maild.core.words import N_, Said
from maild.services.arrival import Arrival
from maild.services.rows import Queue, record_message
from maild.services.staff import stopped
from maild.services.staff.mail import Result, StaffMail, fingerprint, new_action
from maild.services.staff.receipts import Receipts

RFC822 = "message/rfc822"
_FWD = re.compile(r"^\s*(?:(?:fwd?|wg|tr|rv|reenv|fw)\s*:\s*)+", re.I)


@dataclass(frozen=True)
class Original:
    """The customer's mail inside the agent's."""

    mail: InboundMail  # its sender, subject, words and files
    date_text: str  # its date as written
    above: str  # the agent's own words above it (their command block first)
    how: str  # "attached" or "inline"


def find_original(m: InboundMail) -> Original | None:
    """The one forwarded mail in an agent's mail, or None."""
    for part in m.attachments:
        if part.content_type == RFC822 and part.content:
            inner = _read_attached(part.content)
            if inner is not None:
                date = next((v for n, v in inner.headers if n == "date"), "")
                return Original(inner, date, m.text, "attached")
    found = forward.find_inline(m.text)
    if found is None:
        return None
    original = replace(
        m,
        from_addr=found.sender,
        from_name=found.sender_name,
        subject=found.subject or _FWD.sub("", m.subject),
        date=found.date,
        text=found.text,
        in_reply_to=None,
        references=(),
        cc_addrs=(),
        robot=None,
        notes=(),
    )
    return Original(original, found.date_text, found.above, "inline")


def _read_attached(raw: bytes) -> InboundMail | None:
    try:  # the outer mail's limits held already: the inner mail is within them
        inner = mail.parse(raw, max_attachment_bytes=len(raw), max_message_bytes=len(raw) + 1)
    except Exception:  # an attachment that is no mail: not a forward
        return None
    return inner if inner.from_addr else None


@dataclass(frozen=True)
class Forwards:
    directory: Directory
    addressing: notices.Addressing
    queue: Queue
    receipts: Receipts
    auth: auth.Policy
    act: Callable[[StaffMail], apply.Plan]  # the desk's path for a command block
    languages: language.Chooser  # the customer's, from the forwarded mail when new

    def original_of(self, a: Arrival, d: route.StaffMail) -> Original | None:
        """A forward, when an agent's mail names no ticket (a reply on a ticket that
        quotes a forwarded mail is a reply; a token for ticket 0 is a forwarding
        address)."""
        if d.person.role is not Role.AGENT or d.ticket_id is not None:
            return None
        if any(t.ticket_id != 0 for _source, t in route.carried_tokens(a.mail, self.auth.support)):
            return None
        return find_original(a.mail)

    def handle(self, a: Arrival, inbound_id: int, person: Person, original: Original) -> Result:
        m = a.mail
        verdict = auth.prove_forward(m, person, self.auth)
        key = fingerprint(person.email, m, m.text, None) if verdict.ok else None
        seen = a.store.action_seen(key, m.message_id) if key else None
        action = new_action(a, inbound_id, person, None, verdict)
        action.fingerprint = key if seen is None else None
        block = commands.parse_block(original.above, person.role)
        sm = StaffMail(a.store, m, person, block, a.store.add(action), a.now)
        if seen is not None:
            return stopped.replay(sm, seen.id, self.receipts)
        if not verdict.ok:  # runs nothing: the usual receipt says why
            return stopped.unproven(sm, verdict, self.receipts)
        quiet = any(commands.spec(c).quiets for c in block.commands)
        ticket = self.open(a, original, person)
        assert ticket.id is not None
        sm.ticket, sm.action.ticket_id = ticket, ticket.id
        sm.opened = _opened(ticket, quiet)
        self.note(a, ticket.id, person, block.reply, a.now)
        if not quiet:
            self.acknowledge(a, ticket, original)
        # The block applies to the new ticket; the words were a note, not an answer.
        sm.block = replace(block, reply="")
        plan = self.act(sm)
        why = f"forwarded {original.mail.from_addr}'s mail: ticket #{ticket.id}, {plan.status}"
        return Result(ticket.id, why, plan.status)

    def open(self, a: Arrival, original: Original, agent: Person) -> Ticket:
        """The customer's ticket, their mail on it, assigned to the agent."""
        m, now = original.mail, a.now
        assert m.from_addr is not None
        subject = route.clean_subject(_FWD.sub("", m.subject))
        ticket = Ticket(
            status=TicketStatus.OPEN,
            priority="normal",
            customer=m.from_addr,
            customer_name=m.from_name,
            subject=subject,
            agent=agent.email,
            team=agent.team,
            created_at=now,
            updated_at=now,
            awaiting_since=now,
            language=self.languages.choose(m, a.store.customer_language(m.from_addr)),
        )
        a.store.add(ticket)
        assert ticket.id is not None
        said = _origin(original, agent)
        on_ticket = replace(m, notes=(*m.notes, said))
        record_message(Arrival(a.store, a.item, on_ticket, now), ticket.id, None, "customer")
        a.store.event(
            ticket.id,
            now,
            "opened",
            m.from_addr,
            forwarded_by=agent.email,
            original_date=m.date.isoformat() if m.date else None,
            date_as_written=original.date_text,
            how=original.how,
        )
        a.store.event(ticket.id, now, "assigned", agent.email, reason="forwarded it")
        return ticket

    def note(self, a: Arrival, ticket_id: int, agent: Person, words: str, now: datetime) -> None:
        """The agent's words above the forward: for the staff, never the customer."""
        if not words.strip():
            return
        a.store.add(
            Message(
                ticket_id=ticket_id,
                direction="in",
                kind="staff",
                author=agent.email,
                author_name=agent.name,
                subject=a.mail.subject,
                text=words.strip(),
                notes=["an internal note: the customer does not see it"],
                created_at=now,
            )
        )
        a.store.event(ticket_id, now, "note", agent.email, reason="words above a forward")

    def acknowledge(self, a: Arrival, ticket: Ticket, original: Original) -> None:
        assert ticket.id is not None
        customer = self.directory.customer(ticket.customer, ticket.customer_name, ticket.language)
        out = notices.ack(customer, ticket.id, ticket.subject, original.mail, self.addressing)
        self.queue(a.store, [out], a.now)


def _origin(original: Original, agent: Person) -> str:
    when = original.date_text or "an unknown date"
    how = "attached" if original.how == "attached" else "forwarded"
    return f"{how.capitalize()} by {agent.name} ({agent.email}); the customer wrote it on {when}."


def _opened(ticket: Ticket, quiet: bool) -> Said:
    """The receipt's first sentence for a forward that opened a ticket."""
    who = f"{ticket.customer_name} <{ticket.customer}>".strip()
    if quiet:
        return N_(
            "Your forward opened ticket #%(id)s for %(who)s, assigned to you, without an"
            " acknowledgement (#quiet).",
            id=str(ticket.id),
            who=who,
        )
    return N_(
        "Your forward opened ticket #%(id)s for %(who)s, assigned to you, and acknowledged them.",
        id=str(ticket.id),
        who=who,
    )
