"""Limits: the pure policy, with hypothesis."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from maild.core.policy import (
    Allowed,
    Denied,
    Limits,
    Money,
    NeedsApproval,
    Usage,
    decide_credit,
    left,
    periods,
)

LIMITS = Limits()
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(2000), places=2)


def test_within_limits_is_allowed():
    assert isinstance(decide_credit(LIMITS, Usage(), Decimal(20), None, approver="m"), Allowed)


def test_over_a_limit_needs_approval_naming_every_limit_crossed():
    usage = Usage(today=Decimal(190), month=Decimal(190), customer_30d=Decimal(0))
    verdict = decide_credit(LIMITS, usage, Decimal(60), None, approver="maria@acme.example")
    assert isinstance(verdict, NeedsApproval)
    assert verdict.limits == ("credit_per_ticket", "credit_per_day")
    assert "USD 60.00 is over your daily credit budget (USD 200.00, USD 10.00 left)" in str(
        verdict.reason
    )


def test_what_no_approval_can_fix_is_denied():
    denied = decide_credit(LIMITS, Usage(), Decimal(5), "EUR", approver="m")
    assert isinstance(denied, Denied) and str(denied.reason) == "credits are in USD, not EUR"
    verdict = decide_credit(LIMITS, Usage(), Decimal(60), None, approver=None)
    assert isinstance(verdict, Denied) and "no manager configured" in str(verdict.reason)


def test_an_approved_credit_may_cross_a_limit():
    verdict = decide_credit(LIMITS, Usage(), Decimal(60), None, approver="m", approved=True)
    assert isinstance(verdict, Allowed) and "approved by m" in str(verdict.reason)


@given(
    st.lists(money, max_size=40),
    money,
    money,
    money,
    money,
)
def test_no_sequence_of_credits_ever_exceeds_a_budget(amounts, per_ticket, day, month, customer):
    limits = Limits("USD", per_ticket, day, month, customer)
    usage = Usage()
    for amount in amounts:
        if isinstance(decide_credit(limits, usage, amount, None, approver="m"), Allowed):
            usage = usage.plus(amount)
            assert amount <= per_ticket
        assert usage.today <= day and usage.month <= month and usage.customer_30d <= customer
    today, this_month = left(limits, usage)
    assert today == day - usage.today and this_month == month - usage.month


@given(money, money)
def test_allowed_exactly_when_nothing_is_crossed(used, amount):
    limits = Limits()
    usage = Usage(used, used, used)
    allowed = isinstance(decide_credit(limits, usage, amount, "USD", approver="m"), Allowed)
    fits = (
        amount <= limits.credit_per_ticket
        and used + amount <= limits.credit_per_day
        and used + amount <= limits.credit_per_month
        and used + amount <= limits.credit_per_customer_30d
    )
    assert allowed == fits


def test_days_and_months_are_local_including_daylight_saving_days():
    # 25 Oct 2026: Berlin leaves summer time; 1 Oct was still summer time (+02:00).
    now = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
    day, month, since = periods(now, "Europe/Berlin")
    assert day.astimezone(UTC) == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert month.astimezone(UTC) == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)
    assert since == now - timedelta(days=30)
    # 00:30 in Berlin on 1 Dec is still 30 Nov in UTC: the local month has begun.
    day, month, _ = periods(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "Europe/Berlin")
    assert day == month and month.astimezone(UTC) == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)


@given(st.integers(min_value=1, max_value=10**9))
def test_money_round_trips_through_cents_exactly(cents):
    money = Money.from_cents(cents, "EUR")
    assert money.cents == cents
    assert str(money) == f"EUR {cents // 100}.{cents % 100:02d}"
