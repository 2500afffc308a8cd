"""Read-only lists for the CLI, views and reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select

from maild.adapters.db.models import Event, Ledger, Message, Outbox, Ticket
from maild.adapters.db.store.base import StoreBase


class ListingsMixin(StoreBase):
    def tickets(self, status: str | None = None, limit: int = 100) -> Sequence[Ticket]:
        query = select(Ticket).order_by(col(Ticket.id).desc()).limit(limit)
        if status:
            query = query.where(Ticket.status == status)
        return self.session.exec(query).all()

    def messages(self, ticket_id: int) -> Sequence[Message]:
        query = select(Message).where(Message.ticket_id == ticket_id).order_by(col(Message.id))
        return self.session.exec(query).all()

    def events(self, ticket_id: int) -> Sequence[Event]:
        query = select(Event).where(Event.ticket_id == ticket_id).order_by(col(Event.id))
        return self.session.exec(query).all()

    def ledger(
        self,
        agent: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
        ticket: int | None = None,
    ) -> Sequence[Ledger]:
        query = select(Ledger).order_by(col(Ledger.id)).limit(limit)
        if ticket is not None:
            query = query.where(Ledger.ticket_id == ticket)
        if agent:
            query = query.where(Ledger.agent == agent.lower())
        if since:
            query = query.where(Ledger.created_at >= since)
        return self.session.exec(query).all()

    def latest_to(self, ticket_id: int, address: str) -> Outbox | None:
        """The newest mail maild wrote to this address about this ticket."""
        query = (
            select(Outbox)
            .where(Outbox.ticket_id == ticket_id)
            .order_by(col(Outbox.id).desc())
            .limit(200)
        )
        return next((o for o in self.session.exec(query) if address in o.recipients), None)

    def sent_mail(self, message_ids: Sequence[str], template: str) -> Outbox | None:
        """The newest of our mails with one of these Message-IDs and this template."""
        if not message_ids:
            return None
        query = (
            select(Outbox)
            .where(col(Outbox.message_id).in_(list(message_ids)), Outbox.template == template)
            .order_by(col(Outbox.id).desc())
        )
        return self.session.exec(query).first()
