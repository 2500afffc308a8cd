"""The escalation watch: reminders to the owner and the agent, a stale mark, and the
customer told that work goes on; and what `maild escalations` lists. The base of
services.escalations.Escalations, which holds the teams, people and queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from pydantic import BaseModel

from maild.adapters.db.models import Escalation, Ticket
from maild.adapters.db.store import Store
from maild.config import Escalation as Team
from maild.core import commands, desk, notices, reply, watch
from maild.core.contexts import OwnerHistory, StillWorking
from maild.core.model import Role
from maild.core.notices import Addressing, Notice
from maild.core.people import Directory
from maild.core.text import duration_words
from maild.core.words import N_
from maild.services.rows import Queue, credit_lines
from maild.services.targets import _aware


class Watch:
    teams: Mapping[str, Team]
    directory: Directory
    addressing: Addressing
    queue: Queue

    def _history(
        self, store: Store, row: Escalation, ticket: Ticket, now: datetime
    ) -> OwnerHistory:
        assert ticket.id is not None
        team = self.teams.get(row.team)
        agent = self.directory.person(row.agent)
        words = [
            {
                "at": _aware(m.created_at),
                "text": reply.collapsed(m.text[:3000], m.notes),
            }
            for m in store.messages(ticket.id)
            if m.kind == "customer"
        ][-5:]
        credits = credit_lines(store, ticket.id)
        return OwnerHistory(
            subject=ticket.subject,
            customer=ticket.customer,
            status=desk.word(ticket.status),
            team=team.shown_name if team else row.team,
            agent_name=agent.name if agent else (row.agent or N_("nobody")),
            agent_email=row.agent or "",
            escalation_note=row.note,
            customer_words=tuple(words),
            credits=credits,
            escalated_at=_aware(row.escalated_at),
            days_since_update=watch.days_since(row.last_customer_update_at, now),
            update_every=duration_words(team.period.total_seconds() / 86400) if team else "",
            commands=tuple((s.usage, s.help) for s in commands.commands_for(Role.OWNER)),
        )

    # the watch ------------------------------------------------------------------------
    def run_watch(self, store: Store, now: datetime) -> list[str]:
        rows = {r.id: r for r in store.open_escalations()}
        watched = [
            watch.Watched(
                id=r.id,
                ticket_id=r.ticket_id,
                last_update=r.last_customer_update_at,
                period=self.teams[r.team].period,
                reminded_period=r.reminded_period,
                customer_noticed_period=r.customer_noticed_period,
                stale=r.stale_at is not None,
                notify_customer=self.teams[r.team].notify_customer_when_stale,
            )
            for r in rows.values()
            if r.id is not None and r.team in self.teams
        ]
        done = []
        for due in watch.due(watched, now):
            row = rows[due.id]
            ticket = store.ticket(row.ticket_id)
            assert ticket is not None
            cause = f"watch-{row.id}-{row.last_customer_update_at.isoformat()}-{due.periods}"
            if due.remind:
                row.reminded_period = due.periods
                self._remind(store, row, ticket, cause, now)
                done.append(f"reminded #{row.ticket_id}")
            if due.mark_stale:
                row.stale_at = now
                store.event(row.ticket_id, now, "escalation_stale", None, team=row.team)
                done.append(f"stale #{row.ticket_id}")
            if due.notify_customer:
                row.customer_noticed_period = due.periods
                self._still_working(store, row, ticket, cause, now)
                done.append(f"customer told #{row.ticket_id}")
        return done

    def _remind(
        self, store: Store, row: Escalation, ticket: Ticket, cause: str, now: datetime
    ) -> None:
        context = self._history(store, row, ticket, now)
        out: list[Notice] = []
        owner = self.directory.known(row.owner, Role.OWNER)
        agent = self.directory.person(row.agent)
        for person, role in ((owner, "owner"), (agent, "agent")):
            if person is not None:
                out.append(
                    notices.notice(
                        "owner/reminder",
                        person,
                        row.ticket_id,
                        cause,
                        self.addressing,
                        replace(context, to_role=role),
                    )
                )
        store.event(
            row.ticket_id,
            now,
            "escalation_reminder",
            None,
            owner=row.owner,
            days_since_update=context.days_since_update,
        )
        self.queue(store, out, now)

    def _still_working(
        self, store: Store, row: Escalation, ticket: Ticket, cause: str, now: datetime
    ) -> None:
        customer = self.directory.customer(ticket.customer, ticket.customer_name, ticket.language)
        agent = self.directory.person(row.agent)
        last = store.last_customer_message_id(row.ticket_id, ticket.customer)
        context = StillWorking(
            subject=ticket.subject,
            customer_name=ticket.customer_name,
            team=self.teams[row.team].shown_name,
            agent_name=agent.name if agent else self.addressing.support_name,
        )
        out = notices.notice(
            "customer/still-working",
            customer,
            row.ticket_id,
            cause,
            self.addressing,
            context,
            thread=(last,) if last else (),
        )
        store.event(row.ticket_id, now, "customer_told_still_working", None, team=row.team)
        self.queue(store, [out], now)

    def listing(self, store: Store, now: datetime) -> list[OpenEscalation]:
        out = []
        for r in store.open_escalations():
            team = self.teams.get(r.team)
            periods = (
                watch.periods_since(r.last_customer_update_at, team.period, now) if team else 0
            )
            out.append(
                OpenEscalation(
                    ticket=r.ticket_id,
                    team=r.team,
                    owner=r.owner,
                    agent=r.agent,
                    escalated_at=r.escalated_at,
                    last_customer_update_at=r.last_customer_update_at,
                    days_since_customer_update=watch.days_since(r.last_customer_update_at, now),
                    update_every=team.update_every if team else None,
                    stale=r.stale_at is not None or periods >= 2,
                    reminders=r.reminded_period,
                )
            )
        return sorted(out, key=lambda x: (not x.stale, -x.days_since_customer_update))


class OpenEscalation(BaseModel):
    """One open escalation, as `maild escalations` shows it."""

    ticket: int
    team: str
    owner: str
    agent: str | None
    escalated_at: datetime
    last_customer_update_at: datetime
    days_since_customer_update: float
    update_every: str | None
    stale: bool
    reminders: int
