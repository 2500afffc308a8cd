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

from maild.core.policy import Money
from maild.core.words import N_, Msg, Nn_, Said

# The queue's sections, in the order the mail shows them.
MINE, UNASSIGNED, WAITING, ESCALATED = "mine", "unassigned", "waiting", "escalated"
SECTIONS = (MINE, UNASSIGNED, WAITING, ESCALATED)
TITLES = {
    MINE: N_("Your open tickets"),
    UNASSIGNED: N_("Your team's, nobody's yet"),
    WAITING: N_("Waiting for the customer"),
    ESCALATED: N_("Escalated"),
}
MANAGER_TITLES = {**TITLES, MINE: N_("Your teams' open tickets")}
NO_SUBJECT = N_("(no subject)")
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
    subject: Said
    status: Said
    priority: Said  # "" for a normal one: the listing names only the others
    agent: str | None
    age: Said  # "3 days"
    due: Said | None  # "due Tuesday, December 8, ...", "target breached 2 hours ago", None
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


def age(since: datetime, now: datetime) -> Msg:
    """A span in the largest unit that fits: "5 minutes", "3 hours", "2 weeks"."""
    seconds = max(0, int((now - since).total_seconds()))
    day = 86400
    if seconds >= 365 * day:
        return Nn_("%(n)s year", "%(n)s years", seconds // (365 * day))
    if seconds >= 60 * day:  # months from two months on
        return Nn_("%(n)s month", "%(n)s months", seconds // (30 * day))
    if seconds >= 14 * day:  # weeks from two weeks on
        return Nn_("%(n)s week", "%(n)s weeks", seconds // (7 * day))
    if seconds >= day:
        return Nn_("%(n)s day", "%(n)s days", seconds // day)
    if seconds >= 3600:
        return Nn_("%(n)s hour", "%(n)s hours", seconds // 3600)
    if seconds >= 60:
        return Nn_("%(n)s minute", "%(n)s minutes", seconds // 60)
    return JUST_NOW


JUST_NOW = N_("just now")


def ago(since: datetime, now: datetime) -> Msg:
    shown = age(since, now)
    return shown if shown is JUST_NOW else N_("%(span)s ago", span=shown)


# A ticket's status and priority as a staff mail names them (the stored value is English).
STATUS_WORDS = {
    "open": N_("open"),
    "pending": N_("pending"),
    "closed": N_("closed"),
    "low": N_("low"),
    "normal": N_("normal"),
    "high": N_("high"),
    "urgent": N_("urgent"),
}


def word(value: str) -> Said:
    """A status or a priority in the reader's words ("offen"); another value as it is."""
    return STATUS_WORDS.get(value, value)


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
    credits: tuple[Money, ...] = ()  # a total per currency
    merged_into: int | None = None


def history_line(name: str, count: int, before: Sequence[Before], now: datetime) -> Msg | None:
    """ "Sam has written 4 times before: #12 (open, 2 days ago), #9 (closed, 2 weeks ago,
    credit USD 20.00), ..." The open ones first, then the newest; None for a first mail."""
    if count == 0:
        return None
    items = sorted(before, key=lambda b: (b.status == "closed", -b.id))
    if not items:
        return None
    parts: list[Msg] = []
    for b in items:
        status = (
            N_("merged into #%(id)s", id=str(b.merged_into)) if b.merged_into else word(b.status)
        )
        said: Msg = N_("%(status)s, %(ago)s", status=status, ago=ago(b.created_at, now))
        for c in b.credits:
            said = N_("%(said)s, credit %(amount)s", said=said, amount=c)
        parts.append(N_("#%(id)s (%(said)s)", id=str(b.id), said=said))
    listed = parts[0]
    for p in parts[1:]:
        listed = N_("%(listed)s, %(next)s", listed=listed, next=p)
    if count > len(items):
        listed = N_("%(listed)s, and %(n)s more", listed=listed, n=count - len(items))
    if count == 1:
        return N_("%(name)s has written once before: %(tickets)s", name=name, tickets=listed)
    if count == 2:
        return N_("%(name)s has written twice before: %(tickets)s", name=name, tickets=listed)
    return Nn_(
        "%(name)s has written %(n)s time before: %(tickets)s",
        "%(name)s has written %(n)s times before: %(tickets)s",
        count, name=name, tickets=listed,
    )  # fmt: skip
