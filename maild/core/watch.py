"""The escalation watch: which escalated tickets need a reminder, a stale mark, a
word to the customer. Pure: rows and now in, what is due out.

A period is the team's `update_every`, counted from the customer's last
visible update. When one period has passed, the owner is reminded (the
agent copied), once per period however often the watch runs; when two have
passed, the ticket is stale for the manager; where the team says so, the
customer then gets a "still working on it" mail, at most once per period.
Those automatic mails do not count as an update: only a person's words do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Watched:
    id: int
    ticket_id: int
    last_update: datetime  # the customer's last visible update from us
    period: timedelta  # the team's update_every
    reminded_period: int  # the last period a reminder went out for (0: none)
    customer_noticed_period: int  # the last period the customer was told (0: never)
    stale: bool
    notify_customer: bool


@dataclass(frozen=True)
class Due:
    id: int
    ticket_id: int
    periods: int  # whole periods since the last update
    remind: bool
    mark_stale: bool
    notify_customer: bool


def periods_since(last_update: datetime, period: timedelta, now: datetime) -> int:
    return max(0, int((now - last_update) / period))


def due(rows: Iterable[Watched], now: datetime) -> list[Due]:
    out = []
    for row in rows:
        k = periods_since(row.last_update, row.period, now)
        remind = k >= 1 and row.reminded_period < k
        stale = k >= 2
        mark = stale and not row.stale
        notify = row.notify_customer and stale and row.customer_noticed_period < k
        if remind or mark or notify:
            out.append(Due(row.id, row.ticket_id, k, remind, mark, notify))
    return out


def days_since(last_update: datetime, now: datetime) -> float:
    return round((now - last_update).total_seconds() / 86400, 1)
