"""A customer's earlier tickets in one line, for the staff told of a new one:
a repeat customer, or a second ticket about the same thing, is seen before anyone
answers. Two round trips for a known customer; the caller asks nothing for a
first-time one (the sender's history, read before the ticket opened, says so)."""

from __future__ import annotations

from datetime import datetime

from maild.adapters.db.store import Store
from maild.core import desk
from maild.core.policy import Money
from maild.core.words import Msg
from maild.services.targets import _aware

SHOWN = 5  # earlier tickets named; the line says how many more


def customer_history(
    store: Store, customer: str | None, name: str | None, ticket_id: int, now: datetime
) -> Msg | None:
    if not customer:
        return None
    count, rows = store.customer_before(customer, ticket_id, SHOWN)
    before = [
        desk.Before(t.id or 0, t.status, _aware(t.created_at), _credits(credits), t.merged_into)
        for t, credits in rows
    ]
    who = name.split()[0] if name and name.split() else customer
    return desk.history_line(who, count, before, now)


def _credits(credits: list[tuple[int, str]]) -> tuple[Money, ...]:
    totals: dict[str, int] = {}
    for cents, currency in credits:
        totals[currency] = totals.get(currency, 0) + cents
    return tuple(Money.from_cents(c, cur) for cur, c in sorted(totals.items()))
