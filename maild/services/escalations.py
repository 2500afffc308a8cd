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

from maild.adapters.db.models import Escalation
from maild.adapters.db.store import Store
from maild.config import Escalation as Team
from maild.core import carry, notices
from maild.core.commands import Escalate, EscalationState, Ping, Return, Signal, Update
from maild.core.contexts import OwnerMail
from maild.core.model import EscalationStatus, Person, Role, TicketStatus
from maild.core.notices import Addressing
from maild.core.people import Directory
from maild.services import files
from maild.services.escalation_watch import Watch
from maild.services.rows import Queue
from maild.services.staff.mail import StaffMail

log = logging.getLogger(__name__)


@dataclass
class Escalations(Watch):
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
