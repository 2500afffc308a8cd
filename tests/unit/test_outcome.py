"""Latitude against outcome on hand-made rows."""

from maild.core.outcome import Outcome, judge, team


def agent(name, solved, cents, ratings, good, reopened=0):
    return Outcome(f"{name}@x", name, solved, reopened, cents, ratings, good)


def test_a_generous_agent_whose_customers_are_no_happier():
    dana = agent("Dana", 10, 50_000, 10, 6)  # USD 50 a ticket, 60 % good
    lee = agent("Lee", 10, 10_000, 10, 8)  # USD 10 a ticket, 80 % good
    whole, verdicts = judge([dana, lee])
    assert whole.credit_per_solved == 30 and whole.satisfaction == 0.7
    lines = {v.agent.name: str(v.line) if v.line else None for v in verdicts}
    assert lines["Dana"].startswith("Dana gives 1.7x the team's credits per solved ticket, yet")
    assert "60% good against the team's 70%; 10 ratings, 10 solved tickets" in lines["Dana"]
    assert lines["Lee"] is None


def test_a_sparing_agent_whose_customers_are_unhappy():
    kim = agent("Kim", 10, 1_000, 10, 3)  # USD 1 a ticket, 30 % good
    bo = agent("Bo", 10, 30_000, 10, 9)
    _, verdicts = judge([kim, bo])
    [kim_line] = [str(v.line) for v in verdicts if v.agent.name == "Kim"]
    assert "less happy (30% good against the team's 60%" in kim_line
    assert "more latitude may help" in kim_line


def test_too_few_ratings_say_nothing():
    thin = agent("New", 10, 90_000, 2, 0)
    _, verdicts = judge([thin, agent("Old", 10, 1_000, 10, 9)])
    assert all(v.line is None for v in verdicts)


def test_shares_and_the_team():
    a = agent("A", 4, 4_000, 0, 0, reopened=1)
    assert a.reopened_share == 0.25 and a.satisfaction is None and a.credit_per_solved == 10
    assert team([a, a]).solved == 8
