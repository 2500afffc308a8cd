"""Latitude against outcome: does an agent's generosity help their customers?

Pure. Over the last 30 days, per agent and for the team: satisfaction (the
share of survey answers that were good), the share of solved tickets the
customer reopened, and credits per solved ticket. One plain-words line where
they disagree: a generous agent whose customers are no happier than the team's,
or a sparing one whose customers are less happy. Each line says what it rests
on; with too few ratings or tickets it says nothing rather than guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from maild.core.words import N_, Msg, Nn_, Said

WINDOW_DAYS = 30
MIN_RATINGS = 5  # ratings an agent needs before their satisfaction is compared
MIN_SOLVED = 5
GENEROUS, SPARING = 1.5, 0.5  # credits per solved ticket against the team's
LESS_HAPPY = 0.15  # satisfaction this far under the team's


@dataclass(frozen=True)
class Outcome:
    """One agent's (or the team's) last 30 days."""

    email: str
    name: str
    solved: int = 0
    reopened: int = 0  # of those tickets, reopened by the customer
    credits_cents: int = 0
    ratings: int = 0
    good: int = 0

    @property
    def satisfaction(self) -> float | None:
        return self.good / self.ratings if self.ratings else None

    @property
    def reopened_share(self) -> float | None:
        return self.reopened / self.solved if self.solved else None

    @property
    def credit_per_solved(self) -> float | None:
        return self.credits_cents / 100 / self.solved if self.solved else None


@dataclass(frozen=True)
class Verdict:
    agent: Outcome
    line: Msg | None  # the disagreement, in words, or None


def method(window: Msg) -> Msg:
    """How the lines are decided, over `window` ("the last 30 days", "the 12 weeks")."""
    return N_(
        "Over %(window)s: 'generous' is %(generous)sx the team's credits per solved ticket "
        "or more, 'sparing' %(sparing)sx or less; 'no happier' is a share of good ratings at "
        "or under the team's, 'less happy' %(less)s%% or more under it; only agents with "
        "%(ratings)s+ ratings and %(solved)s+ solved tickets are judged.",
        window=window,
        generous=Decimal(str(GENEROUS)),
        sparing=Decimal(str(SPARING)),
        less=round(LESS_HAPPY * 100),
        ratings=MIN_RATINGS,
        solved=MIN_SOLVED,
    )


METHOD = method(Nn_("the last %(n)s day", "the last %(n)s days", WINDOW_DAYS))


def team(agents: Sequence[Outcome]) -> Outcome:
    return Outcome(
        "team",
        "the team",
        solved=sum(a.solved for a in agents),
        reopened=sum(a.reopened for a in agents),
        credits_cents=sum(a.credits_cents for a in agents),
        ratings=sum(a.ratings for a in agents),
        good=sum(a.good for a in agents),
    )


def judge(agents: Sequence[Outcome]) -> tuple[Outcome, tuple[Verdict, ...]]:
    whole = team(agents)
    return whole, tuple(Verdict(a, _line(a, whole)) for a in agents)


def _line(a: Outcome, whole: Outcome) -> Msg | None:
    mine, theirs = a.credit_per_solved, whole.credit_per_solved
    happy, team_happy = a.satisfaction, whole.satisfaction
    if a.ratings < MIN_RATINGS or a.solved < MIN_SOLVED or not theirs:
        return None
    if mine is None or happy is None or team_happy is None:
        return None
    values = {
        "name": a.name,
        "times": Decimal(str(mine / theirs)).quantize(Decimal("0.1")),
        "happy": round(happy * 100),
        "theirs": round(team_happy * 100),
        "basis": N_(
            "%(ratings)s ratings, %(solved)s solved tickets", ratings=a.ratings, solved=a.solved
        ),
    }
    if mine >= GENEROUS * theirs and happy <= team_happy:
        return N_(
            "%(name)s gives %(times)sx the team's credits per solved ticket, yet their "
            "customers are no happier (%(happy)s%% good against the team's %(theirs)s%%; "
            "%(basis)s).",
            **values,
        )
    if mine <= SPARING * theirs and happy <= team_happy - LESS_HAPPY:
        return N_(
            "%(name)s gives %(times)sx the team's credits per solved ticket and their "
            "customers are less happy (%(happy)s%% good against the team's %(theirs)s%%; "
            "%(basis)s): more latitude may help.",
            **values,
        )
    return None


WEEKS = 12
WEEKLY_METHOD = method(Nn_("the %(n)s week", "the %(n)s weeks", WEEKS))
_BLOCKS = "▁▂▃▄▅▆▇█"


def spark(values: Sequence[float | None]) -> str:
    """A trend in one line: a block per week, its height the value against the
    largest; a week without data is a dot."""
    known = [v for v in values if v is not None]
    top = max(known) if known else 0
    return "".join(
        "·" if v is None else _BLOCKS[round(v / top * (len(_BLOCKS) - 1)) if top else 0]
        for v in values
    )


@dataclass(frozen=True)
class Trend:
    """One agent (or the team) over the weeks, oldest first."""

    name: Said  # the agent's, or "the team"
    good: str  # sparkline of the share of good ratings
    credits: str  # sparkline of credits per solved ticket
    ratings: int
    solved: int
    satisfaction: float | None  # over all the weeks
    credit_per_solved: float | None


def trends(weeks: Sequence[Sequence[Outcome]]) -> tuple[tuple[Trend, ...], tuple[Verdict, ...]]:
    """Per agent, their weeks as sparklines; and the verdicts over all the weeks."""
    if not weeks:
        return (), ()
    names = [(o.email, o.name) for o in weeks[0]]
    totals = []
    rows = []
    for email, name in names:
        mine = [next(o for o in week if o.email == email) for week in weeks]
        total = _summed(email, name, mine)
        totals.append(total)
        rows.append(_trend(name, mine, total))
    whole = team(totals)
    team_weeks = [team(list(week)) for week in weeks]
    rows.append(_trend(N_("the team"), team_weeks, whole))
    return tuple(rows), tuple(Verdict(a, _line(a, whole)) for a in totals)


def _summed(email: str, name: str, weeks: Sequence[Outcome]) -> Outcome:
    return Outcome(
        email,
        name,
        solved=sum(w.solved for w in weeks),
        reopened=sum(w.reopened for w in weeks),
        credits_cents=sum(w.credits_cents for w in weeks),
        ratings=sum(w.ratings for w in weeks),
        good=sum(w.good for w in weeks),
    )


def _trend(name: Said, weeks: Sequence[Outcome], total: Outcome) -> Trend:
    return Trend(
        name=name,
        good=spark([w.satisfaction for w in weeks]),
        credits=spark([w.credit_per_solved for w in weeks]),
        ratings=total.ratings,
        solved=total.solved,
        satisfaction=total.satisfaction,
        credit_per_solved=total.credit_per_solved,
    )
