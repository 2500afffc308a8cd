"""A new ticket's acknowledgement, and its caps: a few a day to one sender, and
`[limits] acks_per_hour` to everyone, so a flood of forged senders cannot turn maild
into a source of backscatter."""

from __future__ import annotations

from datetime import timedelta

from maild.adapters.db import spam
from maild.adapters.db.store.tickets import SenderHistory
from maild.config import Intake
from maild.core import flood, language, notices, route
from maild.core.model import InboundMail
from maild.core.people import Directory
from maild.services.arrival import Arrival


class Acks:
    directory: Directory
    addressing: notices.Addressing
    limits: Intake
    acks_per_hour: int
    languages: language.Chooser

    def _ack(
        self, a: Arrival, ticket_id: int, subject: str, acks: int, language: str | None = None
    ) -> list[notices.Notice]:
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
        customer = self.directory.customer(a.mail.from_addr or "", a.mail.from_name, language)
        spam.acked(a.store.session)
        return [notices.ack(customer, ticket_id, subject, a.mail, self.addressing)]

    def _sender(self, a: Arrival, decision: route.Decision) -> tuple[route.Decision, SenderHistory]:
        """What a new ticket's sender has had (store.sender_history), and the decision
        with the flood limit applied: a sender opening too many tickets joins their latest."""
        if not isinstance(decision, route.Open) or not a.mail.from_addr:
            return decision, SenderHistory(0, None, 0, None)
        known = a.store.sender_history(
            a.mail.from_addr, a.now - timedelta(hours=1), a.now - timedelta(days=1)
        )
        limit = self.limits.tickets_per_sender_per_hour
        return flood.fold_flood(decision, known.opened, limit, known.latest), known

    def customer_language(self, mail: InboundMail, remembered: str | None) -> str | None:
        """A new ticket's customer's language: theirs already, else the mail's (header,
        then text), else None: the team's (core.language)."""
        return self.languages.choose(mail, remembered)

    def _hour_of_acks(self, a: Arrival) -> int:
        return spam.acks_since(a.store.session, a.now - timedelta(hours=1), self.acks_per_hour)
