"""Escalations: a ticket handed to a team's owner, and the watch that keeps the
customer from waiting a week.

The desk (services.staff.desk) calls in here when a mail's plan carries an
escalation signal (#escalate, #ping, #return, an owner's #update) and
whenever the customer hears from a person; the scheduler runs the watch.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from maild.adapters.db.models import Escalation, Ticket
from maild.adapters.db.store import Store
from maild.config import Escalation as Team
from maild.core import carry, commands, notices, watch
from maild.core.commands import Escalate, EscalationState, Ping, Return, Signal, Update
from maild.core.contexts import OwnerHistory, OwnerMail, StillWorking
from maild.core.model import EscalationStatus, Person, Role, TicketStatus
from maild.core.notices import Addressing, Notice
from maild.core.people import Directory
from maild.services import files
from maild.services.rows import Queue, credit_lines
from maild.services.staff.mail import StaffMail

log = logging.getLogger(__name__)


@dataclass
class Escalations:
    teams: Mapping[str, Team]
    directory: Directory
    addressing: Addressing
    queue: Queue

    # what the command effects may look at ---------------------------------
    def public_names(self) -> dict[str, str]:
        return {name: team.shown_name for name, team in self.teams.items()}

    def rotas(self) -> dict[str, tuple[str, ...]]:
        return {name: tuple(a for _, a in team.owners) for name, team in self.teams.items()}

    def next_owner(self, store: Store, team: Team) -> tuple[str, str]:
        """The rota turns: the owner after the one the team's last escalation went to
        (persisted in the escalation rows themselves; the first if none, or if that
        owner has left the rota)."""
        rota = [a for _, a in team.owners]
        last = store.last_escalation_owner(team.name)
        turn = (rota.index(last) + 1) % len(rota) if last in rota else 0
        return team.owners[turn]

    def state(self, store: Store, ticket_id: int) -> EscalationState | None:
        row = store.open_escalation(ticket_id)
        return EscalationState(row.team, row.owner) if row else None

    # what a staff mail's signals do -----------------------------------------
    def carry_out(self, sm: StaffMail, signals: tuple[Signal, ...]) -> None:
        ticket = sm.ticket
        assert ticket is not None and ticket.id is not None
        for signal in signals:
            current = sm.store.open_escalation(ticket.id)
            match signal:
                case Escalate():
                    self._escalate(sm, signal, current)
                case Ping() if current is not None:
                    self._tell_owner(sm, "owner/ping", current, note=signal.note)
                    sm.event("escalation_pinged", note=signal.note)
                case Return() if current is not None:
                    current.status, current.ended_at = EscalationStatus.RETURNED, sm.now
                    sm.event("escalation_returned", note=signal.note)
        if ticket.status == TicketStatus.CLOSED:
            current = sm.store.open_escalation(ticket.id)
            if current is not None:
                current.status, current.ended_at = EscalationStatus.CLOSED, sm.now
                sm.event("escalation_closed")

    def _escalate(self, sm: StaffMail, signal: Escalate, current: Escalation | None) -> None:
        ticket = sm.ticket
        assert ticket is not None and ticket.id is not None
        team = self.teams[signal.team]
        if current is not None:
            current.status, current.ended_at = EscalationStatus.MOVED, sm.now
            self._tell_owner(sm, "owner/moved", current, to_team=team.name)
        if signal.owner is not None:
            owner_name, owner = next(o for o in team.owners if o[1] == signal.owner)
        else:
            owner_name, owner = self.next_owner(sm.store, team)
        row = sm.store.add(
            Escalation(
                ticket_id=ticket.id,
                team=team.name,
                owner=owner,
                agent=ticket.agent or sm.person.email,
                note=signal.note,
                escalated_at=sm.now,
                last_customer_update_at=sm.now,  # the customer is told in this same mail
            )
        )
        sm.event("escalated", team=team.name, owner=owner, note=signal.note)
        self._tell_owner(sm, "owner/escalated", row, note=signal.note)
        log.info("ticket #%s escalated to %s (%s)", ticket.id, team.name, owner_name)

    def owner_mail(self, sm: StaffMail, signals: tuple[Signal, ...]) -> None:
        """An owner's words reach the ticket's agent: as a note, the copy of an update,
        or with the ticket handed back."""
        ticket = sm.ticket
        assert ticket is not None
        row = sm.store.latest_escalation(ticket.id or 0, sm.person.email)
        agent = self.directory.person(row.agent if row else ticket.agent)
        if agent is None or row is None:
            return
        kind = "note"
        if any(isinstance(s, Return) for s in signals):
            kind = "return"
        elif any(isinstance(s, Update) for s in signals):
            kind = "update"
        context = OwnerMail(
            subject=ticket.subject,
            kind=kind,
            owner_name=sm.person.name,
            team=self.teams[row.team].shown_name if row.team in self.teams else row.team,
            text=sm.block.reply,
            note=next((s.note for s in signals if isinstance(s, Return)), ""),
        )
        # The owner's own files go with their words (a #note's too: the agent is staff).
        carried = carry.choose(
            carry.of_mail(sm.mail.attachments, inline=False),
            self.addressing.file_cap,
            self.addressing.domain,
        )
        context = replace(context, files=carried.shown)
        cause = sm.mail.content_hash
        out = notices.notice(
            "agent/owner-mail",
            agent,
            row.ticket_id,
            cause,
            self.addressing,
            context,
            files=carried.files,
        )
        self.queue(sm.store, [out], sm.now)

    def customer_heard(self, store: Store, ticket_id: int, now: datetime) -> None:
        """A person's words reached the customer: the watch's clock starts again."""
        row = store.open_escalation(ticket_id)
        if row is not None:
            row.last_customer_update_at = now
            row.reminded_period = row.customer_noticed_period = 0
            row.stale_at = None

    def is_owner(self, store: Store, ticket_id: int, person: Person) -> bool:
        row = store.open_escalation(ticket_id)
        return row is not None and row.owner == person.email

    # mails to owners ---------------------------------------------------------------
    def _tell_owner(self, sm: StaffMail, template: str, row: Escalation, **extra: Any) -> None:
        assert sm.ticket is not None
        owner = self.directory.known(row.owner, Role.OWNER)
        context = replace(self._history(sm.store, row, sm.ticket, sm.now), **extra)
        carried = carry.Carried()
        if template == "owner/escalated":  # the new owner gets the ticket's files
            found = files.of_ticket(sm.store, row.ticket_id)
            carried = carry.choose(found, self.addressing.file_cap, self.addressing.domain)
        context = replace(context, files=carried.shown)
        cause = sm.mail.content_hash
        out = notices.notice(
            template, owner, row.ticket_id, cause, self.addressing, context, files=carried.files
        )
        self.queue(sm.store, [out], sm.now)

    def _history(
        self, store: Store, row: Escalation, ticket: Ticket, now: datetime
    ) -> OwnerHistory:
        assert ticket.id is not None
        team = self.teams.get(row.team)
        agent = self.directory.person(row.agent)
        words = [
            {"at": f"{m.created_at:%Y-%m-%d %H:%M}", "text": m.text[:3000]}
            for m in store.messages(ticket.id)
            if m.kind == "customer"
        ][-5:]
        credits = credit_lines(store, ticket.id)
        return OwnerHistory(
            subject=ticket.subject,
            customer=ticket.customer,
            status=ticket.status,
            team=team.shown_name if team else row.team,
            agent_name=agent.name if agent else (row.agent or "nobody"),
            agent_email=row.agent or "",
            escalation_note=row.note,
            customer_words=tuple(words),
            credits=credits,
            escalated_at=f"{row.escalated_at:%Y-%m-%d %H:%M}",
            days_since_update=watch.days_since(row.last_customer_update_at, now),
            update_every=team.update_every if team else "",
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
        customer = self.directory.customer(ticket.customer, ticket.customer_name)
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
