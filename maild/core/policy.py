"""Limits: may this agent give this credit now?

Pure: the limits, what the agent and the customer received so far, and the
credit in; Allowed, NeedsApproval or Denied out, with a reason a person can
read. A credit over a limit is not refused: it waits for the manager. Only
what no approval can fix is denied (a currency the desk does not use, nobody
to approve).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from maild.core.words import N_, Msg, Said, joined

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Limits:
    currency: str = "USD"
    credit_per_ticket: Decimal = Decimal(50)
    credit_per_day: Decimal = Decimal(200)
    credit_per_month: Decimal = Decimal(1000)
    credit_per_customer_30d: Decimal = Decimal(150)
    escalate_to: tuple[str, ...] | None = None  # None: every escalation team

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Limits:
        return cls(
            currency=str(values["currency"]),
            credit_per_ticket=Decimal(values["credit_per_ticket"]),
            credit_per_day=Decimal(values["credit_per_day"]),
            credit_per_month=Decimal(values["credit_per_month"]),
            credit_per_customer_30d=Decimal(values["credit_per_customer_30d"]),
            escalate_to=None if values["escalate_to"] is None else tuple(values["escalate_to"]),
        )


@dataclass(frozen=True)
class Usage:
    """Credits given so far, in the limits' currency."""

    today: Decimal = Decimal(0)  # by this agent, this local day
    month: Decimal = Decimal(0)  # by this agent, this local calendar month
    customer_30d: Decimal = Decimal(0)  # to this customer by anyone, last 30 days

    def plus(self, amount: Decimal) -> Usage:
        return replace(
            self,
            today=self.today + amount,
            month=self.month + amount,
            customer_30d=self.customer_30d + amount,
        )


@dataclass(frozen=True)
class Allowed:
    reason: Said = ""


@dataclass(frozen=True)
class NeedsApproval:
    reason: Said
    limits: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Denied:
    reason: Said


Decision = Allowed | NeedsApproval | Denied


@dataclass(frozen=True)
class Money:
    """An amount and its currency. Cents exist at the database's edge only
    (`from_cents`, `cents`): exact on SQLite and PostgreSQL alike."""

    amount: Decimal
    currency: str

    @classmethod
    def from_cents(cls, cents: int, currency: str) -> Money:
        return cls(Decimal(int(cents)) * CENT, currency)

    @property
    def cents(self) -> int:
        return int((self.amount / CENT).to_integral_value())

    def __str__(self) -> str:
        return f"{self.currency} {self.amount.quantize(CENT)}"


def money(amount: Decimal, currency: str) -> str:
    return str(Money(amount, currency))


# What a credit crosses, one sentence a limit: said to the agent in the receipt, and to
# the manager in the approval request, each in their language (maild/core/words.py).
OVER = {
    "credit_per_ticket": N_("%(amount)s is over the most one credit may be (%(limit)s)"),
    "credit_per_day": N_("%(amount)s is over your daily credit budget (%(limit)s, %(left)s left)"),
    "credit_per_month": N_(
        "%(amount)s is over your monthly credit budget (%(limit)s, %(left)s left)"
    ),
    "credit_per_customer_30d": N_(
        "%(amount)s is over what one customer may receive in 30 days (%(limit)s, %(left)s left)"
    ),
}


def over(key: str, amount: Money, limit: Money, left: Money) -> Msg:
    """The sentence for one limit crossed ("USD 80.00 is over your daily credit budget
    (USD 200.00, USD 20.00 left)"): a per-credit limit is not a budget, nothing is left."""
    return Msg(OVER[key].text, {"amount": amount, "limit": limit, "left": left})


def crossed(limits: Limits, usage: Usage, amount: Decimal) -> list[tuple[str, Msg]]:
    """Each limit this credit would cross: (key, sentence); str(sentence) is the English."""
    c = limits.currency
    checks = (
        ("credit_per_ticket", Decimal(0), limits.credit_per_ticket),
        ("credit_per_day", usage.today, limits.credit_per_day),
        ("credit_per_month", usage.month, limits.credit_per_month),
        ("credit_per_customer_30d", usage.customer_30d, limits.credit_per_customer_30d),
    )
    found = []
    for key, used, limit in checks:
        if used + amount > limit:
            left = max(limit - used, Decimal(0))
            said = over(key, Money(amount, c), Money(limit, c), Money(left, c))
            found.append((key, said))
    return found


def _pattern(text: str) -> re.Pattern[str]:
    """A sentence of OVER as a pattern: each %(name)s an amount as Money writes it."""
    pieces = re.split(r"%\((\w+)\)s", text)
    return re.compile(
        "".join(
            rf"(?P<{p}>[A-Z]{{3}} -?\d+\.\d{{2}})" if i % 2 else re.escape(p)
            for i, p in enumerate(pieces)
        )
    )


_READ = [(msg, _pattern(msg.text)) for msg in OVER.values()]


def crossing(held_because: str) -> tuple[Said, ...]:
    """The limits a held mail crosses, as its approval row keeps them (the English of
    `crossed`, "; "-joined), read back into sentences to say in the manager's language.
    A part that is not one of those sentences stays as it was written."""
    out: list[Said] = []
    for part in held_because.split("; ") if held_because else []:
        for msg, pattern in _READ:
            found = pattern.fullmatch(part)
            if found:
                values = {
                    k: Money(Decimal(v.split(" ")[1]), v.split(" ")[0])
                    for k, v in found.groupdict().items()
                }
                out.append(Msg(msg.text, values))
                break
        else:
            out.append(part)
    return tuple(out)


def decide_credit(
    limits: Limits,
    usage: Usage,
    amount: Decimal,
    currency: str | None,
    *,
    approver: str | None,
    approved: bool = False,
) -> Decision:
    if currency is not None and currency != limits.currency:
        return Denied(
            N_("credits are in %(ours)s, not %(theirs)s", ours=limits.currency, theirs=currency)
        )
    over = crossed(limits, usage, amount)
    if not over:
        return Allowed(N_("within your limits (%(amount)s)", amount=Money(amount, limits.currency)))
    reasons = joined([sentence for _key, sentence in over])
    if approved:
        return Allowed(
            N_("approved by %(approver)s: %(reasons)s", approver=str(approver), reasons=reasons)
        )
    if approver is None:
        return Denied(
            N_("%(reasons)s, and you have no manager configured to approve it", reasons=reasons)
        )
    return NeedsApproval(reasons, tuple(key for key, _ in over))


def left(limits: Limits, usage: Usage) -> tuple[Decimal, Decimal]:
    """Budget left today and this month."""
    zero = Decimal(0)
    return (
        max(limits.credit_per_day - usage.today, zero),
        max(limits.credit_per_month - usage.month, zero),
    )


def periods(now: datetime, tz: str) -> tuple[datetime, datetime, datetime]:
    """Start of the local day, of the local calendar month, and 30 days ago (as given)."""
    # ZoneInfo works out the offset from the wall time: midnight on the 1st keeps
    # its own offset when a DST change lies between the 1st and today.
    day = now.astimezone(ZoneInfo(tz)).replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1), now - timedelta(days=30)
