"""A new ticket's acknowledgement, and its caps: a few a day to one sender, and
`[limits] acks_per_hour` to everyone, so a flood of forged senders cannot turn maild
into a source of backscatter."""

from __future__ import annotations

from datetime import timedelta

from maild.adapters.db import spam
from maild.config import Intake
from maild.core import flood, notices
from maild.core.people import Directory
from maild.services.arrival import Arrival


class Acks:
    directory: Directory
    addressing: notices.Addressing
    limits: Intake
    acks_per_hour: int

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

    def _hour_of_acks(self, a: Arrival) -> int:
        return spam.acks_since(a.store.session, a.now - timedelta(hours=1), self.acks_per_hour)
