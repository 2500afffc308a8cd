"""Business hours: when a team works, and how much working time lies between two moments.

Pure: a team's time zone, working days, opening hours and holidays in; UTC
datetimes in and out. Each local day's opening is placed with zoneinfo, so a
DST change shortens or lengthens that day's hours as the wall clock says, and a
holiday or a weekend has none. Working time is counted in minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 366 * 2  # a schedule with no working day in two years is refused before


@dataclass(frozen=True)
class BusinessHours:
    timezone: str = "UTC"
    days: frozenset[int] = frozenset(range(5))  # 0 = Monday
    opens: time = time(9)
    closes: time = time(17)
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("closing time must come after opening time")
        if not self.days:
            raise ValueError("name at least one working day")

    @property
    def always(self) -> bool:
        return False

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _opening(self, day: date) -> tuple[datetime, datetime] | None:
        """That local day's working interval in UTC, or None (weekend, holiday)."""
        if day.weekday() not in self.days or day in self.holidays:
            return None
        zone = self._zone()
        start = datetime.combine(day, self.opens, zone).astimezone(UTC)
        end = datetime.combine(day, self.closes, zone).astimezone(UTC)
        return (start, end) if end > start else None

    def _intervals(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals from the local day of `since` on, clipped to start there."""
        day = since.astimezone(self._zone()).date()
        for _ in range(SEARCH_DAYS):
            opening = self._opening(day)
            if opening is not None and opening[1] > since:
                yield max(opening[0], since), opening[1]
            day += timedelta(days=1)

    def is_open(self, at: datetime) -> bool:
        opening = self._opening(at.astimezone(self._zone()).date())
        return opening is not None and opening[0] <= at < opening[1]

    def next_open(self, at: datetime) -> datetime:
        """`at` if working then, else the next opening."""
        for start, _end in self._intervals(at):
            return start
        raise ValueError("no working time in the next two years")

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of working time after `start`."""
        left = timedelta(minutes=minutes)
        for begin, end in self._intervals(start):
            if end - begin >= left:
                return begin + left
            left -= end - begin
        raise ValueError("no working time in the next two years")

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Working minutes in [start, end); negative when end comes first."""
        if end < start:
            return -self.minutes_between(end, start)
        total = timedelta()
        for begin, close in self._intervals(start):
            if begin >= end:
                break
            total += min(close, end) - begin
        return total.total_seconds() / 60


@dataclass(frozen=True)
class Always(BusinessHours):
    """Every minute counts (no [business_hours] configured)."""

    @property
    def always(self) -> bool:
        return True

    def is_open(self, at: datetime) -> bool:
        return True

    def next_open(self, at: datetime) -> datetime:
        return at

    def add(self, start: datetime, minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    def minutes_between(self, start: datetime, end: datetime) -> float:
        return (end - start).total_seconds() / 60


def parse_days(spec: str | list[str]) -> frozenset[int]:
    """ "mon-fri", "mon,wed,fri" or ["mon", "tue"] -> weekday numbers."""
    parts = spec if isinstance(spec, list) else spec.replace(" ", "").split(",")
    out: set[int] = set()
    for part in parts:
        first, _, last = part.lower().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"unknown day in {part!r}: use mon, tue, wed, thu, fri, sat, sun")
        a, b = DAYS.index(first), DAYS.index(last or first)
        out.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(out)


def parse_opening(spec: str) -> tuple[time, time]:
    """ "09:00-17:30" -> (09:00, 17:30)."""
    try:
        first, last = spec.replace(" ", "").split("-")
        opens, closes = time.fromisoformat(first), time.fromisoformat(last)
    except ValueError as exc:
        raise ValueError(f"hours must look like 09:00-17:00, not {spec!r}") from exc
    if closes <= opens:
        raise ValueError(f"hours {spec!r} close before they open")
    return opens, closes
