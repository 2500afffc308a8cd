"""The escalation watch's pure decision: which tickets, which reminders."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from maild.core.watch import Due, Watched, due

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def row(**kw):
    values = dict(
        id=1,
        ticket_id=7,
        last_update=T0,
        period=2 * DAY,
        reminded_period=0,
        customer_noticed_period=0,
        stale=False,
        notify_customer=True,
    )
    values.update(kw)
    return Watched(**values)


def test_nothing_before_a_period_has_passed():
    assert due([row()], T0 + DAY) == []


def test_one_period_reminds_once():
    assert due([row()], T0 + 2 * DAY) == [Due(1, 7, 1, True, False, False)]
    assert due([row(reminded_period=1)], T0 + 3 * DAY) == []


def test_two_periods_mark_stale_remind_again_and_tell_the_customer():
    assert due([row(reminded_period=1)], T0 + 4 * DAY) == [Due(1, 7, 2, True, True, True)]
    settled = row(reminded_period=2, stale=True, customer_noticed_period=2)
    assert due([settled], T0 + 5 * DAY) == []
    assert due([settled], T0 + 6 * DAY) == [Due(1, 7, 3, True, False, True)]


def test_the_customer_is_told_only_where_configured():
    [d] = due([row(reminded_period=1, notify_customer=False)], T0 + 4 * DAY)
    assert d.mark_stale and not d.notify_customer


@given(st.lists(st.integers(min_value=0, max_value=24 * 30), min_size=1, max_size=50))
def test_at_most_one_reminder_per_period_however_often_it_runs(hours):
    state = row()
    reminders = 0
    for h in sorted(hours):
        now = T0 + timedelta(hours=h)
        for d in due([state], now):
            reminders += d.remind
            state = Watched(
                **{
                    **state.__dict__,
                    "reminded_period": d.periods if d.remind else state.reminded_period,
                    "stale": state.stale or d.mark_stale,
                    "customer_noticed_period": d.periods
                    if d.notify_customer
                    else state.customer_noticed_period,
                }
            )
    last = T0 + timedelta(hours=max(hours))
    assert reminders <= max(0, int((last - T0) / (2 * DAY)))
