"""The wall clock, handed to every service by bootstrap; tests and the demo pass their own
(a ManualClock). Timeouts, backoffs and the watchdog use time.monotonic(): they measure
intervals, not the business day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


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
