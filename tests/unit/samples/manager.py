"""What managers read: manager/* (the approval request, the coaching answer, FYI copies,
the daily summary, the weekly mail), with the core's own sentences as it writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from maild.core import outcome, policy, summary
from maild.core.contexts import Approval, CoachingAnswer, Fyi, FyiItem, Weekly
from maild.core.contexts import Summary as SummaryView
from maild.core.policy import Limits, Money, Usage
from maild.core.words import N_

DAY = date(2026, 12, 6)
ASKED = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _crosses() -> tuple[object, ...]:
    over = policy.crossed(
        Limits(currency="EUR"), Usage(today=Decimal(180), customer_30d=Decimal(100)), Decimal(80)
    )
    return policy.crossing("; ".join(str(sentence) for _key, sentence in over))


def _approval(reminder: int = 0, subject: str = "Kettle arrived broken") -> Approval:
    return Approval(
        subject=subject,
        customer="jonas@example.de",
        agent_name="Dana Agent",
        agent_email="dana@acme.example",
        words="#credit 80 broken kettle\nSorry Jonas, a refund is on its way.",
        crosses=_crosses(),  # type: ignore[arg-type]
        amount=Money(Decimal("80.00"), "EUR"),
        month_count=12,
        month_total=Money(Decimal("1234.50"), "EUR"),
        reminder=reminder,
        requested_at=ASKED,
        expires_at=ASKED + timedelta(hours=72),
    )


def _agent(email: str, name: str, solved: int, cents: int, **kw: object) -> summary.AgentFacts:
    trend = tuple(summary.AgentDay(DAY - timedelta(days=7 - i), solved, cents) for i in range(8))
    return summary.AgentFacts(
        email=email,
        name=name,
        replies=solved + 3,
        solved=solved,
        credits=2 if cents else 0,
        credits_cents=cents,
        month_cents=cents * 8,
        day_budget_cents=20000,
        month_budget_cents=100000,
        trend=trend,
        **kw,  # type: ignore[arg-type]
    )


def _busy() -> summary.Summary:
    agents = (
        _agent(
            "dana@acme.example",
            "Dana Agent",
            4,
            2400,
            approvals={"approved": 1, "waiting": 1, "denied": 1, "expired": 1},
            refused=1,
            targets_breached=1,
            targets_near=2,
        ),
        *(_agent(f"a{i}@acme.example", f"Agent {i}", 4, 800 + 50 * i) for i in range(3)),
        _agent("lee@acme.example", "Lee Agent", 6, 0),
        _agent("kim@acme.example", "Kim Agent", 0, 0),
    )
    outcomes = (
        outcome.Outcome("dana@acme.example", "Dana Agent", 10, 1, 50_000, 10, 5),
        outcome.Outcome("lee@acme.example", "Lee Agent", 10, 0, 10_000, 10, 8),
        outcome.Outcome("kim@acme.example", "Kim Agent", 10, 2, 1_000, 10, 3),
        outcome.Outcome("new@acme.example", "New Agent", 0, 0, 0, 0, 0),
    )
    f = summary.Facts(
        "maria@acme.example",
        DAY,
        ("tier1", "billing"),
        "EUR",
        opened=1234,
        solved=5,
        open_at_end=9,
        first_response_s=(1800.0, 7500.0, 200.0),
        resolution_s=(180000.0,),
        agents=agents,
        escalations=(
            summary.EscalationFact(7, "tier1", "erin@acme.example", 2.5, True),
            summary.EscalationFact(8, "billing", "erin@acme.example", 0.01, False),
            summary.EscalationFact(9, "billing", "erin@acme.example", 0.4, False),
            summary.EscalationFact(10, "billing", "erin@acme.example", 1.0, False),
        ),
        approvals_waiting=(
            summary.ApprovalFact(
                7, "dana@acme.example", Money(Decimal("80"), "EUR"), _crosses(), 3.5
            ),
        ),
        unassigned_near=1,
        unassigned_breached=1,
        outcomes=outcomes,
    )
    return summary.summarise(f)


def _quiet() -> summary.Summary:
    """One approval waiting, one agent, nobody judged, no outcome section."""
    f = summary.Facts(
        "maria@acme.example",
        DAY,
        ("tier1",),
        "EUR",
        opened=1,
        solved=0,
        open_at_end=1,
        agents=(_agent("dana@acme.example", "Dana Agent", 0, 0),),
        approvals_waiting=(
            summary.ApprovalFact(
                7,
                "dana@acme.example",
                Money(Decimal("80"), "EUR"),
                ("over a limit the config no longer has",),
                1.0,
            ),
        ),
    )
    return summary.summarise(f)


def _empty() -> summary.Summary:
    return summary.summarise(summary.Facts("maria@acme.example", DAY, ("tier1",), "EUR"))


def _weekly(lines: bool) -> Weekly:
    week = [
        outcome.Outcome("dana@acme.example", "Dana Agent", 3, 0, 15_000, 3, 2),
        outcome.Outcome("lee@acme.example", "Lee Agent", 3, 0, 3_000, 3, 3),
        outcome.Outcome("kim@acme.example", "Kim Agent", 0, 0, 0, 0, 0),
    ]
    empty = [outcome.Outcome(o.email, o.name) for o in week]
    trends, verdicts = outcome.trends([week, empty, week, week] if lines else [empty, empty])
    return Weekly(
        teams="tier1, billing",
        first_week=date(2026, 9, 14),
        last_week=date(2026, 12, 6),
        currency="EUR",
        trends=trends,
        lines=tuple(v.line for v in verdicts if v.line),
        method=outcome.WEEKLY_METHOD,
    )


SAMPLES = {
    "manager/approval": [_approval(), _approval(reminder=2, subject="")],
    "manager/coaching-answer": [
        CoachingAnswer(
            agent_name="Dana Agent",
            words="Thanks, I will ask for photos next time.",
            coached="Ask for a photo before crediting a broken kettle.",
            subject="Kettle arrived broken",
        ),
        CoachingAnswer(
            agent_name="Dana Agent", words="Done.", coached="Please call him.", subject=""
        ),
    ],
    "manager/fyi": [
        Fyi(
            items=(
                FyiItem(
                    7,
                    N_(
                        "%(name)s credited %(amount)s (%(reason)s)",
                        name="Dana Agent",
                        amount=Money(Decimal("80.00"), "EUR"),
                        reason="broken kettle",
                    ),
                    "Kettle arrived broken",
                ),
            ),
            bundled=False,
        ),
        Fyi(
            items=(
                FyiItem(
                    7,
                    N_(
                        "%(name)s credited %(amount)s",
                        name="Dana Agent",
                        amount=Money(Decimal("80.00"), "EUR"),
                    ),
                    "",
                ),
                FyiItem(
                    8,
                    N_("%(name)s escalated it to %(team)s", name="Lee Agent", team="billing"),
                    "Invoice twice",
                ),
                FyiItem(9, N_("%(name)s reopened it", name="Lee Agent"), "Lid loose"),
                FyiItem(
                    10,
                    N_("%(sender)s wrote again after it was closed", sender="jonas@example.de"),
                    "Lid loose",
                ),
            ),
            bundled=True,
        ),
    ],
    "manager/summary": [
        SummaryView(s=_busy(), day=DAY, teams="tier1, billing"),
        SummaryView(s=_quiet(), day=DAY, teams="tier1"),
        SummaryView(s=_empty(), day=DAY, teams="tier1"),
    ],
    "manager/weekly": [_weekly(lines=True), _weekly(lines=False)],
}
