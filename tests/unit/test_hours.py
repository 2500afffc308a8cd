"""The business-hours clock: weekends, holidays, DST, time zones, long targets."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maild.core.hours import Always, BusinessHours, parse_days, parse_opening

BERLIN = BusinessHours("Europe/Berlin", frozenset(range(5)), time(9), time(17))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_friday_afternoon_target_lands_on_monday_morning():
    friday_4pm = utc(2026, 11, 27, 15)  # 16:00 in Berlin (CET, UTC+1)
    assert BERLIN.add(friday_4pm, 120) == utc(2026, 11, 30, 9)  # Monday 10:00 local
    assert BERLIN.minutes_between(friday_4pm, utc(2026, 11, 30, 9)) == 120


def test_a_holiday_has_no_hours():
    hours = BusinessHours("Europe/Berlin", holidays=frozenset({date(2026, 12, 25)}))
    thursday = utc(2026, 12, 24, 15)  # 16:00 local, Christmas Eve
    assert hours.add(thursday, 120) == utc(2026, 12, 28, 9)  # Fri 25 off, then the weekend
    assert not hours.is_open(utc(2026, 12, 25, 10))


def test_a_dst_change_shortens_the_night_not_the_working_day():
    # Opening hours 01:00-04:00 on the night clocks go forward in Berlin: 2 hours.
    night = BusinessHours("Europe/Berlin", frozenset(range(7)), time(1), time(4))
    sunday = date(2026, 3, 29)
    start = datetime.combine(sunday, time(0), night._zone()).astimezone(UTC)
    assert night.minutes_between(start, start + timedelta(hours=5)) == 120
    # and 09:00-17:00 stays 8 hours on both change days
    for day in (date(2026, 3, 30), date(2026, 10, 26)):
        morning = datetime.combine(day, time(9), BERLIN._zone()).astimezone(UTC)
        assert BERLIN.minutes_between(morning, morning + timedelta(hours=9)) == 480


def test_the_same_hours_in_another_time_zone_are_other_moments():
    tokyo = BusinessHours("Asia/Tokyo")
    assert tokyo.is_open(utc(2026, 11, 24, 1))  # 10:00 in Tokyo
    assert not BERLIN.is_open(utc(2026, 11, 24, 1))  # 02:00 in Berlin


def test_a_target_spanning_several_days():
    monday_9 = utc(2026, 11, 23, 8)
    assert BERLIN.add(monday_9, 3 * 8 * 60) == utc(2026, 11, 25, 16)  # Wed 17:00 local
    assert BERLIN.add(monday_9, 3 * 8 * 60 + 1) == utc(2026, 11, 26, 8, 1)


def test_configuration_words():
    assert parse_days("mon-fri") == frozenset(range(5))
    assert parse_days(["sat", "sun"]) == frozenset({5, 6})
    assert parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    assert parse_opening("08:30-17:00") == (time(8, 30), time(17))
    with pytest.raises(ValueError, match="unknown day"):
        parse_days("mon-fry")
    with pytest.raises(ValueError, match="close before"):
        parse_opening("17:00-09:00")


def test_always_counts_every_minute():
    start = utc(2026, 11, 28, 3)  # a Saturday night
    assert Always().add(start, 60) == start + timedelta(hours=1)


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"])
schedules = st.builds(
    BusinessHours,
    zones,
    st.frozensets(st.integers(0, 6), min_size=1),
    st.sampled_from([time(0), time(8), time(9, 30)]),
    st.sampled_from([time(12), time(17), time(23, 59)]),
    st.frozensets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=20),
)


@settings(max_examples=200, deadline=None)
@given(schedules, moments, st.integers(1, 5 * 24 * 60))
def test_adding_business_time_never_lands_outside_business_hours(hours, start, minutes):
    due = hours.add(start, minutes)
    assert due > start
    # the due moment is inside an opening, or exactly at its close
    assert hours.is_open(due) or hours.is_open(due - timedelta(microseconds=1))
    assert hours.minutes_between(start, due) == pytest.approx(minutes, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(schedules, moments, moments)
def test_working_minutes_never_exceed_the_wall_clock_and_add_up(hours, a, b):
    start, end = min(a, b), max(a, b)
    worked = hours.minutes_between(start, end)
    assert 0 <= worked <= (end - start).total_seconds() / 60 + 1e-6
    middle = start + (end - start) / 2
    assert worked == pytest.approx(
        hours.minutes_between(start, middle) + hours.minutes_between(middle, end), abs=1e-6
    )


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Holidays//EN
BEGIN:VEVENT
UID:xmas-2026@example
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261225
DTEND;VALUE=DATE:20261227
SUMMARY:Christmas
END:VEVENT
BEGIN:VEVENT
UID:ny-2027@example
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20270101
SUMMARY:New Year
END:VEVENT
BEGIN:VEVENT
UID:offsite@example
DTSTAMP:20260101T000000Z
DTSTART:20261130T080000Z
DTEND:20261130T170000Z
SUMMARY:Team offsite
END:VEVENT
END:VCALENDAR
"""


def test_holidays_from_an_icalendar_file(tmp_path):
    from maild import config
    from maild.adapters.calendar import holidays_from_ics

    path = tmp_path / "holidays.ics"
    path.write_text(ICS.replace("\n", "\r\n"))
    assert holidays_from_ics(path) == {
        date(2026, 12, 25),
        date(2026, 12, 26),  # DTEND is exclusive: two days
        date(2027, 1, 1),
        date(2026, 11, 30),
    }
    data = {"business_hours": {"holidays_file": str(path), "holidays": ["2026-12-31"]}}
    hours = config.parse(data, "test").business_hours.schedule("UTC")
    assert not hours.is_open(utc(2026, 11, 30, 10)) and hours.is_open(utc(2026, 12, 1, 10))
    assert date(2026, 12, 31) in hours.holidays and date(2026, 12, 25) in hours.holidays
    with pytest.raises(config.ConfigError, match="cannot read holidays"):
        config.parse({"business_hours": {"holidays_file": str(tmp_path / "no.ics")}}, "test")
