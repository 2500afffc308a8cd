"""The wall clock, handed to every service by bootstrap; tests and the demo pass their own
(a ManualClock). Timeouts, backoffs and the watchdog use time.monotonic(): they measure
intervals, not the business day.

`MAILD_CLOCK` sets a process's wall clock: an ISO-8601 instant (it starts there and runs
on), or an offset from the real clock (`+365d`, `-2h`, `+90s`), which every process given
it shares, so that their times still follow each other. It exists so that a test can hand
its clock to every maild process it starts (the CLI, `maild run`, the MTA's pipe), and so
that the suite can run those processes a year ahead of the real date: a test that mixes
its own fixed clock with the wall clock then fails on every day, not only on the day its
dates go stale."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

ENV = "MAILD_CLOCK"


def system_clock() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to: for tests and the demo."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class ShiftedClock:
    """The wall clock moved to start at `start`: it ticks as the real one does."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._began = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._began)


_OFFSET = re.compile(r"([+-])(\d+)([dhs])")
_UNITS = {"d": "days", "h": "hours", "s": "seconds"}


class OffsetClock:
    """The wall clock, moved by a fixed offset."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def parse_offset(text: str) -> timedelta | None:
    found = _OFFSET.fullmatch(text.strip())
    if found is None:
        return None
    sign, amount, unit = found.groups()
    delta = timedelta(**{_UNITS[unit]: int(amount)})
    return -delta if sign == "-" else delta


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant with its zone (`2027-12-07T09:00:00+00:00`, `...Z`)."""
    when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"{ENV}={text!r} names no time zone (add +00:00)")
    return when.astimezone(UTC)


def from_env(environ: Mapping[str, str] = os.environ) -> Callable[[], datetime]:
    """The process's clock: the wall clock, or the one `MAILD_CLOCK` sets (check-config and
    the daemon's first lines warn of it, so a clock left set on a server is seen)."""
    text = environ.get(ENV, "").strip()
    if not text:
        return system_clock
    offset = parse_offset(text)
    return OffsetClock(offset) if offset is not None else ShiftedClock(parse_instant(text))


def env_for(clock: Callable[[], datetime]) -> dict[str, str]:
    """The environment that gives a child process `clock`'s current time."""
    return {ENV: clock().isoformat()}
