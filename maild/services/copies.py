"""A customer's colleagues in Cc become the ticket's participants (services.ingest)."""

from __future__ import annotations

from maild.core import notices
from maild.core.people import Directory
from maild.services.arrival import Arrival

MAX_PARTICIPANTS = 10  # colleagues on copy of one ticket from one mail


class Copies:
    addressing: notices.Addressing
    directory: Directory

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
