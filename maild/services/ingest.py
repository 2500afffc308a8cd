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
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from maild import metrics
from maild.adapters.db import spam, threads
from maild.adapters.db.engine import is_transient
from maild.adapters.db.models import Inbound, Message, Quarantine, Ticket
from maild.adapters.db.store import Database, Store
from maild.config import Intake
from maild.core import flood, mail, notices, route
from maild.core import spam as spam_rules
from maild.core.contexts import Quarantined, View
from maild.core.intake import Outcome, RawMail, TransientError, Verdict
from maild.core.model import InboundMail, Person, QuarantineStatus, Role, TicketStatus
from maild.core.people import Directory
from maild.services.arrival import Arrival
from maild.services.bounces import Bounces, Returned
from maild.services.monitor import REOPENED, Monitor, Seen
from maild.services.rows import Queue, record_message
from maild.services.staff.desk import StaffDesk
from maild.services.surveys import Surveys

log = logging.getLogger(__name__)


OPERATOR_MAILS_PER_HOUR = 10
MAX_PARTICIPANTS = 10  # colleagues on copy of one ticket from one mail


class _Isolate(Exception):
    """A mail failed in a batch taken without savepoints: take it again, isolated."""


@dataclass
class Ingest:
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

    def __call__(self, batch: Sequence[RawMail]) -> list[Outcome]:
        try:
            try:
                outcomes = self._take(batch, isolated=False)
            except _Isolate:
                # One mail failed: the batch again, each mail in its own savepoint, so
                # that mail alone goes to the quarantine and the others are taken.
                outcomes = self._take(batch, isolated=True)
        except DBAPIError as exc:
            raise TransientError(f"database: {exc.orig or exc}") from exc
        for outcome in outcomes:
            metrics.taken(outcome.verdict)
            if outcome.status is not None:
                metrics.staff(outcome.status)
        if any(
            o.verdict in {Verdict.TICKET, Verdict.JOINED, Verdict.STAFF, Verdict.BOUNCE}
            for o in outcomes
        ):
            self.on_queued()
        return outcomes

    def _take(self, batch: Sequence[RawMail], *, isolated: bool) -> list[Outcome]:
        """The batch in one transaction. Not isolated: no savepoint per mail (two
        round trips each saved); the first failure aborts the try (_Isolate)."""
        with self.db.transaction() as store:
            taken = self._taken_uids(store, batch)
            fresh = len(batch) - len(taken)
            store.reserve(Inbound, fresh)  # each mail's row, unwaited
            # and one for the message each mail may record (attachments need its id);
            # the ones left unused are gaps in an id nobody sees
            store.reserve(Message, fresh)
            return [
                Outcome(Verdict.DUPLICATE, reason="this UID was taken already")
                if (item.source, item.uidvalidity, item.uid) in taken
                else self.take_one(store, item, isolated=isolated)
                for item in batch
            ]

    @staticmethod
    def _taken_uids(store: Store, batch: Sequence[RawMail]) -> set[tuple[str, int | None, int]]:
        groups: dict[tuple[str, int | None], list[int]] = {}
        for item in batch:
            if item.uid is not None:
                groups.setdefault((item.source, item.uidvalidity), []).append(item.uid)
        return {
            (source, validity, uid)
            for (source, validity), uids in groups.items()
            for uid in store.seen_uids(source, validity, uids)
        }

    def take_one(self, store: Store, item: RawMail, *, isolated: bool = True) -> Outcome:
        """One mail's story in the caller's transaction (a batch, or inspect's dry run)."""
        try:
            parsed = mail.parse(
                item.raw,
                size=item.size,
                max_attachment_bytes=self.limits.max_attachment_bytes,
                max_message_bytes=self.limits.max_message_bytes,
            )
        except Exception as exc:
            return self._quarantine(store, item, exc)
        if not isolated:
            # No read for a repeat here: the unique key on (Message-ID, content) refuses
            # it, and the isolated pass, which asks, names it a duplicate.
            return self._unisolated(store, item, parsed)
        if store.seen_content(parsed.message_id, parsed.content_hash):
            return Outcome(Verdict.DUPLICATE, reason="this mail was taken already")
        try:
            with self.db.savepoint(store):
                return self._route(store, item, parsed)
        except DBAPIError as exc:
            if is_transient(exc):
                raise
            # The database refuses this mail's data: retrying would refuse it again
            # and hold up every mail behind it. Unless a racing instance took the
            # same mail meanwhile (a unique key), it goes to the quarantine alone.
            if store.seen_content(parsed.message_id, parsed.content_hash):
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
            raise _Isolate from exc
        except Exception as exc:
            raise _Isolate from exc

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
        acks = 0
        if isinstance(decision, route.Open) and m.from_addr:
            opened, latest, acks = store.sender_history(
                m.from_addr, a.now - timedelta(hours=1), a.now - timedelta(days=1)
            )
            decision = flood.fold_flood(
                decision, opened, self.limits.tickets_per_sender_per_hour, latest
            )
        match decision:
            case route.Open():
                return self._open(a, decision, acks)
            case route.Join():
                return self._join(a, decision)
            case route.StaffMail():
                return self._staff(a, decision)
            case route.Ignore():
                return self._ignore(a, decision)

    # the four destinations -------------------------------------------------
    def _open(self, a: Arrival, d: route.Open, acks: int) -> Outcome:
        m = a.mail
        assert m.from_addr is not None
        subject = route.clean_subject(m.subject)
        team = self.default_team
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
        )
        inbound_id = self._inbound(a, Verdict.TICKET, ticket_id, d.note)
        record_message(a, ticket_id, inbound_id, "customer")
        a.store.event(ticket_id, a.now, "opened", m.from_addr, message_id=m.message_id, note=d.note)
        self._copied(a, ticket_id)
        out = self._ack(a, ticket_id, subject, acks)
        staff = self.directory.to_notify(None, team)
        out += notices.staff_notices("new", staff, ticket_id, subject, m, self.addressing)
        self.queue(a.store, out, a.now)
        return Outcome(Verdict.TICKET, ticket_id, d.note)

    def _ack(self, a: Arrival, ticket_id: int, subject: str, acks: int) -> list[notices.Notice]:
        """The customer's acknowledgement, unless they had enough of them today, or
        everyone had enough this hour (a flood of forged senders)."""
        why = None
        if not flood.ack_allowed(acks, self.limits.acks_per_sender_per_day):
            why = f"{acks} acknowledgements to this sender in the last day"
        elif self._hour_of_acks(a) >= self.acks_per_hour:
            why = f"{self.acks_per_hour} acknowledgements in the last hour ([limits] acks_per_hour)"
        if why is not None:
            a.store.event(ticket_id, a.now, "ack_suppressed", None, reason=why)
            return []
        customer = self.directory.customer(a.mail.from_addr or "", a.mail.from_name)
        return [notices.ack(customer, ticket_id, subject, a.mail, self.addressing)]

    def _join(self, a: Arrival, d: route.Join) -> Outcome:
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
        self.queue(
            store,
            notices.staff_notices("reply", staff, ticket.id, ticket.subject, m, self.addressing),
            a.now,
        )
        return Outcome(Verdict.JOINED, ticket.id, d.via)

    def _reopen(self, a: Arrival, ticket: Ticket) -> None:
        """The customer wrote to a closed ticket: open again, and a watching manager sees it."""
        assert ticket.id is not None
        ticket.status, ticket.closed_at = TicketStatus.OPEN, None
        why = "the customer wrote again"
        a.store.event(ticket.id, a.now, "reopened", a.mail.from_addr, reason=why)
        if self.monitor is not None:
            seen = Seen(REOPENED, f"{a.mail.from_addr} wrote again after it was closed")
            self.monitor.saw(a.store, ticket, seen, a.now)

    def _staff(self, a: Arrival, d: route.StaffMail) -> Outcome:
        # The desk decides which ticket: the one a token signed for this person names.
        inbound_id = self._inbound(a, Verdict.STAFF, d.ticket_id, None)
        result = self.desk.handle(a, inbound_id, d)
        a.store.session.execute(
            update(Inbound)
            .where(col(Inbound.id) == inbound_id)
            .values(ticket_id=result.ticket_id, reason=result.reason)
        )
        return Outcome(Verdict.STAFF, result.ticket_id, result.reason, result.status)

    def _ignore(self, a: Arrival, d: route.Ignore) -> Outcome:
        m = a.mail
        inbound_id = self._inbound(a, Verdict.IGNORED, d.ticket_id, d.reason)
        if d.ticket_id is not None:
            record_message(a, d.ticket_id, inbound_id, "robot")
            a.store.event(d.ticket_id, a.now, "robot_mail", m.from_addr, reason=d.reason)
        log.info("ignored %s from %s: %s", m.message_id, m.from_addr, d.reason)
        return Outcome(Verdict.IGNORED, d.ticket_id, d.reason)

    def _bounced(self, a: Arrival, returned: Returned) -> Outcome:
        assert self.bounces is not None
        ticket_id = returned.row.ticket_id
        reason = returned.summary
        inbound_id = self._inbound(a, Verdict.BOUNCE, ticket_id, reason)
        if ticket_id is not None:  # the report itself, for the agent to read
            record_message(a, ticket_id, inbound_id, "robot")
        self.bounces.record(a, returned)
        return Outcome(Verdict.BOUNCE, ticket_id, reason)

    def _hour_of_acks(self, a: Arrival) -> int:
        return spam.acks_since(a.store.session, a.now - timedelta(hours=1), self.acks_per_hour)

    def _spam_reason(self, a: Arrival) -> str | None:
        """Staff mail is never spam here (a forgery runs nothing anyway); an operator's
        release is not spam either."""
        m = a.mail
        if a.item.released or m.from_addr is None or self.directory.person(m.from_addr):
            return None
        if self.spam_policy.trusted:
            said = spam_rules.verdict(dict(mail.grouped(m.headers)), self.spam_policy)
            if said is not None:
                return said
        if spam.is_marked(a.store.session, m.from_addr):
            return "an agent marked this sender as spam (#spam)"
        return None

    def _hold_spam(self, a: Arrival, reason: str) -> Outcome:
        """No ticket, no acknowledgement, nobody told: `maild quarantine list --spam`."""
        inbound_id = self._inbound(a, Verdict.SPAM, None, reason)
        held = Quarantine(
            inbound_id=inbound_id,
            source=a.item.source,
            error=reason,
            raw=a.item.raw,
            status=QuarantineStatus.SPAM,
            created_at=a.now,
        )
        row = a.store.add(held)
        log.info(
            "spam %s from %s held as #%s: %s", a.mail.message_id, a.mail.from_addr, row.id, reason
        )
        return Outcome(Verdict.SPAM, reason=f"spam #{row.id}: {reason}")

    def _copied(self, a: Arrival, ticket_id: int) -> None:
        """The customer's colleagues in Cc become the ticket's participants: on copy
        of our answers, their mail joins it. Never the support address or staff."""
        support = self.addressing.support.partition("@")
        others = [
            c
            for c in a.mail.cc_addrs
            if c != a.mail.from_addr
            and self.directory.person(c) is None
            and not (c.partition("@")[2] == support[2] and c.startswith(support[0]))
        ][:MAX_PARTICIPANTS]
        if others:
            added = a.store.add_participants(ticket_id, others, a.mail.from_addr or "", a.now)
            if added:
                a.store.event(ticket_id, a.now, "participants_added", a.mail.from_addr, added=added)

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

    def _quarantine(self, store: Store, item: RawMail, exc: Exception) -> Outcome:
        now = self.clock()
        digest = mail.content_hash(item.raw)
        # A stand-in Message-ID: the real one may be what broke the parser.
        stand_in = f"<{digest[:32]}@quarantine.maild>"
        if store.seen_content(stand_in, digest):
            return Outcome(Verdict.QUARANTINED, reason="quarantined already")
        error = f"{type(exc).__name__}: {exc}".replace("\x00", "")
        with self.db.savepoint(store):
            inbound = store.add(
                Inbound(
                    source=item.source,
                    uidvalidity=item.uidvalidity,
                    uid=item.uid,
                    message_id=stand_in,
                    content_hash=digest,
                    verdict=Verdict.QUARANTINED,
                    reason=error,
                    size=len(item.raw),
                    raw=item.raw,
                    received_at=now,
                )
            )
            row = store.add(
                Quarantine(
                    inbound_id=inbound.id,
                    source=item.source,
                    error=error,
                    traceback=traceback.format_exc().replace("\x00", ""),
                    raw=item.raw,
                    created_at=now,
                )
            )
        log.error("quarantined mail %s from %s as #%s: %s", item.uid, item.source, row.id, error)
        self._tell_operator(store, row, now)
        return Outcome(Verdict.QUARANTINED, reason=f"quarantine #{row.id}: {error}")

    def tell_operator(self, template: str, key: str, context: View) -> None:
        """A mail to [support] operator about maild itself (a mailbox down ...)."""
        if self.operator is None:
            return
        out = self._to_operator(template, key, context)
        try:
            with self.db.transaction() as store:
                self.queue(store, [out], self.clock())
        except DBAPIError as exc:
            log.error("could not tell the operator (%s): %s", template, exc)
            return
        self.on_queued()

    def _tell_operator(self, store: Store, row: Quarantine, now: datetime) -> None:
        if self.operator is None:
            return
        if store.quarantined_since(now - timedelta(hours=1)) > OPERATOR_MAILS_PER_HOUR:
            return  # a flood of poison: the log and `maild quarantine list` have the rest
        context = Quarantined(
            number=row.id,
            source=row.source,
            error=row.error,
            size=len(row.raw),
            head=row.raw[:2000].decode("utf-8", errors="replace"),
        )
        out = self._to_operator("operator/quarantined", f"quarantine-{row.id}", context)
        self.queue(store, [out], now)  # in the quarantine's own commit

    def _to_operator(self, template: str, key: str, context: View) -> notices.Notice:
        assert self.operator is not None
        operator = Person(self.operator, "Operator", Role.OPERATOR)
        return notices.notice(template, operator, 0, key, self.addressing, context)
