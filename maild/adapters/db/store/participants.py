"""Colleagues on copy of a ticket."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select

from maild.adapters.db.models import Participant
from maild.adapters.db.store.base import StoreBase


class ParticipantsMixin(StoreBase):
    def participants(self, ticket_id: int) -> list[str]:
        query = (
            select(Participant.address)
            .where(Participant.ticket_id == ticket_id)
            .order_by(col(Participant.id))
        )
        return list(self.session.exec(query).all())

    def add_participants(
        self, ticket_id: int, addresses: Sequence[str], by: str, now: datetime
    ) -> list[str]:
        """Those not on copy yet are added; returns them."""
        new = [a for a in dict.fromkeys(addresses) if a not in self.participants(ticket_id)]
        self.insert_many(
            Participant,
            [
                {"ticket_id": ticket_id, "address": a, "added_by": by, "created_at": now}
                for a in new
            ],
        )
        return new

    def remove_participant(self, ticket_id: int, address: str) -> bool:
        done = self.session.execute(
            delete(Participant).where(
                col(Participant.ticket_id) == ticket_id, col(Participant.address) == address
            )
        )
        return bool(getattr(done, "rowcount", 0))
