"""Tickets: facts for routing, merges, the customer's history, who waits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, delete, func, update
from sqlmodel import col, select

from maild.adapters.db import pipeline
from maild.adapters.db.models import Escalation, Event, Ledger, Message, Outbox, Participant, Ticket
from maild.adapters.db.store.escalations import EscalationsMixin
from maild.adapters.db.store.participants import ParticipantsMixin
from maild.core.model import EscalationStatus, TicketFacts, TicketStatus

# Hot-path statements built once: building a select costs more than running it.
_SENDER_HISTORY = select(
    select(func.count())
    .select_from(Ticket)
    .where(Ticket.customer == bindparam("customer"), Ticket.created_at >= bindparam("hour_ago"))
    .scalar_subquery(),
    select(func.max(Ticket.id)).where(Ticket.customer == bindparam("customer")).scalar_subquery(),
    select(func.count())
    .select_from(Outbox)
    .join(Ticket, col(Ticket.id) == col(Outbox.ticket_id))
    .where(
        Outbox.template == "customer/ack",
        Ticket.customer == bindparam("customer"),
        Outbox.created_at >= bindparam("day_ago"),
    )
    .scalar_subquery(),
    select(Ticket.language)
    .where(Ticket.customer == bindparam("customer"), col(Ticket.language).is_not(None))
    .order_by(col(Ticket.id).desc())
    .limit(1)
    .scalar_subquery(),
)

# PostgreSQL: the same trip takes the number of the ticket the mail will open
_SENDER_HISTORY_AND_NUMBER = _SENDER_HISTORY.add_columns(
    func.nextval(func.pg_get_serial_sequence("ticket", "id"))
)


class SenderHistory(NamedTuple):
    opened: int  # tickets in the last hour
    latest: int | None  # their latest ticket
    acks: int  # acknowledgements in the last day
    language: str | None  # remembered from their latest ticket that has one


MERGE_HOPS = 20  # a chain of merges is followed this far


class TicketsMixin(ParticipantsMixin, EscalationsMixin):
    """merge_ticket moves participants and escalations too."""

    def ticket_facts(self, ids: Iterable[int]) -> dict[int, TicketFacts]:
        wanted = list(ids)
        if not wanted:
            return {}
        rows = [self.live_ticket(n) for n in wanted]
        copied: dict[int, set[str]] = {}
        query = select(Participant.ticket_id, Participant.address)
        live = [t.id for t in rows if t is not None]
        for ticket_id, address in self.session.exec(
            query.where(col(Participant.ticket_id).in_(live))
        ):
            copied.setdefault(ticket_id, set()).add(address)
        # A merged ticket's number answers for the ticket it was folded into.
        return {
            n: _facts(t, copied.get(t.id, set()))
            for n, t in zip(wanted, rows, strict=True)
            if t is not None and t.id is not None
        }

    def live_ticket(self, ticket_id: int) -> Ticket | None:
        """The ticket, or the one it was merged into (followed to the end)."""
        ticket = self.session.get(Ticket, ticket_id)
        for _ in range(MERGE_HOPS):
            if ticket is None or ticket.merged_into is None:
                return ticket
            ticket = self.session.get(Ticket, ticket.merged_into)
        return ticket

    def merge_ticket(self, source: int, into: int, now: datetime) -> None:
        """Fold `source` into `into`: its messages, events, credits, escalations and
        participants move; it keeps its number, closed, pointing at `into`."""
        for model in (Message, Event, Ledger):
            self.session.execute(
                update(model).where(col(model.ticket_id) == source).values(ticket_id=into)
            )
        if self.open_escalation(into) is not None:  # one open escalation a ticket
            self.session.execute(
                update(Escalation)
                .where(
                    col(Escalation.ticket_id) == source,
                    col(Escalation.status) == EscalationStatus.OPEN,
                )
                .values(status=EscalationStatus.CLOSED, ended_at=now)
            )
        self.session.execute(
            update(Escalation).where(col(Escalation.ticket_id) == source).values(ticket_id=into)
        )
        copied = self.participants(source)
        self.session.execute(delete(Participant).where(col(Participant.ticket_id) == source))
        self.add_participants(into, copied, "merge", now)

    def awaiting_tickets(
        self, waited_since: datetime | None = None, untold_below: int | None = None
    ) -> Sequence[Ticket]:
        """Open tickets whose customer waits for a person (the response targets'); only
        those waiting since before `waited_since`, and whose target_stage is below
        `untold_below`, when given (the few the scheduler may have to tell of)."""
        query = select(Ticket).where(
            col(Ticket.awaiting_since).is_not(None), Ticket.status == TicketStatus.OPEN
        )
        if waited_since is not None:
            query = query.where(col(Ticket.awaiting_since) <= waited_since)
        if untold_below is not None:
            query = query.where(col(Ticket.target_stage) < untold_below)
        return self.session.exec(query).all()

    def ticket(self, ticket_id: int) -> Ticket | None:
        return self.session.get(Ticket, ticket_id)

    def sender_history(self, customer: str, hour_ago: datetime, day_ago: datetime) -> SenderHistory:
        """Tickets this customer opened in the last hour, their latest ticket,
        acknowledgements sent to them in the last day, and the language of their latest
        ticket that has one: one round trip. Asked before a
        ticket opens; on PostgreSQL the same trip reserves its number, so the ticket's
        row waits for nothing (insert_numbered). A mail the flood limit adds to an
        older ticket leaves its number to the next ticket, or as a gap."""
        params = {"customer": customer, "hour_ago": hour_ago, "day_ago": day_ago}
        conn = self.session.connection()
        if conn.dialect.name != "postgresql":
            opened, latest, acks, language = pipeline.one(conn, _SENDER_HISTORY, params)
        else:
            row = pipeline.one(conn, _SENDER_HISTORY_AND_NUMBER, params)
            opened, latest, acks, language, number = row
            self._keep(Ticket, [number])
        return SenderHistory(int(opened), latest, int(acks), language)

    def customer_language(self, customer: str) -> str | None:
        """The customer's language: that of their latest ticket that has one."""
        query = (
            select(Ticket.language)
            .where(Ticket.customer == customer, col(Ticket.language).is_not(None))
            .order_by(col(Ticket.id).desc())
            .limit(1)
        )
        return self.session.exec(query).first()

    def set_customer_language(self, customer: str, language: str) -> None:
        """#lang: every ticket of the customer's speaks it from now on."""
        self.session.execute(
            update(Ticket).where(col(Ticket.customer) == customer).values(language=language)
        )

    def tickets_of(self, customer: str) -> list[int]:
        query = select(Ticket.id).where(Ticket.customer == customer).order_by(col(Ticket.id))
        return [int(t) for t in self.session.exec(query).all() if t is not None]


def _facts(t: Ticket, participants: set[str]) -> TicketFacts:
    assert t.id is not None
    return TicketFacts(
        id=t.id,
        customer=t.customer,
        status=t.status,
        agent=t.agent,
        team=t.team,
        participants=frozenset(participants),
    )
