"""Response targets: no customer waits unseen.

Every few minutes the scheduler looks at the tickets waiting for a person
(core.targets decides, in the team's business hours): near the target the
ticket's agent (else its team) is reminded; at the breach the agent and the
team's manager are told, once each. Each reminder carries a token signed for
its recipient, so an agent answers the customer, or acts, right from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from maild.adapters.db.models import Ticket
from maild.adapters.db.store import Store
from maild.core import desk, notices, targets
from maild.core.contexts import TargetReminder
from maild.core.model import Person, Role
from maild.core.people import Directory
from maild.core.words import N_
from maild.services.rows import Queue

MAX_MINUTES = 10 * 365 * 24 * 60  # no target at all: nothing older than this is read either
SHOWN = {targets.FIRST: N_("first response"), targets.NEXT: N_("next response")}


@dataclass
class ResponseTargets:
    directory: Directory
    addressing: notices.Addressing
    queue: Queue
    managers: Mapping[str, str]  # team -> manager address
    for_team: Callable[[str | None], targets.Targets]
    teams: Sequence[str] = ()  # the configured teams (a ticket of none has the defaults)

    def due(self, store: Store, now: datetime) -> list[tuple[Ticket, targets.Due]]:
        """Every waiting ticket with a target, soonest due first."""
        return self._due(store.awaiting_tickets(), now)

    def _due(self, tickets: Sequence[Ticket], now: datetime) -> list[tuple[Ticket, targets.Due]]:
        found = []
        for ticket in tickets:
            due = self.for_team(ticket.team).due(_waiting(ticket), now)
            if due is not None:
                found.append((ticket, due))
        return sorted(found, key=lambda pair: pair[1].due_at)

    def run(self, store: Store, now: datetime) -> list[str]:
        """The scheduler's part: remind near the target, tell the breach, once each.
        Every few minutes, so it reads only tickets that may have something to tell:
        20,000 fresh tickets cost 9.5 s and 80 MB a run when it read them all."""
        done = []
        soonest = min(self.for_team(t).soonest_minutes for t in (None, *self.teams))
        waited_since = now - timedelta(minutes=min(soonest, MAX_MINUTES))
        candidates = store.awaiting_tickets(waited_since, untold_below=targets.BREACHED)
        for ticket, due in self._due(candidates, now):
            if due.tell == 0:
                continue
            self._tell(store, ticket, due, now)
            ticket.target_stage = due.tell
            kind = "breached" if due.tell == targets.BREACHED else "near"
            store.event(ticket.id or 0, now, f"target_{kind}", None, target=due.target)
            done.append(f"{kind} #{ticket.id}")
        return done

    def _tell(self, store: Store, ticket: Ticket, due: targets.Due, now: datetime) -> None:
        staff = self.directory.to_notify(ticket.agent, ticket.team)
        to: list[tuple[Person, str]] = [(p, "agent" if ticket.agent else "team") for p in staff]
        manager = self.managers.get(ticket.team or "")
        if due.tell == targets.BREACHED and manager:
            to.append((self.directory.known(manager, Role.MANAGER), "manager"))
        cause = f"target-{ticket.id}-{ticket.awaiting_since}-{due.tell}"
        out = [
            notices.notice(
                "agent/target",
                person,
                ticket.id or 0,
                cause,
                self.addressing,
                self._view(store, ticket, due, role),
            )
            for person, role in to
        ]
        self.queue(store, out, now)

    def _view(self, store: Store, ticket: Ticket, due: targets.Due, role: str) -> TargetReminder:
        zone = ZoneInfo(self.for_team(ticket.team).hours.timezone)
        agent = self.directory.person(ticket.agent)
        words = [m.text for m in store.messages(ticket.id or 0) if m.kind == "customer"]
        since = ticket.awaiting_since or ticket.created_at
        return TargetReminder(
            kind="breached" if due.tell == targets.BREACHED else "near",
            target=SHOWN[due.target],
            subject=ticket.subject,
            customer=ticket.customer,
            priority=desk.word(ticket.priority),
            due_at=due.due_at.astimezone(zone),
            minutes_left=max(0, int(due.business_minutes_left)),
            waiting_since=_aware(since).astimezone(zone),
            last_words=(words[-1] if words else "")[:2000],
            to_role=role,
            agent_name=agent.name if agent else None,
        )


def _aware(at: datetime) -> datetime:
    """SQLite hands datetimes back without their zone: they are UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo("UTC"))


def _waiting(t: Ticket) -> targets.Waiting:
    assert t.id is not None
    since = _aware(t.awaiting_since) if t.awaiting_since else None
    return targets.Waiting(
        t.id, t.priority, t.status, since, t.first_response_at is not None, t.target_stage
    )
