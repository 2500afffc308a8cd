from hypothesis import given
from hypothesis import strategies as st

from maild.core import flood, route
from maild.core.retry import backoff_seconds


def test_a_flood_folds_into_the_latest_ticket():
    assert flood.fold_flood(route.Open(), 4, 5, 9) == route.Open()
    folded = flood.fold_flood(route.Open(), 5, 5, 9)
    assert isinstance(folded, route.Join) and folded.ticket_id == 9


def test_acks_are_capped():
    assert flood.ack_allowed(2, 3) and not flood.ack_allowed(3, 3)
    assert not flood.ack_allowed(0, 0)


@given(st.integers(min_value=1, max_value=1000))
def test_backoff_grows_and_is_capped(attempts):
    assert 30 <= backoff_seconds(attempts) <= 3600
    assert backoff_seconds(attempts + 1) >= backoff_seconds(attempts)
