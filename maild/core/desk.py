"""The desk in the inbox, pure: what goes in an agent's queue and in what order,
the link that opens a reply to a ticket, a search's words, a customer's history.

The services read the rows; everything here is a function of them and `now`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

# The queue's sections, in the order the mail shows them.
MINE, UNASSIGNED, WAITING, ESCALATED = "mine", "unassigned", "waiting", "escalated"
SECTIONS = (MINE, UNASSIGNED, WAITING, ESCALATED)
TITLES = {
    MINE: "Your open tickets",
    UNASSIGNED: "Your team's, nobody's yet",
    WAITING: "Waiting for the customer",
    ESCALATED: "Escalated",
}
MANAGER_TITLES = {**TITLES, MINE: "Your teams' open tickets"}
FOUND_MAX = 25  # lines in a #find or #customer answer
_WORD = re.compile(r"\w+\*?")


@dataclass(frozen=True)
class Facts:
    """What a listing needs of one ticket (read by the store, no ORM object)."""

    id: int
    customer: str
    customer_name: str
    subject: str
    status: str
    priority: str
    agent: str | None
    team: str | None
    created_at: datetime
    escalated: bool = False


@dataclass(frozen=True)
class Line:
    """One ticket as a listing shows it."""

    id: int
    section: str
    customer: str
    subject: str
    status: str
    priority: str
    agent: str | None
    age: str  # "3 days"
    due: str | None  # "due Tue 08 Dec 11:00", "breached 2 hours ago", None: no target
    breached: bool
    mailto: str  # opens a reply to the ticket, signed for the reader
    due_at: datetime | None = None  # for the order only


def section_of(f: Facts, reader: str) -> str:
    """Where a ticket sits in the reader's queue."""
    if f.escalated:
        return ESCALATED
    if f.status == "pending":
        return WAITING
    if f.agent is None:
        return UNASSIGNED
    return MINE


def ordered(lines: Iterable[Line]) -> list[Line]:
    """By section; in each, the breached first (longest breached first), then by due
    time, then the ones without a target, oldest first."""

    def key(x: Line) -> tuple[int, int, float, int]:
        due = x.due_at.timestamp() if x.due_at is not None else float("inf")
        return (SECTIONS.index(x.section), 0 if x.breached else 1, due, x.id)

    return sorted(lines, key=key)


def age(since: datetime, now: datetime) -> str:
    """A span in the largest unit that fits: "5 minutes", "3 hours", "2 weeks"."""
    seconds = max(0, int((now - since).total_seconds()))
    day = 86400
    steps = (
        ("year", 365 * day, 365 * day),
        ("month", 30 * day, 60 * day),  # from two months on
        ("week", 7 * day, 14 * day),  # from two weeks on
        ("day", day, day),
        ("hour", 3600, 3600),
        ("minute", 60, 60),
    )
    for unit, size, first in steps:
        if seconds >= first:
            return _plural(seconds // size, unit)
    return "just now"


def ago(since: datetime, now: datetime) -> str:
    shown = age(since, now)
    return shown if shown == "just now" else f"{shown} ago"


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def subject_line(ticket_id: int, subject: str) -> str:
    """The subject a reply link carries: one line, whatever the customer wrote."""
    return f"[#{ticket_id}] {' '.join(subject.split()) or '(no subject)'}"


def mailto(reply_address: str, ticket_id: int, subject: str) -> str:
    """RFC 6068: a link a mail client opens as a new mail to the ticket's signed reply
    address, with the ticket's subject; every character that means something in a URI
    is escaped."""
    address = quote(reply_address, safe="@+")
    return f"mailto:{address}?subject={quote('Re: ' + subject_line(ticket_id, subject), safe='')}"


def search_words(text: str) -> tuple[str, ...]:
    """The words of a #find, lowercased; `word*` is a prefix. Nothing else of the
    text reaches the database's query syntax."""
    return tuple(w.lower() for w in _WORD.findall(text))[:8]


def count_shown(count: int) -> str:
    return f"{count:,}"


# the customer's history in a new ticket's notification -----------------------------
@dataclass(frozen=True)
class Before:
    """One of the customer's earlier tickets."""

    id: int
    status: str
    created_at: datetime
    credits: tuple[str, ...] = ()  # "USD 20.00"
    merged_into: int | None = None


def history_line(name: str, count: int, before: Sequence[Before], now: datetime) -> str | None:
    """ "Sam has written 4 times before: #12 (open, 2 days ago), #9 (closed, 2 weeks ago,
    credit USD 20.00), ..." The open ones first, then the newest; None for a first mail."""
    if count == 0:
        return None
    times = "once" if count == 1 else "twice" if count == 2 else f"{count} times"
    items = sorted(before, key=lambda b: (b.status == "closed", -b.id))
    parts = []
    for b in items:
        status = f"merged into #{b.merged_into}" if b.merged_into else b.status
        words = [status, ago(b.created_at, now), *(f"credit {c}" for c in b.credits)]
        parts.append(f"#{b.id} ({', '.join(words)})")
    more = f", and {count - len(items)} more" if count > len(items) else ""
    return f"{name} has written {times} before: {', '.join(parts)}{more}"
