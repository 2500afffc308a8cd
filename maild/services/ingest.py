"""One mail = one unit of work; one batch = one commit.

The story of a mail, top to bottom:
  1. skip it if this (mailbox, UIDVALIDITY, UID) was taken already;
  2. parse the bytes; a crash quarantines the raw bytes with the error;
  3. skip it if the same Message-ID and content were taken already;
  4. a bounce of our own mail goes to its ticket, and its agent hears of it
     (services.bounces); spam is held, never answered: the MTA's trusted verdict headers (core.spam)
     or a sender an agent marked with #spam;
  5. find who sent it and which ticket it names, then decide (core.route): a
     follow-up naming a mail stored on a ticket joins it;
  6. fold a flood of new tickets from one sender into their latest ticket;
  7. carry out the decision: rows, events and rendered notices, in the outbox
     (acknowledgements capped per sender and per hour overall); staff mail (an
     agent's answer, a manager's decision) goes to the desk, services.staff.desk,
     which tells its own story;
  8. commit the whole batch; only then may the caller move the mails on.
Database trouble (locked, gone away, a timeout) is transient: nothing is
committed, the caller leaves the mails where they are and tries again. Data
the database refuses (a permanent error) quarantines that mail alone.
Steps 1 and 7 are services.batches; the quarantine is services.quarantine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.exc import DBAPIError

from maild.adapters.db import threads
from maild.adapters.db.engine import is_transient
from maild.adapters.db.models import Inbound, Ticket
from maild.adapters.db.store import Database, Store
from maild.adapters.db.store.tickets import SenderHistory
from maild.config import Intake
from maild.core import language, notices, reply, route
from maild.core import spam as spam_rules
from maild.core.intake import Outcome, Parsed, RawMail, Verdict
from maild.core.model import InboundMail, TicketStatus
from maild.core.people import Directory
from maild.services.acks import Acks
from maild.services.arrival import Arrival
from maild.services.batches import Batches, Isolate
from maild.services.bounces import Bounces
from maild.services.copies import Copies
from maild.services.customers import customer_history
from maild.services.held import Held
from maild.services.monitor import Monitor, wrote_again
from maild.services.quarantine import Quarantines
from maild.services.rows import Queue, record_message
from maild.services.staff.desk import StaffDesk
from maild.services.surveys import Surveys

log = logging.getLogger(__name__)


@dataclass
class Ingest(Batches, Quarantines, Copies, Held, Acks):
    db: Database
    directory: Directory
    addressing: notices.Addressing
    queue: Queue
    desk: StaffDesk
    clock: Callable[[], datetime]
    limits: Intake
    default_team: str | None = None
    operator: str | None = None  # told of each quarantined mail, a few an hour
    on_queued: Callable[[], None] = lambda: None
    surveys: Surveys | None = None  # answers to the closing survey are ratings
    monitor: Monitor | None = None  # managers watching reopened tickets
    spam_policy: spam_rules.Policy = field(default_factory=spam_rules.Policy)  # trusted
    acks_per_hour: int = 200  # acknowledgements to anyone, in one hour
    bounces: Bounces | None = None  # reports on our own mails that came back
    languages: language.Chooser = field(default_factory=language.Chooser)  # core.language
    parse_ahead: Callable[[Sequence[RawMail]], Sequence[Parsed]] | None = None  # Batches

    def take_one(
        self, store: Store, item: RawMail, *, isolated: bool = True, parsed: Parsed | None = None
    ) -> Outcome:
        """One mail's story in the caller's transaction (a batch, or inspect's dry run);
        `parsed`: its parse, done ahead (Batches.parse_ahead)."""
        try:
            m = parsed() if parsed else self.limits.reading().parse(item.raw, item.size)
        except Exception as exc:
            return self._quarantine(store, item, exc)
        if not isolated:
            # No read for a repeat here: the unique key on (Message-ID, content) refuses
            # it, and the isolated pass, which asks, names it a duplicate.
            return self._unisolated(store, item, m)
        if store.seen_content(m.message_id, m.content_hash):
            return Outcome(Verdict.DUPLICATE, reason="this mail was taken already")
        try:
            with self.db.savepoint(store):
                return self._route(store, item, m)
        except DBAPIError as exc:
            if is_transient(exc):
                raise
            # The database refuses this mail's data: retrying would refuse it again
            # and hold up every mail behind it. Unless a racing instance took the
            # same mail meanwhile (a unique key), it goes to the quarantine alone.
            if store.seen_content(m.message_id, m.content_hash):
                return Outcome(Verdict.DUPLICATE, reason="this mail was taken already")
            return self._quarantine(store, item, exc)
        except Exception as exc:
            return self._quarantine(store, item, exc)

    def _unisolated(self, store: Store, item: RawMail, parsed: InboundMail) -> Outcome:
        try:
            return self._route(store, item, parsed)
        except DBAPIError as exc:
            if is_transient(exc):
                raise
            raise Isolate from exc
        except Exception as exc:
            raise Isolate from exc

    def _decide(self, store: Store, m: InboundMail) -> route.Decision:
        sender = self.directory.person(m.from_addr)
        named = route.named_ids(m, self.addressing.support)
        stored = threads.tickets_of_mails(store.session, named) if named else {}
        refs = route.ticket_refs(m, self.addressing.support, stored)
        tickets = store.ticket_facts(r.ticket_id for r in refs)
        return route.route(m, sender, refs, tickets)

    def _route(self, store: Store, item: RawMail, m: InboundMail) -> Outcome:
        a = Arrival(store, item, m, self.clock())
        returned = self.bounces.returned(a) if self.bounces is not None else None
        if returned is not None:
            return self._bounced(a, returned)
        why_spam = self._spam_reason(a)
        if why_spam is not None:
            return self._hold_spam(a, why_spam)
        decision = self._decide(store, m)
        decision, known = self._sender(a, decision)
        match decision:
            case route.Open():
                return self._open(a, decision, known)
            case route.Join():
                return self._join(a, decision)
            case route.StaffMail():
                return self._staff(a, decision)
            case route.Ignore():
                return self._ignore(a, decision)

    # the four destinations -------------------------------------------------
    def _open(self, a: Arrival, d: route.Open, known: SenderHistory) -> Outcome:
        m = a.mail
        assert m.from_addr is not None
        subject = route.clean_subject(m.subject)
        team = self.default_team
        language = self.customer_language(m, known.language)
        ticket_id = a.store.insert_numbered(
            Ticket,
            status=TicketStatus.OPEN,
            priority="normal",
            customer=m.from_addr,
            customer_name=m.from_name,
            subject=subject,
            agent=None,
            team=team,
            created_at=a.now,
            updated_at=a.now,
            awaiting_since=a.now,  # the first response's clock starts
            language=language,
        )
        inbound_id = self._inbound(a, Verdict.TICKET, ticket_id, d.note)
        record_message(a, ticket_id, inbound_id, "customer")
        a.store.event(ticket_id, a.now, "opened", m.from_addr, message_id=m.message_id, note=d.note)
        self._copied(a, ticket_id)
        out = self._ack(a, ticket_id, subject, known.acks, language)
        staff = self.directory.to_notify(None, team)
        history = (  # a first-time customer's history (known.latest None) has nothing to say
            customer_history(a.store, m.from_addr, m.from_name, ticket_id, a.now)
            if known.latest is not None
            else None
        )
        out += notices.staff_notices("new", staff, ticket_id, subject, m, self.addressing, history)
        self.queue(a.store, out, a.now)
        return Outcome(Verdict.TICKET, ticket_id, d.note)

    def _join(self, a: Arrival, d: route.Join) -> Outcome:
        if d.answers:  # a reply: the ticket keeps its new words, not the thread again
            a = replace(a, mail=reply.customer_words(a.mail))
        m, store = a.mail, a.store
        ticket = store.ticket(d.ticket_id)
        assert ticket is not None and ticket.id is not None
        inbound_id = self._inbound(a, Verdict.JOINED, ticket.id, d.via)
        rated = self.surveys.answer(a, ticket, inbound_id) if self.surveys else None
        if rated is not None:  # an answer to the survey: a rating, not a reopening
            return Outcome(Verdict.JOINED, ticket.id, rated)
        if d.reopen:
            self._reopen(a, ticket)
        ticket.updated_at = a.now
        if ticket.status == TicketStatus.PENDING:  # the customer answered: ours again
            ticket.status = TicketStatus.OPEN
        if ticket.awaiting_since is None:  # the next response's clock starts
            ticket.awaiting_since, ticket.target_stage = a.now, 0
        record_message(a, ticket.id, inbound_id, "customer")
        if m.from_addr == ticket.customer:
            self._copied(a, ticket.id)
        store.event(
            ticket.id, a.now, "customer_replied", m.from_addr, via=d.via, message_id=m.message_id
        )
        staff = self.directory.to_notify(ticket.agent, ticket.team)
        told = notices.staff_notices("reply", staff, ticket.id, ticket.subject, m, self.addressing)
        self.queue(store, told, a.now)
        return Outcome(Verdict.JOINED, ticket.id, d.via)

    def _reopen(self, a: Arrival, ticket: Ticket) -> None:
        """The customer wrote to a closed ticket: open again, and a watching manager sees it."""
        assert ticket.id is not None
        ticket.status, ticket.closed_at = TicketStatus.OPEN, None
        why = "the customer wrote again"
        a.store.event(ticket.id, a.now, "reopened", a.mail.from_addr, reason=why)
        if self.surveys is not None:
            self.surveys.withdraw(a.store, ticket, a.now)
        if self.monitor is not None:
            seen = wrote_again(a.mail.from_addr)
            self.monitor.saw(a.store, ticket, seen, a.now)

    def _staff(self, a: Arrival, d: route.StaffMail) -> Outcome:
        # The desk decides which ticket: the one a token signed for this person names.
        inbound_id = self._inbound(a, Verdict.STAFF, d.ticket_id, None)
        result = self.desk.handle(a, inbound_id, d)
        a.store.settle_inbound(inbound_id, result.ticket_id, result.reason)
        return Outcome(Verdict.STAFF, result.ticket_id, result.reason, result.status)

    # rows: Core inserts, no ORM objects on the hot path -----------------------
    def _inbound(self, a: Arrival, verdict: str, ticket_id: int | None, reason: str | None) -> int:
        m, item = a.mail, a.item
        return a.store.insert_numbered(
            Inbound,
            source=item.source,
            uidvalidity=item.uidvalidity,
            uid=item.uid,
            message_id=m.message_id,
            content_hash=m.content_hash,
            sender=m.from_addr,
            subject=m.subject,
            verdict=verdict,
            reason=reason,
            ticket_id=ticket_id,
            size=m.size,
            raw=item.raw,
            received_at=a.now,
        )
