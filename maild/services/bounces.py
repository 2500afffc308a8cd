"""A bounce of our own mail reaches its ticket, and the agent hears of it once.

  1. is it a report on one of our mails? The VERP envelope sender it was sent
     to names the mail; else the Message-ID in the report's copy of it does;
  2. each recipient the report says failed (and the mail was sent to) gets a
     `delivery_failed` event with the remote server's words, and the outbox
     row says so (`maild outbox`);
  3. the ticket's agent (or the team, while nobody has it) is told once per
     mail and recipient; a bounce of a mail to staff is recorded, not relayed.
An out-of-office reply or any other robot is not a report: it stays a robot.
"""

from __future__ import annotations

from dataclasses import dataclass

from maild.adapters.db import bounces as sent
from maild.adapters.db.models import Outbox, Ticket
from maild.core import bounces, mail, notices
from maild.core.contexts import DeliveryFailed
from maild.core.model import OutboxStatus, Person
from maild.core.people import Directory
from maild.core.words import N_
from maild.services.arrival import Arrival
from maild.services.rows import Queue

# What the customer did not get, in the agent's words.
WHAT = {
    "customer/reply": N_("your answer"),
    "customer/ack": N_("the acknowledgement"),
    "customer/survey": N_("the survey"),
    "customer/still-working": N_("the note that we are still working on it"),
}


@dataclass(frozen=True)
class Returned:
    """One of our mails came back."""

    row: Outbox
    failures: tuple[bounces.Failure, ...]  # only recipients the mail was sent to

    @property
    def summary(self) -> str:
        whom = ", ".join(f.recipient for f in self.failures)
        return f"bounce of {self.row.template} to {whom}: {self.failures[0].words}"[:500]


@dataclass(frozen=True)
class Bounces:
    directory: Directory
    addressing: notices.Addressing
    queue: Queue

    def returned(self, a: Arrival) -> Returned | None:
        m = a.mail
        verp = bounces.verp_candidates(m.to_addrs, self.queue.envelope_from)
        if not verp and not m.robot:  # the common case, at no cost
            return None
        headers = dict(mail.grouped(m.headers))
        if not verp and not bounces.is_report(headers):
            return None
        report = bounces.read(a.item.raw)
        session = a.store.session
        row = sent.sent_from(session, verp) or sent.sent_as(session, report.message_id)
        if row is None:
            return None
        failures = report.failures
        if not failures and verp and _from_mailer(m.from_addr, headers):
            # an old MTA's bounce without a report: its words are the text (an
            # out-of-office sent to the envelope sender is not one: a robot, as ever)
            words = bounces.Failure(row.recipients[0], "", " ".join(m.text.split())[:500])
            failures = (words,)
        mine = tuple(f for f in failures if f.recipient in row.recipients)
        return Returned(row, mine) if mine else None

    def record(self, a: Arrival, returned: Returned) -> None:
        row, now = returned.row, a.now
        results = dict(row.results)
        for failure in returned.failures:
            results[failure.recipient] = {
                "status": "bounced",
                "code": _code(failure),
                "reply": failure.words,
                "dsn": failure.status,
            }
            if row.ticket_id is not None:
                self._on_ticket(a, row, row.ticket_id, failure)
        row.results = results
        row.last_error = "; ".join(f"bounced: {f.recipient}: {f.words}" for f in returned.failures)
        if all(results.get(r, {}).get("status") == "bounced" for r in row.recipients):
            row.status = OutboxStatus.FAILED
        row.sent_at = row.sent_at or now
        a.store.session.flush()  # in this mail's savepoint: a refusal is this mail's

    def _on_ticket(self, a: Arrival, row: Outbox, ticket_id: int, f: bounces.Failure) -> None:
        store = a.store
        if sent.told(store.session, ticket_id, row.message_id, f.recipient):
            return  # the same bounce again, or a second report on it
        store.event(
            ticket_id,
            a.now,
            sent.DELIVERY_FAILED,
            None,
            recipient=f.recipient,
            status=f.status,
            words=f.words,
            mail=row.message_id,
            template=row.template,
        )
        ticket = store.ticket(ticket_id)
        if ticket is None or self.directory.person(f.recipient) is not None:
            return  # a mail to staff came back: recorded, not relayed
        context = DeliveryFailed(
            subject=ticket.subject,
            customer_name=ticket.customer_name if f.recipient == ticket.customer else "",
            recipient=f.recipient,
            what=WHAT.get(row.template, N_("a mail about the ticket")),
            words=f.words,
            status=f.status,
        )
        cause = f"bounce:{row.message_id}:{f.recipient}"
        out = [
            notices.notice("agent/delivery-failed", p, ticket_id, cause, self.addressing, context)
            for p in _told(self.directory, ticket)
        ]
        self.queue(store, out, a.now)


def _told(directory: Directory, ticket: Ticket) -> list[Person]:
    agent = directory.person(ticket.agent) if ticket.agent else None
    return [agent] if agent is not None else directory.to_notify(None, ticket.team)


def _from_mailer(sender: str | None, headers: dict[str, list[str]]) -> bool:
    """A mail system's own message: MAILER-DAEMON, postmaster, or a null return path."""
    local = (sender or "").partition("@")[0].lower()
    null = (headers.get("return-path") or ["x"])[0].strip() in {"<>", ""}
    return local in {"mailer-daemon", "postmaster"} or null


def _code(f: bounces.Failure) -> int:
    first = f.words.split(" ", 1)[0]
    if first.isdigit() and len(first) == 3:
        return int(first)
    return 550 if f.status.startswith("5") else 450 if f.status.startswith("4") else 0
