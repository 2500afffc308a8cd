"""Scheduled jobs run once per period, across instances and restarts."""

from dataclasses import dataclass, field

from maild.adapters.db.models import JobRun
from maild.services.scheduler import Hourly, Scheduler
from tests.integration.helpers import rows, writes


@dataclass
class DailyJob:
    name: str = "daily"
    hour: int = 8
    runs: list[str] = field(default_factory=list)
    fail: bool = False

    def period(self, now):
        return now.date().isoformat() if now.hour >= self.hour else None

    def run(self, period, now):
        if self.fail:
            raise RuntimeError("boom")
        self.runs.append(period)


def test_a_job_runs_once_per_period_even_with_two_instances(app, clock):
    job = DailyJob()
    one, two = Scheduler(app.db, clock, [job]), Scheduler(app.db, clock, [job])
    clock.advance(hours=-2)  # 07:00: not due
    assert one.run_due() == []
    clock.advance(hours=2)  # 09:00: due
    assert one.run_due() == [("daily", "2026-11-23")]
    assert two.run_due() == [] and one.run_due() == []
    clock.advance(days=1)
    assert two.run_due() == [("daily", "2026-11-24")]
    assert job.runs == ["2026-11-23", "2026-11-24"]


def test_a_failed_run_is_tried_again(app, clock):
    job = DailyJob(fail=True)
    scheduler = Scheduler(app.db, clock, [job])
    assert scheduler.run_due() == []
    job.fail = False
    assert scheduler.run_due() == [("daily", "2026-11-23")]


def test_a_quiet_period_writes_nothing_and_is_looked_at_once(app, clock):
    looked = []
    job = Hourly("quiet", app.db, lambda store, now: looked.append(now) or [])
    scheduler = Scheduler(app.db, clock, [job])
    with writes(app) as written:
        assert scheduler.run_due() == [] and scheduler.run_due() == []
    assert written == [] and rows(app, JobRun) == []
    assert len(looked) == 1  # once a period in this process
    clock.advance(hours=1)
    assert scheduler.run_due() == [] and len(looked) == 2


def test_a_period_with_work_is_claimed_with_it_once_across_instances(app, clock):
    did = []

    def work(store, now):
        did.append(now)
        return ["reminded #1"]

    job = Hourly("busy", app.db, work)
    one, two = Scheduler(app.db, clock, [job]), Scheduler(app.db, clock, [job])
    assert one.run_due() == [("busy", "2026-11-23T09")]
    assert two.run_due() == [] and one.run_due() == []  # the claim: another instance skips
    assert len(did) == 1 and [r.period for r in rows(app, JobRun)] == ["2026-11-23T09"]


def test_a_failed_quiet_job_claims_nothing_and_is_tried_again(app, clock):
    calls = []

    def work(store, now):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return ["done"]

    scheduler = Scheduler(app.db, clock, [Hourly("flaky", app.db, work)])
    assert scheduler.run_due() == [] and rows(app, JobRun) == []
    assert scheduler.run_due() == [("flaky", "2026-11-23T09")]


def test_an_idle_daemons_jobs_write_nothing(make_app, clock):
    app = make_app()
    app.scheduler.run_due()  # the first tick of a fresh install
    clock.advance(hours=1, minutes=7)
    with writes(app) as written:
        app.scheduler.run_due()  # a new hour: every job looks, none has work
        app.scheduler.run_due()
    assert written == []
