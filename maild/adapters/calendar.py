"""Holidays from an iCalendar file (a team's or a country's calendar export).

Each VEVENT is a holiday: its start date, and every day up to its end (DTEND is
exclusive, as RFC 5545 says). Recurring events (RRULE) are not expanded:
calendars of public holidays list each year's dates.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import icalendar

MAX_DAYS = 31  # a longer event is not a holiday: only its first day counts


def holidays_from_ics(path: str | Path) -> frozenset[date]:
    calendar = icalendar.Calendar.from_ical(Path(path).read_bytes())
    found: set[date] = set()
    for event in calendar.walk("VEVENT"):
        start = _day(event.decoded("DTSTART"))
        end = _day(event.decoded("DTEND")) if "DTEND" in event else start + timedelta(days=1)
        days = (end - start).days
        found.update(
            start + timedelta(days=n) for n in range(max(1, days) if days <= MAX_DAYS else 1)
        )
    return frozenset(found)


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
