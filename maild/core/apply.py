"""One staff mail's command block -> a plan: what each line does, all or nothing.

Pure: the parsed block, the ticket, the actor's limits and usage in; a Plan
out. Each line gets a verdict. A plan applies only when every line is fine;
a credit over a limit makes the whole mail wait for the manager; any refused
line (unknown, malformed, not allowed, denied, impossible) means nothing in
the mail takes effect and nothing reaches the customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from maild.core import policy
from maild.core.commands import (
    REGISTRY,
    Block,
    Change,
    Context,
    Credit,
    Refused,
    Signal,
    Spec,
    TicketState,
)
from maild.core.words import N_, Msg, Said, joined


class Status(StrEnum):
    APPLIED = "applied"
    HELD = "waiting for approval"
    REFUSED = "refused"
    NOT_APPLIED = "not applied"  # fine on its own; another line stopped the mail


@dataclass(frozen=True)
class Line:
    line: int
    raw: str
    name: str | None
    args: Mapping[str, object]
    status: Status
    reason: Said  # str(reason) is the English, as the action row keeps it
    decision: str  # allowed, needs approval, denied, error


@dataclass(frozen=True)
class Plan:
    lines: tuple[Line, ...]
    changes: tuple[Change, ...]
    ticket_before: TicketState
    held_because: str | None = None  # the limits crossed, for the manager

    @property
    def status(self) -> Status:
        if any(x.status is Status.REFUSED for x in self.lines):
            return Status.REFUSED
        if self.held_because is not None:
            return Status.HELD
        return Status.APPLIED

    @property
    def credits(self) -> tuple[Credit, ...]:
        return tuple(c.credit for c in self.changes if c.credit is not None)

    @property
    def signals(self) -> tuple[Signal, ...]:
        return tuple(c.signal for c in self.changes if c.signal is not None)

    @property
    def internal(self) -> bool:
        return any(c.internal for c in self.changes)

    @property
    def inserted(self) -> tuple[str, ...]:
        """Canned words for the reply, in the order their commands stood."""
        return tuple(c.words for c in self.changes if c.words)

    @property
    def announcements(self) -> tuple[Msg, ...]:
        """What the customer is told of the changes, said in their language when sent."""
        return tuple(c.announce for c in self.changes if c.announce)

    @property
    def wants_help(self) -> bool:
        return any(x.name == "help" for x in self.lines)

    @property
    def ticket_after(self) -> TicketState:
        return self.changes[-1].ticket if self.changes else self.ticket_before


def plan(
    block: Block,
    ctx: Context,
    limits: policy.Limits,
    usage: policy.Usage,
    *,
    approver: str | None,
    approved: bool = False,
    registry: Mapping[str, Spec] = REGISTRY,
) -> Plan:
    """Decide every line. `approved`: a manager approved this mail, limits may be crossed."""
    lines: dict[int, Line] = {
        e.line: Line(e.line, e.raw, None, {}, Status.REFUSED, e.reason, "error")
        for e in block.errors
    }
    changes: list[Change] = []
    held: list[Said] = []
    state = ctx.ticket
    for command in block.commands:
        spec = registry[command.name]
        try:
            change = spec.effect(replace(ctx, ticket=state), command.args)
        except Refused as exc:
            lines[command.line] = Line(
                command.line,
                command.raw,
                command.name,
                command.args,
                Status.REFUSED,
                exc.why,
                "denied",
            )
            continue
        status, decision = Status.APPLIED, "allowed"
        reason: Said = change.summary
        if change.credit is not None:
            verdict = policy.decide_credit(
                limits,
                usage,
                change.credit.amount,
                change.credit.currency,
                approver=approver,
                approved=approved,
            )
            match verdict:
                case policy.Denied():
                    status, decision, reason = Status.REFUSED, "denied", verdict.reason
                case policy.NeedsApproval():
                    status, decision, reason = Status.HELD, "needs approval", verdict.reason
                    held.append(verdict.reason)
                case policy.Allowed():
                    reason = joined([change.summary, verdict.reason])
            usage = usage.plus(change.credit.amount)
        lines[command.line] = Line(
            command.line, command.raw, command.name, command.args, status, reason, decision
        )
        changes.append(change)
        state = change.ticket
    ordered = tuple(lines[n] for n in sorted(lines))
    refused = any(x.status is Status.REFUSED for x in ordered)
    if refused or held:
        why = (
            N_("another line in this mail was refused")
            if refused
            else N_("the mail waits for approval")
        )
        ordered = tuple(_stopped(x, why, refused) for x in ordered)
    return Plan(
        ordered,
        tuple(changes),
        ctx.ticket,
        str(joined(held)) if held and not refused else None,
    )


def _stopped(x: Line, why: Said, refused: bool) -> Line:
    if x.status is Status.APPLIED:
        return Line(x.line, x.raw, x.name, x.args, Status.NOT_APPLIED, why, x.decision)
    if x.status is Status.HELD and refused:
        reason = N_("%(reason)s; not sent for approval: %(why)s", reason=x.reason, why=why)
        return Line(x.line, x.raw, x.name, x.args, Status.NOT_APPLIED, reason, x.decision)
    return x
