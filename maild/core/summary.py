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
from decimal import Decimal

from maild.core import outcome
from maild.core.policy import Money
from maild.core.words import N_, Msg, Nn_, Said

MIN_SOLVED = 5
MIN_PEERS = 3
FLAG_AT = 3.0
MAD_SCALE = 1.4826
BAR_MAX_PX = 40
METHOD = N_(
    "Flags compare each agent's credits per solved ticket over these 8 days with the "
    "team's median, in spreads (median absolute deviation x %(scale)s); flagged at "
    "%(at)s spreads, only agents with %(needed)s+ solved tickets, only with "
    "%(peers)s+ such agents.",
    scale=Decimal(str(MAD_SCALE)),
    at=round(FLAG_AT),
    needed=MIN_SOLVED,
    peers=MIN_PEERS,
)


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
    amount: Money
    crosses: tuple[Said, ...]  # the limits crossed, one sentence each (policy.crossing)
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
    day: date  # written as the reader's locale shortens it: "16 Mon", "Mo., 16."
    value: str
    px: int  # 0..BAR_MAX_PX


@dataclass(frozen=True)
class AgentLine:
    facts: AgentFacts
    average: Money | None  # per credit
    day_share: int | None  # percent of the daily budget used that day
    month_share: int | None
    ratio: float | None  # credits per solved ticket over the 8 days, in units
    flag: str | None  # "more generous", "more sparing": a key, the templates say it
    why: Msg
    credit_bars: tuple[Bar, ...]
    solved_bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Summary:
    facts: Facts
    first_response: tuple[Said, Said]  # median, 90th percentile, as words
    resolution: tuple[Said, Said]
    agents: tuple[AgentLine, ...]
    team_median: float | None
    method: Msg
    outcome_team: outcome.Outcome | None = None
    outcome_lines: tuple[outcome.Verdict, ...] = ()
    outcome_method: Msg = outcome.METHOD

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


def duration(seconds: float | None) -> Said:
    """A short time as a table shows it: "30m", "2h 07m", "2d 1h" ("-": none)."""
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    if minutes < 60:
        return N_("%(minutes)sm", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return N_("%(hours)sh %(minutes)sm", hours=hours, minutes=str(minutes).zfill(2))
    days, hours = divmod(hours, 24)
    return N_("%(days)sd %(hours)sh", days=days, hours=hours)


def money(cents: int | float, currency: str) -> Money:
    return Money.from_cents(round(cents), currency)


def _places(value: float, places: int) -> Decimal:
    """A number to say with exactly `places` decimals (6.00, 1.5): the locale writes it."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _bars(values: Sequence[tuple[date, int]], shown: Sequence[str]) -> tuple[Bar, ...]:
    top = max((v for _, v in values), default=0)
    return tuple(
        Bar(
            d,
            label,
            round(BAR_MAX_PX * v / top) if top else 0,
        )
        for (d, v), label in zip(values, shown, strict=True)
    )


def flags(agents: Sequence[AgentFacts]) -> tuple[dict[str, tuple[str | None, Msg]], float | None]:
    """Per agent: (flag, the sentence saying why); and the team median ratio."""
    window = {
        a.email: (sum(d.solved for d in a.trend), sum(d.credits_cents for d in a.trend))
        for a in agents
    }
    ratios = {e: c / 100 / s for e, (s, c) in window.items() if s >= MIN_SOLVED}
    out: dict[str, tuple[str | None, Msg]] = {}
    if len(ratios) < MIN_PEERS:
        for a in agents:
            out[a.email] = (
                None,
                N_(
                    "not judged: fewer than %(peers)s agents with %(needed)s+ solved tickets "
                    "in these 8 days",
                    peers=MIN_PEERS,
                    needed=MIN_SOLVED,
                ),
            )
        return out, None
    median = statistics.median(ratios.values())
    mad = statistics.median(abs(r - median) for r in ratios.values())
    yardstick = MAD_SCALE * mad if mad > 0 else max(0.25 * median, 1.0)
    for a in agents:
        solved, _ = window[a.email]
        if a.email not in ratios:
            out[a.email] = (
                None,
                Nn_(
                    "not judged: %(n)s solved ticket (needs %(needed)s)",
                    "not judged: %(n)s solved tickets (needs %(needed)s)",
                    solved,
                    needed=MIN_SOLVED,
                ),
            )
            continue
        z = (ratios[a.email] - median) / yardstick
        flag = "more generous" if z >= FLAG_AT else "more sparing" if z <= -FLAG_AT else None
        values = {
            "ratio": _places(ratios[a.email], 2),
            "median": _places(median, 2),
            "spreads": _places(abs(z), 1),
            "at": round(FLAG_AT),
        }
        if z >= 0:
            why = N_(
                "%(ratio)s per solved ticket vs the team's median %(median)s: "
                "%(spreads)s spreads above (flagged at %(at)s)",
                **values,
            )
        else:
            why = N_(
                "%(ratio)s per solved ticket vs the team's median %(median)s: "
                "%(spreads)s spreads below (flagged at %(at)s)",
                **values,
            )
        out[a.email] = (flag, why)
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
                average=money(a.credits_cents / a.credits, f.currency) if a.credits else None,
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
        method=METHOD,
    )
