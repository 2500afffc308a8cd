"""Response targets: by when a waiting customer must hear from a person.

Pure. A ticket waits from `awaiting_since` (opened, or the customer wrote again
after an answer) until a person answers, the ticket is set pending or closed.
Its target is the first response while nobody has answered yet, else the next
response; the time counts in its team's business hours. A reminder goes once
`near` of the target has passed, the breach is told once at the due moment;
both only while the team works (never at 3 am on a Sunday).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from maild.core.hours import Always, BusinessHours

FIRST, NEXT = "first_response", "next_response"
NEAR, BREACHED = 1, 2  # what ticket.target_stage records as told
CLOSING_GRACE_MINUTES = 15  # the scheduler's step: a breach due at closing still goes
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")


def span_minutes(spec: str, hours: BusinessHours) -> float:
    """ "90m", "4h", "1d" -> working minutes; a day is one working day of these hours
    (24 hours when every minute counts)."""
    match = _SPAN.match(spec)
    if match is None:
        raise ValueError(f"'{spec}' is not a target: write a number and m, h or d, like 4h")
    value, unit = float(match.group(1)), match.group(2)
    if value <= 0:
        raise ValueError(f"the target '{spec}' must be more than 0")
    if unit == "d":
        day = 24 * 60 if hours.always else _day_minutes(hours)
        return value * day
    return value * (60 if unit == "h" else 1)


def _day_minutes(hours: BusinessHours) -> float:
    opens = hours.opens.hour * 60 + hours.opens.minute
    closes = hours.closes.hour * 60 + hours.closes.minute
    return float(closes - opens)


@dataclass(frozen=True)
class Waiting:
    """What the clock needs of a ticket."""

    ticket_id: int
    priority: str
    status: str
    awaiting_since: datetime | None
    answered_before: bool  # a person answered this ticket before: the next response
    stage: int  # NEAR / BREACHED told already


@dataclass(frozen=True)
class Due:
    ticket_id: int
    priority: str
    target: str  # first_response or next_response
    due_at: datetime
    business_minutes_left: float  # negative once breached
    breached: bool
    tell: int  # 0, NEAR or BREACHED: what is to be told now


@dataclass(frozen=True)
class Targets:
    """Working minutes per (target, priority) for one team, with its hours."""

    minutes: Mapping[tuple[str, str], float]
    hours: BusinessHours
    near: float = 0.75

    @property
    def soonest_minutes(self) -> float:
        """Nothing is told of a ticket before it waited this long in working minutes,
        hence at least this long by the wall clock."""
        return self.near * min(self.minutes.values(), default=float("inf"))

    def due(self, w: Waiting, now: datetime) -> Due | None:
        if w.awaiting_since is None or w.status != "open":
            return None
        target = NEXT if w.answered_before else FIRST
        allowed = self.minutes.get((target, w.priority))
        if allowed is None:
            return None
        due_at = self.hours.add(w.awaiting_since, allowed)
        left = self.hours.minutes_between(now, due_at)
        breached = now >= due_at
        passed = allowed - max(left, 0)
        tell = 0
        # Told while the team works; a breach at closing time is told at once too.
        at_close = breached and now - due_at <= timedelta(minutes=CLOSING_GRACE_MINUTES)
        if self.hours.is_open(now) or at_close:
            if breached and w.stage < BREACHED:
                tell = BREACHED
            elif passed >= self.near * allowed and w.stage < NEAR:
                tell = NEAR
        return Due(w.ticket_id, w.priority, target, due_at, round(left, 1), breached, tell)


def no_targets(team: str | None) -> Targets:
    """A desk without [targets]: no ticket has a due time, every minute counts."""
    return Targets({}, Always())
