"""The summary's facts, aggregated in SQL: counts and sums come back, not rows.

Day boundaries are computed in Python in the manager's time zone (so a DST
day is 23 or 25 hours) and passed as UTC ranges; every query is a range on
an indexed timestamp, grouped by agent. Only the durations of one day's
first responses and resolutions come back as values, for the percentiles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select

from maild.adapters.db.models import (
    Action,
    Approval,
    Escalation,
    Event,
    Ledger,
    Message,
    Survey,
    Ticket,
)
from maild.adapters.db.store import Store
from maild.core import outcome, policy, summary, watch
from maild.core.model import ActionStatus, ApprovalStatus, EscalationStatus, Person
from maild.core.policy import Limits

TREND_DAYS = 8  # the day itself and the seven before it


def day_range(day: date, tz: str) -> tuple[datetime, datetime]:
    """The local day as a UTC range: 23 or 25 hours long on a DST change."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _by_agent(store: Store, query: Any) -> dict[str, Any]:
    return {row[0]: row[1:] for row in store.session.exec(query).all() if row[0] is not None}


def facts(
    store: Store,
    manager: str,
    teams: Sequence[str],
    agents: Sequence[Person],
    limits_for: Callable[[Person], Limits],
    escalation_periods: Callable[[str], timedelta | None],
    day: date,
    tz: str,
    now: datetime,
) -> summary.Facts:
    start, end = day_range(day, tz)
    month_start = day_range(day.replace(day=1), tz)[0]
    emails = [a.email for a in agents]
    in_teams = col(Ticket.team).in_(list(teams))
    count = func.count()

    opened = store.session.exec(
        select(count).where(in_teams, Ticket.created_at >= start, Ticket.created_at < end)
    ).one()
    solved = store.session.exec(
        select(count).where(in_teams, col(Ticket.closed_at) >= start, col(Ticket.closed_at) < end)
    ).one()
    # Open at the end: never closed, or closed after it. Two range counts on the
    # covering (team, closed_at, created_at) index; an OR would scan the whole team.
    open_at_end = sum(
        store.session.exec(select(count).where(in_teams, still, Ticket.created_at < end)).one()
        for still in (col(Ticket.closed_at).is_(None), col(Ticket.closed_at) >= end)
    )
    first = store.session.exec(
        select(Ticket.created_at, Ticket.first_response_at).where(
            in_teams, col(Ticket.first_response_at) >= start, col(Ticket.first_response_at) < end
        )
    ).all()
    resolved = store.session.exec(
        select(Ticket.created_at, Ticket.closed_at).where(
            in_teams, col(Ticket.closed_at) >= start, col(Ticket.closed_at) < end
        )
    ).all()

    trend: dict[str, list[summary.AgentDay]] = {e: [] for e in emails}
    for offset in range(TREND_DAYS - 1, -1, -1):
        d = day - timedelta(days=offset)
        d_start, d_end = day_range(d, tz)
        solved_by = _by_agent(
            store,
            select(Ticket.agent, count)
            .where(
                col(Ticket.agent).in_(emails),
                col(Ticket.closed_at) >= d_start,
                col(Ticket.closed_at) < d_end,
            )
            .group_by(col(Ticket.agent)),
        )
        credited = _by_agent(
            store,
            select(Ledger.agent, func.sum(Ledger.amount_cents))
            .where(
                col(Ledger.agent).in_(emails),
                Ledger.created_at >= d_start,
                Ledger.created_at < d_end,
            )
            .group_by(col(Ledger.agent)),
        )
        for e in emails:
            trend[e].append(
                summary.AgentDay(
                    d,
                    int(solved_by.get(e, (0,))[0]),
                    int(credited.get(e, (0,))[0] or 0),
                )
            )

    credits_day = _by_agent(
        store,
        select(Ledger.agent, count, func.sum(Ledger.amount_cents))
        .where(col(Ledger.agent).in_(emails), Ledger.created_at >= start, Ledger.created_at < end)
        .group_by(col(Ledger.agent)),
    )
    credits_month = _by_agent(
        store,
        select(Ledger.agent, func.sum(Ledger.amount_cents))
        .where(
            col(Ledger.agent).in_(emails), Ledger.created_at >= month_start, Ledger.created_at < end
        )
        .group_by(col(Ledger.agent)),
    )
    replies = _by_agent(
        store,
        select(Message.author, count)
        .where(
            Message.kind == "reply",
            col(Message.author).in_(emails),
            Message.created_at >= start,
            Message.created_at < end,
        )
        .group_by(col(Message.author)),
    )
    refused = _by_agent(
        store,
        select(Action.actor, count)
        .where(
            col(Action.actor).in_(emails),
            col(Action.status).in_([ActionStatus.REFUSED, ActionStatus.UNPROVEN]),
            Action.created_at >= start,
            Action.created_at < end,
        )
        .group_by(col(Action.actor)),
    )
    approvals: dict[str, dict[str, int]] = {e: {} for e in emails}
    for agent, status, n in store.session.exec(
        select(Approval.agent, Approval.status, count)
        .where(
            col(Approval.agent).in_(emails),
            Approval.requested_at >= start,
            Approval.requested_at < end,
        )
        .group_by(col(Approval.agent), col(Approval.status))
    ).all():
        approvals.setdefault(agent, {})[status] = int(n)

    targets = _target_events(store, in_teams, start, end)
    currency = limits_for(agents[0]).currency if agents else "USD"
    agent_facts = []
    for a in agents:
        limits = limits_for(a)
        n_credits, cents = credits_day.get(a.email, (0, 0))
        agent_facts.append(
            summary.AgentFacts(
                email=a.email,
                name=a.name,
                replies=int(replies.get(a.email, (0,))[0]),
                solved=trend[a.email][-1].solved,
                credits=int(n_credits),
                credits_cents=int(cents or 0),
                month_cents=int(credits_month.get(a.email, (0,))[0] or 0),
                day_budget_cents=int(limits.credit_per_day * 100),
                month_budget_cents=int(limits.credit_per_month * 100),
                approvals=approvals.get(a.email, {}),
                refused=int(refused.get(a.email, (0,))[0]),
                trend=tuple(trend[a.email]),
                targets_near=targets.get((a.email, "target_near"), 0),
                targets_breached=targets.get((a.email, "target_breached"), 0),
            )
        )

    escalations = []
    for row in store.session.exec(
        select(Escalation).where(
            Escalation.status == EscalationStatus.OPEN, col(Escalation.agent).in_(emails)
        )
    ).all():
        period = escalation_periods(row.team)
        stale = row.stale_at is not None or (
            period is not None
            and watch.periods_since(row.last_customer_update_at, period, now) >= 2
        )
        escalations.append(
            summary.EscalationFact(
                row.ticket_id,
                row.team,
                row.owner,
                watch.days_since(row.last_customer_update_at, now),
                stale,
            )
        )
    escalations.sort(key=lambda e: (not e.stale, -e.days_since_update))
    waiting = [
        summary.ApprovalFact(
            a.ticket_id,
            a.agent,
            summary.money(a.amount_cents, a.currency),
            policy.crossing(a.crosses),
            round((now - a.requested_at).total_seconds() / 3600, 1),
        )
        for a in store.session.exec(
            select(Approval)
            .where(Approval.status == ApprovalStatus.WAITING, Approval.manager == manager)
            .order_by(col(Approval.requested_at))
        ).all()
    ]
    return summary.Facts(
        manager=manager,
        day=day,
        teams=tuple(teams),
        currency=currency,
        opened=int(opened),
        solved=int(solved),
        open_at_end=int(open_at_end),
        first_response_s=tuple((b - a).total_seconds() for a, b in first if b is not None),
        resolution_s=tuple((b - a).total_seconds() for a, b in resolved if b is not None),
        agents=tuple(agent_facts),
        escalations=tuple(escalations),
        approvals_waiting=tuple(waiting),
        unassigned_near=targets.get((None, "target_near"), 0),
        unassigned_breached=targets.get((None, "target_breached"), 0),
        outcomes=outcomes(store, agents, end),
    )


def weekly_outcomes(
    store: Store, agents: Sequence[Person], end: datetime
) -> list[tuple[outcome.Outcome, ...]]:
    """Each of the last 12 weeks before `end`, oldest first."""
    starts = [end - timedelta(weeks=n) for n in range(outcome.WEEKS, 0, -1)]
    return [outcomes(store, agents, s + timedelta(weeks=1), days=7) for s in starts]


def outcomes(
    store: Store, agents: Sequence[Person], end: datetime, days: int = outcome.WINDOW_DAYS
) -> tuple[outcome.Outcome, ...]:
    """Each agent's `days` before `end`: solved, reopened, credits, ratings (a query each)."""
    emails = [a.email for a in agents]
    since = end - timedelta(days=days)
    mine = col(Ticket.agent).in_(emails)
    solved = _counts(
        store,
        select(Ticket.agent, func.count())
        .where(mine, col(Ticket.closed_at) >= since, col(Ticket.closed_at) < end)
        .group_by(col(Ticket.agent)),
    )
    reopened = _counts(
        store,
        select(Ticket.agent, func.count(func.distinct(Event.ticket_id)))
        .join(Ticket, col(Ticket.id) == col(Event.ticket_id))
        .where(mine, Event.kind == "reopened", Event.at >= since, Event.at < end)
        .group_by(col(Ticket.agent)),
    )
    credits = _counts(
        store,
        select(Ledger.agent, func.sum(Ledger.amount_cents))
        .where(col(Ledger.agent).in_(emails), Ledger.created_at >= since, Ledger.created_at < end)
        .group_by(col(Ledger.agent)),
    )
    answered = col(Survey.answered_at)
    window = (col(Survey.agent).in_(emails), answered >= since, answered < end)
    ratings = _counts(
        store, select(Survey.agent, func.count()).where(*window).group_by(col(Survey.agent))
    )
    good = _counts(
        store,
        select(Survey.agent, func.count())
        .where(*window, col(Survey.score) >= 4)
        .group_by(col(Survey.agent)),
    )
    return tuple(
        outcome.Outcome(
            a.email,
            a.name,
            solved=solved.get(a.email, 0),
            reopened=reopened.get(a.email, 0),
            credits_cents=credits.get(a.email, 0),
            ratings=ratings.get(a.email, 0),
            good=good.get(a.email, 0),
        )
        for a in agents
    )


def _counts(store: Store, query: Any) -> dict[str, int]:
    """(agent, number) rows as a dict; a NULL sum is 0."""
    return {agent: int(values[0] or 0) for agent, values in _by_agent(store, query).items()}


def _target_events(
    store: Store, in_teams: Any, start: datetime, end: datetime
) -> dict[tuple[str | None, str], int]:
    """Response-target reminders that day, by the ticket's agent (None: unassigned)."""
    query = (
        select(Ticket.agent, Event.kind, func.count())
        .join(Ticket, col(Ticket.id) == col(Event.ticket_id))
        .where(
            in_teams,
            col(Event.kind).in_(["target_near", "target_breached"]),
            Event.at >= start,
            Event.at < end,
        )
        .group_by(col(Ticket.agent), col(Event.kind))
    )
    return {(agent, kind): int(n) for agent, kind, n in store.session.exec(query).all()}
