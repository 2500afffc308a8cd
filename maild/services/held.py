"""Mail that is held, not answered: a report on one of our own mails that came back
(a bounce: recorded on its ticket, the agent told once, services.bounces), and spam
(the MTA's trusted verdict, core.spam, or a sender an agent marked with #spam): no
ticket, no acknowledgement, nobody told; `maild quarantine list --spam` shows it."""

from __future__ import annotations

import logging
from abc import abstractmethod

from maild.adapters.db import spam
from maild.adapters.db.models import Quarantine
from maild.core import mail, route
from maild.core import spam as spam_rules
from maild.core.intake import Outcome, Verdict
from maild.core.model import QuarantineStatus
from maild.core.people import Directory
from maild.services.arrival import Arrival
from maild.services.bounces import Bounces, Returned
from maild.services.rows import record_message

log = logging.getLogger("maild.services.ingest")


class Held:
    directory: Directory
    spam_policy: spam_rules.Policy
    acks_per_hour: int
    bounces: Bounces | None

    @abstractmethod
    def _inbound(self, a: Arrival, verdict: str, ticket_id: int | None, reason: str | None) -> int:
        """The mail's inbound row (services.ingest.Ingest writes it)."""

    def _bounced(self, a: Arrival, returned: Returned) -> Outcome:
        assert self.bounces is not None
        ticket_id = returned.row.ticket_id
        reason = returned.summary
        inbound_id = self._inbound(a, Verdict.BOUNCE, ticket_id, reason)
        if ticket_id is not None:  # the report itself, for the agent to read
            record_message(a, ticket_id, inbound_id, "robot")
        self.bounces.record(a, returned)
        return Outcome(Verdict.BOUNCE, ticket_id, reason)

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

    def _ignore(self, a: Arrival, d: route.Ignore) -> Outcome:
        m = a.mail
        inbound_id = self._inbound(a, Verdict.IGNORED, d.ticket_id, d.reason)
        if d.ticket_id is not None:
            record_message(a, d.ticket_id, inbound_id, "robot")
            a.store.event(d.ticket_id, a.now, "robot_mail", m.from_addr, reason=d.reason)
        log.info("ignored %s from %s: %s", m.message_id, m.from_addr, d.reason)
        return Outcome(Verdict.IGNORED, d.ticket_id, d.reason)
