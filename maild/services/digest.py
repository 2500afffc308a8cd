"""The morning digest: each agent's queue by mail as their team's working day starts.

A scheduler job looks every 15 minutes. Within the first two hours after the
agent's team opens (their time zone; a daemon that was down at 9:00 still sends
at 9:40, not at 14:00), the first look that finds something waiting sends it and
claims the day (`digest:<email>`, the local date) in the same transaction, so two
instances or a restart never send it twice. No working day (a weekend, a
holiday), no digest; nothing waiting, no mail and no claim. Without business
hours configured every minute is working time and no day starts: no digest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from maild.adapters.db.store import Database, Store
from maild.core import notices
from maild.core.hours import BusinessHours
from maild.core.model import Person
from maild.services.staff.views import DeskViews

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=2)  # after opening, a late check still sends the day's digest
STEP_MINUTES = 15


def opening(hours: BusinessHours, now: datetime) -> tuple[date, datetime] | None:
    """The local day of `now` and when it opens, or None when nobody works that day."""
    zone = ZoneInfo(hours.timezone)
    today = now.astimezone(zone).date()
    midnight = datetime.combine(today, time(0), zone).astimezone(UTC)
    opens = hours.next_open(midnight)
    if opens.astimezone(zone).date() != today:
        return None
    return today, opens


@dataclass
class DigestJob:
    db: Database
    views: DeskViews
    agents: Sequence[Person]  # those who want it
    hours_for: Callable[[str | None], BusinessHours | None]  # None: no business hours
    on_queued: Callable[[], None] = lambda: None
    name: str = "digest"

    def period(self, now: datetime) -> str | None:
        if not self.agents:
            return None
        return f"{now:%Y-%m-%dT%H}:{now.minute // STEP_MINUTES * STEP_MINUTES:02d}"

    def run(self, period: str, now: datetime) -> None:
        with self.db.transaction() as store:
            sent = self.work(store, now)
        if sent:
            log.info("digest: %s", ", ".join(sent))
            self.on_queued()

    def work(self, store: Store, now: datetime) -> list[str]:
        """The scheduler's part, in its transaction: who got a digest now."""
        return [p.email for p in self.agents if self.send(store, p, now)]

    def send(self, store: Store, person: Person, now: datetime) -> bool:
        """The agent's digest, if this is the start of their working day and it was
        not decided yet today; True when a mail went."""
        hours = self.hours_for(person.team)
        day = opening(hours, now) if hours is not None else None
        if day is None or not day[1] <= now < day[1] + WINDOW:
            return False
        if store.job_claimed(f"digest:{person.email}", day[0].isoformat()):
            return False
        view = self.views.queue_view(store, person, now, digest=True)
        if view.total == 0:
            return False
        store.claim_job(f"digest:{person.email}", day[0].isoformat(), now)
        cause = f"digest:{person.email}:{day[0].isoformat()}"
        out = notices.notice("agent/queue", person, 0, cause, self.views.addressing, view)
        self.views.queue(store, [out], now)
        return True
