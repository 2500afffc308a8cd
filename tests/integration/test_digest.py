"""The morning digest: each agent's queue as their team's working day starts, on
working days only, never empty, never twice a day (two instances included)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maild.bootstrap import build
from tests.integration.helpers import outbox, parsed
from tests.integration.staff import body, open_ticket

DANA, LEE, KIM = "dana@acme.example", "lee@acme.example", "kim@acme.example"
HOURS = {
    "teams": [{"name": "tier1", "manager": "maria@acme.example"}, {"name": "tier2"}],
    "agents": [
        {"email": DANA, "name": "Dana Agent", "team": "tier1"},
        {"email": LEE, "name": "Lee Agent", "team": "tier1", "digest": "none"},
        {"email": KIM, "name": "Kim Agent", "team": "tier2"},
    ],
    "business_hours": {
        "timezone": "Europe/Berlin",
        "days": "mon-fri",
        "hours": "09:00-17:00",
        "holidays": ["2026-11-25"],
    },
}


@pytest.fixture
def desk(make_app):
    return make_app(**HOURS)


def digests(app):
    return [(o.recipients[0], o) for o in outbox(app) if o.template == "agent/queue"]


def at(clock, when: datetime) -> None:
    clock.now = when


def test_the_digest_goes_as_the_day_starts_once_and_not_on_holidays(desk, clock):
    open_ticket(desk)  # Monday 23 Nov, 10:00 in Berlin
    at(clock, datetime(2026, 11, 24, 7, 30, tzinfo=UTC))  # Tuesday 08:30 Berlin: closed
    desk.scheduler.run_due()
    assert digests(desk) == []
    at(clock, datetime(2026, 11, 24, 8, 5, tzinfo=UTC))  # 09:05 Berlin
    desk.scheduler.run_due()
    [(to, mail)] = digests(desk)
    assert to == DANA  # Lee said none; Kim's team has nothing
    assert parsed(mail.raw)["Subject"].startswith("Good morning: 1 ticket")
    assert "#1 Help with my order" in body(mail) and "mailto:support+t1-" in body(mail)
    for hour, minute in ((8, 20), (9, 0), (9, 50)):  # later the same morning: not again
        at(clock, datetime(2026, 11, 24, hour, minute, tzinfo=UTC))
        desk.scheduler.run_due()
    assert len(digests(desk)) == 1
    at(clock, datetime(2026, 11, 25, 8, 5, tzinfo=UTC))  # a holiday
    desk.scheduler.run_due()
    assert len(digests(desk)) == 1
    at(clock, datetime(2026, 11, 26, 8, 5, tzinfo=UTC))  # Thursday
    desk.scheduler.run_due()
    assert len(digests(desk)) == 2
    at(clock, datetime(2026, 11, 28, 8, 5, tzinfo=UTC))  # Saturday
    desk.scheduler.run_due()
    assert len(digests(desk)) == 2


def test_a_daemon_down_at_opening_sends_within_two_hours_only(desk, clock):
    open_ticket(desk)
    at(clock, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # 13:00 Berlin: too late today
    desk.scheduler.run_due()
    assert digests(desk) == []
    at(clock, datetime(2026, 11, 26, 9, 40, tzinfo=UTC))  # 10:40 Berlin Thursday
    desk.scheduler.run_due()
    assert len(digests(desk)) == 1


def test_two_instances_send_one_digest(make_app, clock):
    first = make_app(**HOURS)
    open_ticket(first)
    at(clock, datetime(2026, 11, 24, 8, 5, tzinfo=UTC))
    other = build(first.settings, clock)  # the same database, another process's wiring
    first.scheduler.run_due()
    at(clock, datetime(2026, 11, 24, 8, 20, tzinfo=UTC))
    other.scheduler.run_due()
    assert len(digests(first)) == 1
    other.db.engine.dispose()


def test_nothing_waiting_no_digest(desk, clock):
    at(clock, datetime(2026, 11, 24, 8, 5, tzinfo=UTC))
    desk.scheduler.run_due()
    assert digests(desk) == []
