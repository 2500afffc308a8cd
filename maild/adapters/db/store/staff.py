"""Staff mail, budgets and approvals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select

from maild.adapters.db.models import Action, Approval, BudgetLock, Event, Ledger, Ticket
from maild.adapters.db.store.base import StoreBase
from maild.core.model import ApprovalStatus
from maild.core.policy import Money, Usage


class StaffMixin(StoreBase):
    def action_seen(self, fingerprint: str, message_id: str) -> Action | None:
        """An earlier action that claimed the same fingerprint or Message-ID (only a
        proven mail that was acted on claims them)."""
        query = select(Action).where(
            col(Action.fingerprint).is_not(None),
            or_(col(Action.fingerprint) == fingerprint, col(Action.message_id) == message_id),
        )
        return self.session.exec(query.limit(1)).first()

    def actions_since(self, actor: str, statuses: Sequence[str], since: datetime) -> int:
        query = select(func.count()).where(
            Action.actor == actor,
            col(Action.status).in_(list(statuses)),
            Action.created_at >= since,
        )
        return int(self.session.exec(query).one())

    def lock_budgets(self, keys: Sequence[str]) -> None:
        """PostgreSQL: lock one row per budget (sorted: no deadlock) until commit.
        SQLite needs nothing: every transaction began with BEGIN IMMEDIATE."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        wanted = sorted(set(keys))
        table = BudgetLock.__table__  # type: ignore[attr-defined]
        self.session.connection().execute(
            pg_insert(table).values([{"key": k} for k in wanted]).on_conflict_do_nothing()
        )
        query = (
            select(BudgetLock.key)
            .where(col(BudgetLock.key).in_(wanted))
            .order_by(col(BudgetLock.key))
            .with_for_update()
        )
        self.session.exec(query).all()

    def usage(
        self,
        agent: str,
        customer: str,
        currency: str,
        day_start: datetime,
        month_start: datetime,
        since_30d: datetime,
    ) -> Usage:
        def total(*where: Any) -> Decimal:
            query = select(func.coalesce(func.sum(Ledger.amount_cents), 0)).where(
                Ledger.currency == currency, *where
            )
            return Money.from_cents(int(self.session.exec(query).one()), currency).amount

        mine = Ledger.agent == agent
        return Usage(
            today=total(mine, Ledger.created_at >= day_start),
            month=total(mine, Ledger.created_at >= month_start),
            customer_30d=total(Ledger.customer == customer, Ledger.created_at >= since_30d),
        )

    def credits_since(self, agent: str, since: datetime) -> tuple[int, int]:
        """How many credits this agent gave since then, and their sum in cents."""
        query = select(func.count(), func.coalesce(func.sum(Ledger.amount_cents), 0)).where(
            Ledger.agent == agent, Ledger.created_at >= since
        )
        count, cents = self.session.exec(query).one()
        return int(count), int(cents)

    def approvals_of(self, ticket_id: int | None) -> Sequence[Approval]:
        query = select(Approval).where(Approval.ticket_id == ticket_id).order_by(col(Approval.id))
        return self.session.exec(query).all()

    def fyi_events(self, manager: str, since: datetime, until: datetime) -> list[tuple[Event, str]]:
        """FYIs recorded for this manager's hourly bundle, with their tickets' subjects."""
        query = (
            select(Event, Ticket.subject)
            .join(Ticket, col(Ticket.id) == col(Event.ticket_id))
            .where(Event.kind == "fyi", Event.at >= since, Event.at < until)
            .order_by(col(Event.id))
        )
        found = self.session.exec(query).all()
        return [(e, s) for e, s in found if e.detail.get("manager") == manager]

    def action(self, action_id: int) -> Action | None:
        return self.session.get(Action, action_id)

    def waiting_approvals(
        self, ticket_id: int | None = None, manager: str | None = None
    ) -> Sequence[Approval]:
        query = select(Approval).where(Approval.status == ApprovalStatus.WAITING)
        if ticket_id is not None:
            query = query.where(Approval.ticket_id == ticket_id)
        if manager is not None:
            query = query.where(Approval.manager == manager)
        return self.session.exec(query.order_by(col(Approval.requested_at))).all()
