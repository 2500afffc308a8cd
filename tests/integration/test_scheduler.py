"""Scheduled jobs run once per period, across instances and restarts."""

from dataclasses import dataclass, field

from maild.services.scheduler import Scheduler


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
