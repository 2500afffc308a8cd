"""The morning digest: each agent's queue by mail as their team's working day starts.

A scheduler job looks every 15 minutes. An agent's digest is decided once a day,
in their team's time zone, within the first two hours after opening (a daemon
that was down at 9:00 still sends at 9:40): the per-agent claim (`digest:<email>`,
the local date) is written in the same transaction as the mail, so two instances
or a restart never send it twice. No working day (a weekend, a holiday), no
digest; nothing waiting, no mail.
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
    hours_for: Callable[[str | None], BusinessHours]
    on_queued: Callable[[], None] = lambda: None
    name: str = "digest"

    def period(self, now: datetime) -> str | None:
        if not self.agents:
            return None
        return f"{now:%Y-%m-%dT%H}:{now.minute // STEP_MINUTES * STEP_MINUTES:02d}"

    def run(self, period: str, now: datetime) -> None:
        with self.db.transaction() as store:
            sent = [p.email for p in self.agents if self.send(store, p, now)]
        if sent:
            log.info("digest: %s", ", ".join(sent))
            self.on_queued()

    def send(self, store: Store, person: Person, now: datetime) -> bool:
        """The agent's digest, if this is the start of their working day and it was
        not decided yet today; True when a mail went."""
        day = opening(self.hours_for(person.team), now)
        if day is None or not day[1] <= now < day[1] + WINDOW:
            return False
        if not store.claim_job(f"digest:{person.email}", day[0].isoformat(), now):
            return False
        view = self.views.queue_view(store, person, now, digest=True)
        if view.total == 0:
            return False
        cause = f"digest:{person.email}:{day[0].isoformat()}"
        out = notices.notice("agent/queue", person, 0, cause, self.views.addressing, view)
        self.views.queue(store, [out], now)
        return True
