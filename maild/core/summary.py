"""The manager's daily summary: numbers for one manager and one local day, from
plain rows the database already aggregated.

Pure: facts in (counts, a day's durations, per-agent totals for the day and
the seven days before it), a Summary out with nearest-rank medians and 90th
percentiles,
budget shares, trend bars and the flags.

How a flag is decided (the summary prints this too): over the eight days
shown, each agent's credits per solved ticket; agents with at least
MIN_SOLVED solved tickets are judged, and only in a team of at least
MIN_PEERS such agents. The team's median is the reference and the median
absolute deviation (MAD, scaled by 1.4826 to read like a standard
deviation) the yardstick, so one outlier cannot move either. An agent at
least FLAG_AT yardsticks above the median is "more generous", at least
FLAG_AT below is "more sparing". Where nearly everyone gives the same (MAD
0), a quarter of the median, at least 1.00, stands in as the yardstick.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from maild.core import outcome

MIN_SOLVED = 5
MIN_PEERS = 3
FLAG_AT = 3.0
MAD_SCALE = 1.4826
BAR_MAX_PX = 40


@dataclass(frozen=True)
class AgentDay:
    day: date
    solved: int = 0
    credits_cents: int = 0


@dataclass(frozen=True)
class AgentFacts:
    email: str
    name: str
    replies: int = 0
    solved: int = 0
    credits: int = 0
    credits_cents: int = 0
    month_cents: int = 0  # this calendar month, through the reported day
    day_budget_cents: int = 0
    month_budget_cents: int = 0
    approvals: Mapping[str, int] = field(default_factory=dict)  # asked that day, by outcome
    refused: int = 0
    trend: tuple[AgentDay, ...] = ()  # the 7 days before and the day itself, oldest first
    targets_near: int = 0  # response-target reminders that day on their tickets
    targets_breached: int = 0


@dataclass(frozen=True)
class EscalationFact:
    ticket: int
    team: str
    owner: str
    days_since_update: float
    stale: bool


@dataclass(frozen=True)
class ApprovalFact:
    ticket: int
    agent: str
    amount: str
    crosses: str
    waiting_hours: float


@dataclass(frozen=True)
class Facts:
    manager: str
    day: date
    teams: tuple[str, ...]
    currency: str
    opened: int = 0
    solved: int = 0
    open_at_end: int = 0
    first_response_s: tuple[float, ...] = ()  # first responses given that day
    resolution_s: tuple[float, ...] = ()  # tickets solved that day, from opening
    agents: tuple[AgentFacts, ...] = ()
    escalations: tuple[EscalationFact, ...] = ()
    approvals_waiting: tuple[ApprovalFact, ...] = ()
    # Response targets that day on tickets nobody had taken (the team's, not an agent's)
    unassigned_near: int = 0
    unassigned_breached: int = 0
    outcomes: tuple[outcome.Outcome, ...] = ()  # the last 30 days, per agent


@dataclass(frozen=True)
class Bar:
    day: str  # "Mo 16"
    value: str
    px: int  # 0..BAR_MAX_PX


@dataclass(frozen=True)
class AgentLine:
    facts: AgentFacts
    average: str
    day_share: int | None  # percent of the daily budget used that day
    month_share: int | None
    ratio: float | None  # credits per solved ticket over the 8 days, in units
    flag: str | None  # "more generous", "more sparing"
    why: str
    credit_bars: tuple[Bar, ...]
    solved_bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Summary:
    facts: Facts
    first_response: tuple[str, str]  # median, 90th percentile, as words
    resolution: tuple[str, str]
    agents: tuple[AgentLine, ...]
    team_median: float | None
    method: str
    outcome_team: outcome.Outcome | None = None
    outcome_lines: tuple[outcome.Verdict, ...] = ()
    outcome_method: str = outcome.METHOD

    @property
    def breached(self) -> int:
        """Response targets breached that day, the team's tickets all told."""
        f = self.facts
        return sum(a.targets_breached for a in f.agents) + f.unassigned_breached

    @property
    def near(self) -> int:
        f = self.facts
        return sum(a.targets_near for a in f.agents) + f.unassigned_near

    @property
    def empty(self) -> bool:
        f = self.facts
        busy = any(
            a.replies
            or a.solved
            or a.credits
            or a.refused
            or sum(a.approvals.values())
            or a.targets_breached
            or a.targets_near
            for a in f.agents
        ) or bool(f.unassigned_near or f.unassigned_breached)
        return not (
            f.opened or f.solved or busy or f.escalations or f.approvals_waiting or f.open_at_end
        )


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def money(cents: int | float, currency: str) -> str:
    return f"{currency} {cents / 100:,.2f}"


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _bars(values: Sequence[tuple[date, int]], shown: Sequence[str]) -> tuple[Bar, ...]:
    top = max((v for _, v in values), default=0)
    return tuple(
        Bar(
            f"{d:%a}"[:2] + f" {d.day}",
            label,
            round(BAR_MAX_PX * v / top) if top else 0,
        )
        for (d, v), label in zip(values, shown, strict=True)
    )


def flags(agents: Sequence[AgentFacts]) -> tuple[dict[str, tuple[str | None, str]], float | None]:
    """Per agent: (flag, the sentence saying why); and the team median ratio."""
    window = {
        a.email: (sum(d.solved for d in a.trend), sum(d.credits_cents for d in a.trend))
        for a in agents
    }
    ratios = {e: c / 100 / s for e, (s, c) in window.items() if s >= MIN_SOLVED}
    out: dict[str, tuple[str | None, str]] = {}
    if len(ratios) < MIN_PEERS:
        for a in agents:
            out[a.email] = (
                None,
                f"not judged: fewer than {MIN_PEERS} agents with "
                f"{MIN_SOLVED}+ solved tickets in these 8 days",
            )
        return out, None
    median = statistics.median(ratios.values())
    mad = statistics.median(abs(r - median) for r in ratios.values())
    yardstick = MAD_SCALE * mad if mad > 0 else max(0.25 * median, 1.0)
    for a in agents:
        solved, _ = window[a.email]
        if a.email not in ratios:
            out[a.email] = (None, f"not judged: {solved} solved tickets (needs {MIN_SOLVED})")
            continue
        z = (ratios[a.email] - median) / yardstick
        flag = "more generous" if z >= FLAG_AT else "more sparing" if z <= -FLAG_AT else None
        direction = "above" if z >= 0 else "below"
        out[a.email] = (
            flag,
            f"{ratios[a.email]:.2f} per solved ticket vs the team's median {median:.2f}: "
            f"{abs(z):.1f} spreads {direction} (flagged at {FLAG_AT:.0f})",
        )
    return out, median


def summarise(f: Facts) -> Summary:
    judged, median = flags(f.agents)
    lines = []
    for a in f.agents:
        flag, why = judged[a.email]
        credit_values = [(d.day, d.credits_cents) for d in a.trend]
        solved_values = [(d.day, d.solved) for d in a.trend]
        solved_w = sum(d.solved for d in a.trend)
        lines.append(
            AgentLine(
                facts=a,
                average=money(a.credits_cents / a.credits, f.currency) if a.credits else "-",
                day_share=_share(a.credits_cents, a.day_budget_cents),
                month_share=_share(a.month_cents, a.month_budget_cents),
                ratio=(sum(d.credits_cents for d in a.trend) / 100 / solved_w)
                if solved_w
                else None,
                flag=flag,
                why=why,
                credit_bars=_bars(credit_values, [f"{c / 100:.0f}" for _, c in credit_values]),
                solved_bars=_bars(solved_values, [str(s) for _, s in solved_values]),
            )
        )
    # flagged first, then the most generous: what a manager should read first
    lines.sort(key=lambda x: (x.flag is None, -(x.ratio or 0), x.facts.name))
    whole, verdicts = outcome.judge(f.outcomes) if f.outcomes else (None, ())
    return Summary(
        outcome_team=whole,
        outcome_lines=verdicts,
        facts=f,
        first_response=(
            duration(percentile(f.first_response_s, 0.5)),
            duration(percentile(f.first_response_s, 0.9)),
        ),
        resolution=(
            duration(percentile(f.resolution_s, 0.5)),
            duration(percentile(f.resolution_s, 0.9)),
        ),
        agents=tuple(lines),
        team_median=median,
        method=(
            f"Flags compare each agent's credits per solved ticket over these 8 days with the "
            f"team's median, in spreads (median absolute deviation x {MAD_SCALE}); flagged at "
            f"{FLAG_AT:.0f} spreads, only agents with {MIN_SOLVED}+ solved tickets, only with "
            f"{MIN_PEERS}+ such agents."
        ),
    )
