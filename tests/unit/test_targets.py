"""The response-target clock: which target, when due, what to tell and when."""

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from maild.core.hours import Always, BusinessHours
from maild.core.targets import BREACHED, FIRST, NEAR, NEXT, Targets, Waiting, span_minutes

HOURS = BusinessHours("UTC", frozenset(range(5)), time(9), time(17))
MINUTES = {(FIRST, "normal"): 240.0, (NEXT, "normal"): 480.0}
T = Targets(MINUTES, HOURS)
MONDAY_9 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def waiting(since=MONDAY_9, answered=False, stage=0, status="open", priority="normal"):
    return Waiting(1, priority, status, since, answered, stage)


def test_spans_count_working_time():
    assert span_minutes("90m", HOURS) == 90
    assert span_minutes("4h", HOURS) == 240
    assert span_minutes("1d", HOURS) == 480  # one working day of these hours
    assert span_minutes("1d", Always()) == 1440


def test_first_then_next_response():
    assert T.due(waiting(), MONDAY_9).target == FIRST
    assert T.due(waiting(answered=True), MONDAY_9).target == NEXT


def test_near_at_75_percent_then_breached_and_never_twice():
    assert T.due(waiting(), MONDAY_9 + timedelta(hours=2, minutes=59)).tell == 0
    assert T.due(waiting(), MONDAY_9 + timedelta(hours=3)).tell == NEAR
    assert T.due(waiting(stage=NEAR), MONDAY_9 + timedelta(hours=3, minutes=30)).tell == 0
    due = T.due(waiting(stage=NEAR), MONDAY_9 + timedelta(hours=4))
    assert due.breached and due.tell == BREACHED
    assert T.due(waiting(stage=BREACHED), MONDAY_9 + timedelta(hours=6)).tell == 0


def test_no_clock_without_a_wait_or_a_target():
    assert T.due(waiting(since=None), MONDAY_9) is None
    assert T.due(waiting(status="pending"), MONDAY_9) is None
    assert T.due(waiting(priority="low"), MONDAY_9) is None  # no target for low


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.integers(0, 14 * 24 * 60),
    st.sampled_from([0, NEAR]),
)
def test_nothing_is_told_while_the_team_is_away(since, later, stage):
    now = since + timedelta(minutes=later)
    due = T.due(waiting(since=since, stage=stage), now)
    assert due is not None
    if due.tell:
        grace = due.breached and now - due.due_at <= timedelta(minutes=15)
        assert HOURS.is_open(now) or grace


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.floats(0, 1),
    st.booleans(),
    st.sampled_from([Always(), HOURS]),
    st.sampled_from([0.5, 0.75, 0.9]),
)
def test_nothing_is_told_before_the_soonest_wait(since, share, answered, hours, near):
    """The scheduler reads only tickets waiting longer than soonest_minutes by the
    wall clock: none younger can have anything to tell, in any hours."""
    targets = Targets({(FIRST, "normal"): 60.0, (NEXT, "normal"): 480.0}, hours, near)
    assert targets.soonest_minutes == near * 60
    now = since + timedelta(minutes=share * targets.soonest_minutes * 0.999)
    due = targets.due(waiting(since=since, answered=answered), now)
    assert due is not None and due.tell == 0


def test_no_target_at_all_means_nothing_is_ever_due():
    assert Targets({}, HOURS).soonest_minutes == float("inf")
