"""The managers' daily summaries: when each is due, and sending exactly one.

Each manager's summary goes out at their configured local time, on their
configured days, about the local day before. The summary table's unique
(manager, day) key is the guarantee: whichever instance inserts the row
sends the mail, in the same commit; a second instance or a restart finds
the row and sends nothing. A daemon that was down at 08:00 sends it when it
comes back, the same local day only (the due check looks at today's date).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from maild.adapters.db import reports
from maild.adapters.db.models import Summary as SummaryRow
from maild.adapters.db.store import Database, Store
from maild.config import SummarySettings
from maild.core import notices, outcome, summary
from maild.core.contexts import Summary as SummaryView
from maild.core.contexts import Weekly
from maild.core.model import Person, Role
from maild.core.notices import Addressing, Notice
from maild.core.people import Directory
from maild.core.policy import Limits
from maild.services.rows import Queue

log = logging.getLogger(__name__)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class Summaries:
    db: Database
    settings: SummarySettings
    timezone: str  # the desk's default
    teams: Mapping[str, list[str]]  # manager -> the teams they manage
    directory: Directory
    limits_for: Callable[[Person], Limits]
    escalation_periods: Callable[[str], timedelta | None]
    addressing: Addressing
    queue: Queue

    def schedule(self, manager: str) -> dict[str, Any]:
        return self.settings.for_manager(manager, self.timezone)

    def due(self, now: datetime) -> list[tuple[str, date]]:
        """(manager, the day to report) for every manager whose time has come today."""
        out = []
        for manager in self.teams:
            plan = self.schedule(manager)
            local = now.astimezone(ZoneInfo(plan["timezone"]))
            hour, minute = (int(x) for x in plan["time"].split(":"))
            if DAYS[local.weekday()] not in plan["days"] or local.time() < time(hour, minute):
                continue
            out.append((manager, local.date() - timedelta(days=1)))
        return out

    def build(self, store: Store, manager: str, day: date, now: datetime) -> summary.Summary:
        teams = self.teams.get(manager, [])
        agents = [a for a in self.directory.agents() if a.team in teams]
        tz = self.schedule(manager)["timezone"]
        f = reports.facts(
            store, manager, teams, agents, self.limits_for, self.escalation_periods, day, tz, now
        )
        return summary.summarise(f)

    def notice(self, s: summary.Summary) -> Notice:
        manager = self.directory.known(s.facts.manager, Role.MANAGER)
        return notices.notice(
            "manager/summary",
            manager,
            0,  # about no one ticket: a reply carries a token for the manager alone
            f"summary-{s.facts.manager}-{s.facts.day.isoformat()}",
            self.addressing,
            SummaryView(s=s, day=s.facts.day, teams=", ".join(s.facts.teams)),
        )

    def send(
        self, manager: str, day: date, now: datetime, *, sent_date: date, scheduled: bool = False
    ) -> str:
        """Record (manager, day) and queue the mail, in one commit. 'sent', 'empty' (nothing
        to report and configured to send nothing, or a scheduled day before maild took
        any mail), or 'taken' (sent already)."""
        try:
            with self.db.transaction() as store:
                taken = store.session.exec(
                    select(SummaryRow.id).where(
                        SummaryRow.manager == manager, SummaryRow.day == day.isoformat()
                    )
                ).first()
                if taken is not None:
                    return "taken"
                s = self.build(store, manager, day, now)
                # An empty day before maild took any mail is a day before it was installed:
                # nothing to report, and nobody to tell so.
                tz = ZoneInfo(self.schedule(manager)["timezone"])
                ended = datetime.combine(day + timedelta(days=1), time(0), tz)
                before_any = scheduled and not store.took_mail_before(ended)
                skip = s.empty and (self.schedule(manager)["when_empty"] == "none" or before_any)
                out = None if skip else self.notice(s)
                store.add(
                    SummaryRow(
                        manager=manager,
                        day=day.isoformat(),
                        sent_date=sent_date.isoformat(),
                        message_id=out.message_id if out else None,
                        created_at=now,
                    )
                )
                if out is not None:
                    self.queue(store, [out], now)
        except IntegrityError:
            return "taken"  # another instance inserted the same (manager, day) first
        return "empty" if skip else "sent"


@dataclass
class WeeklySummaries:
    """The weekly mail: latitude against outcome over twelve weeks, once a week."""

    summaries: Summaries

    def due(self, now: datetime) -> list[tuple[str, date]]:
        """(manager, their local date) where today is the weekly day and its time passed."""
        day = self.summaries.settings.weekly
        out = []
        for manager in self.summaries.teams if day else []:
            plan = self.summaries.schedule(manager)
            local = now.astimezone(ZoneInfo(plan["timezone"]))
            hour, minute = (int(x) for x in plan["time"].split(":"))
            if DAYS[local.weekday()] == day and local.time() >= time(hour, minute):
                out.append((manager, local.date()))
        return out

    def build(self, store: Store, manager: str, today: date) -> Weekly:
        s = self.summaries
        teams = s.teams.get(manager, [])
        agents = [a for a in s.directory.agents() if a.team in teams]
        tz = ZoneInfo(s.schedule(manager)["timezone"])
        end = datetime.combine(today, time(0), tz).astimezone(UTC)
        trends, verdicts = outcome.trends(reports.weekly_outcomes(store, agents, end))
        first = end - timedelta(weeks=outcome.WEEKS)
        currency = s.limits_for(agents[0]).currency if agents else "USD"
        return Weekly(
            teams=", ".join(teams),
            first_week=first.astimezone(tz).date(),
            last_week=(end - timedelta(days=1)).astimezone(tz).date(),
            currency=currency,
            trends=trends,
            lines=tuple(v.line for v in verdicts if v.line),
            method=outcome.WEEKLY_METHOD,
        )

    def send(self, manager: str, today: date, now: datetime) -> str:
        """Once a week per manager: the summary table's unique (manager, day) key holds
        the week as its day ("week-2026-W48")."""
        iso = today.isocalendar()
        key = f"week-{iso.year}-W{iso.week:02d}"
        try:
            with self.summaries.db.transaction() as store:
                taken = store.session.exec(
                    select(SummaryRow.id).where(
                        SummaryRow.manager == manager, SummaryRow.day == key
                    )
                ).first()
                if taken is not None:
                    return "taken"
                view = self.build(store, manager, today)
                person = self.summaries.directory.known(manager, Role.MANAGER)
                out = notices.notice(
                    "manager/weekly",
                    person,
                    0,
                    f"weekly-{manager}-{key}",
                    self.summaries.addressing,
                    view,
                )
                store.add(
                    SummaryRow(
                        manager=manager,
                        day=key,
                        sent_date=today.isoformat(),
                        message_id=out.message_id,
                        created_at=now,
                    )
                )
                self.summaries.queue(store, [out], now)
        except IntegrityError:
            return "taken"
        return "sent"


@dataclass
class SummaryJob:
    """Scheduler job: every ten minutes, send the summaries that are due."""

    summaries: Summaries
    on_queued: Callable[[], None] = lambda: None
    name: str = "summaries"

    def period(self, now: datetime) -> str | None:
        if not self.summaries.settings.enabled or not self.summaries.teams:
            return None
        return f"{now:%Y-%m-%dT%H}:{now.minute // 10}"

    def run(self, period: str, now: datetime) -> None:
        sent: Sequence[str] = []
        weekly = WeeklySummaries(self.summaries)
        for manager, today in weekly.due(now):
            if weekly.send(manager, today, now) == "sent":
                sent = [*sent, f"{manager} week of {today}"]
        for manager, day in self.summaries.due(now):
            result = self.summaries.send(
                manager, day, now, sent_date=day + timedelta(days=1), scheduled=True
            )
            if result != "taken":
                sent = [*sent, f"{manager} {day} ({result})"]
        if sent:
            log.info("summaries: %s", ", ".join(sent))
            self.on_queued()
