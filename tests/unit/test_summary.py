"""The manager's summary, computed from hand-made rows."""

from datetime import UTC, date, datetime, timedelta

from maild.adapters.db.reports import day_range
from maild.core.summary import (
    AgentDay,
    AgentFacts,
    Facts,
    duration,
    percentile,
    summarise,
)

DAY = date(2026, 11, 22)


def agent(email, solved_per_day, credits_per_day_cents, **kw):
    trend = tuple(
        AgentDay(DAY - timedelta(days=7 - i), solved_per_day, credits_per_day_cents)
        for i in range(8)
    )
    return AgentFacts(
        email=email,
        name=email.split("@")[0].title(),
        solved=solved_per_day,
        credits=1 if credits_per_day_cents else 0,
        credits_cents=credits_per_day_cents,
        month_cents=credits_per_day_cents * 8,
        day_budget_cents=20000,
        month_budget_cents=100000,
        trend=trend,
        **kw,
    )


def facts(*agents, **kw):
    return Facts("maria@acme.example", DAY, ("tier1",), "USD", agents=tuple(agents), **kw)


def flags(s):
    return {x.facts.email: x.flag for x in s.agents}


def test_an_agent_giving_three_times_the_team_is_more_generous():
    team = [agent(f"a{i}@x", 4, 800 + 50 * i) for i in range(4)]  # about 2.00-2.40 a ticket
    s = summarise(facts(*team, agent("big@x", 4, 2400)))  # 6.00 a ticket
    assert flags(s)["big@x"] == "more generous"
    assert all(flags(s)[a.email] is None for a in team)
    big = next(x for x in s.agents if x.facts.email == "big@x")
    assert s.agents[0] is big  # flagged agents come first
    assert "6.00 per solved ticket vs the team's median" in str(big.why)


def test_an_agent_giving_nothing_with_many_tickets_is_more_sparing():
    team = [agent(f"a{i}@x", 3, 600 + 30 * i) for i in range(4)]
    s = summarise(facts(*team, agent("none@x", 6, 0)))
    assert flags(s)["none@x"] == "more sparing"


def test_too_few_tickets_or_peers_are_not_judged():
    s = summarise(facts(agent("a@x", 3, 0), agent("b@x", 3, 100), agent("c@x", 0, 0)))
    assert set(flags(s).values()) == {None}
    assert all("not judged" in str(x.why) for x in s.agents)
    few = summarise(facts(*[agent(f"a{i}@x", 4, 800) for i in range(3)], agent("q@x", 0, 0)))
    assert str(next(x for x in few.agents if x.facts.email == "q@x").why).startswith(
        "not judged: 0 solved tickets"
    )


def test_when_everyone_gives_the_same_a_fallback_yardstick_is_used():
    team = [agent(f"a{i}@x", 4, 800) for i in range(4)]
    s = summarise(facts(*team, agent("big@x", 4, 1600)))  # 4.00 vs 2.00: 2 yardsticks of 1.00
    assert flags(s)["big@x"] is None
    s = summarise(facts(*team, agent("big@x", 4, 2400)))  # 6.00 vs 2.00: 4 yardsticks
    assert flags(s)["big@x"] == "more generous"


def test_an_empty_day():
    s = summarise(facts())
    assert s.empty and s.first_response == ("-", "-") and s.agents == ()
    quiet = summarise(facts(agent("a@x", 0, 0)))
    assert quiet.empty


def test_percentiles_and_durations():
    values = [60.0 * m for m in (5, 10, 15, 20, 30, 45, 60, 90, 120, 600)]
    s = summarise(facts(first_response_s=tuple(values), resolution_s=(86400.0 * 2 + 3600,)))
    assert tuple(map(str, s.first_response)) == ("30m", "2h 00m")
    assert tuple(map(str, s.resolution)) == ("2d 1h", "2d 1h")
    assert percentile([], 0.5) is None and percentile([1.0], 0.9) == 1.0
    assert str(duration(59)) == "1m" and str(duration(3600 * 5 + 60 * 7)) == "5h 07m"
    assert duration(None) == "-"


def test_budget_shares_and_bars():
    s = summarise(facts(agent("a@x", 2, 5000)))
    [line] = s.agents
    assert (line.day_share, line.month_share) == (25, 40)
    assert [b.px for b in line.credit_bars] == [40] * 8
    assert line.credit_bars[-1].day == DAY and line.credit_bars[-1].value == "50"


def test_local_days_on_daylight_saving_changes():
    start, end = day_range(date(2026, 3, 29), "Europe/Berlin")  # clocks go forward
    assert end - start == timedelta(hours=23)
    assert start.astimezone(UTC) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    start, end = day_range(date(2026, 10, 25), "Europe/Berlin")  # clocks go back
    assert end - start == timedelta(hours=25)
    start, end = day_range(date(2026, 11, 22), "America/New_York")
    assert start.astimezone(UTC) == datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


def test_the_summarys_sentences_are_said_in_the_managers_language():
    from maild.adapters import i18n

    team = [agent(f"a{i}@x", 4, 800 + 50 * i) for i in range(4)]
    s = summarise(facts(*team, agent("big@x", 4, 2400), agent("q@x", 0, 0)))
    de = i18n.speech("de")
    big = next(x for x in s.agents if x.facts.email == "big@x")
    assert de.say(big.why).startswith("6,00 je gelöstem Ticket gegenüber dem Median des Teams")
    q = next(x for x in s.agents if x.facts.email == "q@x")
    assert de.say(q.why) == "nicht beurteilt: 0 gelöste Tickets (nötig sind 5)"
    assert de.say(duration(3600 * 5 + 60 * 7)) == "5 Std. 07 Min."
    assert "Abweichung \u00d7 1,4826" in de.say(s.method)
    assert i18n.speech("fr").say(duration(86400 * 2 + 3600)) == "2 j 1 h"
