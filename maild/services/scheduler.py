"""Jobs that run once per period, whichever instance gets there first.

A job names its period for a given moment (a date for a daily job); the
JobRun table's unique (job, period) key makes a second instance, or a daemon
that restarts, skip a period that already ran. bootstrap.build() lists the jobs
(approval reminders, the escalation watch, daily summaries, housekeeping).

A job that does all its work in one transaction (`InOne`: the hourly ones, the
digest) claims its period in that transaction, and only when the work did
something: a quiet period writes nothing (an SD card, a cloud disk pays for
each write), and this process remembers it was quiet until the next period.
Two instances at once: the second's claim breaks the unique key, and its work
is rolled back with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy.exc import IntegrityError

from maild.adapters.db.store import Database, Store

log = logging.getLogger(__name__)


class Job(Protocol):
    name: str

    def period(self, now: datetime) -> str | None:
        """The period due at this moment, or None when nothing is due."""

    def run(self, period: str, now: datetime) -> None: ...


@runtime_checkable
class InOne(Protocol):
    """A job whose whole run is `work` in one transaction; it says what it did."""

    name: str
    on_queued: Callable[[], None]

    def period(self, now: datetime) -> str | None: ...

    def work(self, store: Store, now: datetime) -> list[str]: ...


@dataclass
class Scheduler:
    db: Database
    clock: Callable[[], datetime]
    jobs: Sequence[Job] = field(default_factory=list)
    settled: dict[str, str] = field(default_factory=dict)  # job -> period claimed or quiet

    def run_due(self) -> list[tuple[str, str]]:
        """Run every job whose period is due and not yet claimed; returns what ran."""
        ran = []
        for job in self.jobs:
            now = self.clock()
            period = job.period(now)
            if period is None or self.settled.get(job.name) == period:
                continue
            if isinstance(job, InOne):
                did = self._run_in_one(job, period, now)
            else:
                did = self._run_claimed(job, period, now)
            if did is not None:
                self.settled[job.name] = period
            if did:
                ran.append((job.name, period))
        return ran

    def _run_claimed(self, job: Job, period: str, now: datetime) -> bool | None:
        """Claim first (its own transaction), then run. None: try again next tick."""
        if not self._claim(job.name, period, now):
            return False
        try:
            job.run(period, now)
        except Exception:
            log.exception("scheduled job %s for %s failed", job.name, period)
            self._release(job.name, period)
            return None
        return True

    def _run_in_one(self, job: InOne, period: str, now: datetime) -> bool | None:
        """The work, and the claim only if it did something, in one transaction.
        False: claimed already, or quiet (nothing written); None: failed."""
        try:
            with self.db.transaction() as store:
                if store.job_claimed(job.name, period):
                    return False
                done = job.work(store, now)
                if done:
                    store.claim_job(job.name, period, now)
        except IntegrityError:
            return False  # another instance did this period's work at the same time
        except Exception:
            log.exception("scheduled job %s for %s failed", job.name, period)
            return None
        if done:
            log.info("%s: %s", job.name, ", ".join(done))
            job.on_queued()
        return bool(done)

    def _claim(self, job: str, period: str, now: datetime) -> bool:
        try:
            with self.db.transaction() as store:
                return store.claim_job(job, period, now)
        except IntegrityError:
            return False  # another instance claimed it between our read and our write

    def _release(self, job: str, period: str) -> None:
        with self.db.transaction() as store:
            store.release_job(job, period)


@dataclass
class Hourly:
    """A job that runs once an hour (or every `minutes`) in one transaction; `work`
    says what it did."""

    name: str
    db: Database
    work: Callable[[Store, datetime], list[str]]
    on_queued: Callable[[], None] = lambda: None
    minutes: int = 60

    def period(self, now: datetime) -> str | None:
        if self.minutes >= 60:
            return now.strftime("%Y-%m-%dT%H")
        return f"{now:%Y-%m-%dT%H}:{now.minute // self.minutes * self.minutes:02d}"

    def run(self, period: str, now: datetime) -> None:
        with self.db.transaction() as store:
            done = self.work(store, now)
        if done:
            log.info("%s: %s", self.name, ", ".join(done))
            self.on_queued()
