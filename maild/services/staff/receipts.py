"""Receipts: the sender hears what became of each line of their mail.

A receipt goes to the person's configured address, never to one the mail
names, so a forger cannot aim it anywhere. Mails that run nothing (unproven,
replays) get a few receipts an hour at most: a forger can make maild write to
an agent, never flood them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from maild.adapters.db.models import Ticket
from maild.adapters.db.store import Store
from maild.core import apply, commands, notices, policy, reply, words
from maild.core.commands import Block
from maild.core.contexts import Budget, HelpLine, LimitsShown, Receipt
from maild.core.model import ActionStatus, InboundMail, Person, Role
from maild.core.words import N_, Nn_, Said
from maild.services.rows import Queue
from maild.services.staff.mail import StaffMail

log = logging.getLogger(__name__)

UNPROVEN_RECEIPTS_PER_HOUR = 5
# A receipt's subject: "Receipt: applied"
HEADLINES = {
    apply.Status.APPLIED: N_("applied"),
    apply.Status.HELD: N_("waiting for approval"),
    apply.Status.REFUSED: N_("refused"),
}


@dataclass(frozen=True)
class About:
    """What a receipt answers: the ticket, the staff mail (none for the scheduler's), why."""

    ticket: Ticket | None
    mail: InboundMail | None
    cause: str = "receipt"  # with the mail, makes the receipt's Message-ID


@dataclass
class Receipts:
    addressing: notices.Addressing
    queue: Queue
    limits: Callable[[Person], policy.Limits]
    mode: str  # "always" or "errors"

    def send(self, store: Store, to: Person, about: About, view: Receipt, now: datetime) -> None:
        ticket, m = about.ticket, about.mail
        ticket_id = ticket.id if ticket is not None and ticket.id is not None else 0
        key = f"{m.content_hash if m else ''}:{about.cause}"
        thread = (m.message_id,) if m is not None else ()
        out = notices.notice(
            "staff/receipt", to, ticket_id, key, self.addressing, view, thread=thread
        )
        self.queue(store, [out], now)

    def reply(self, sm: StaffMail, view: Receipt, cause: str = "receipt") -> None:
        """A receipt to the mail's sender."""
        self.send(sm.store, sm.person, About(sm.ticket, sm.mail, cause), view, sm.now)

    def capped(self, sm: StaffMail, view: Receipt, cause: str = "receipt") -> None:
        """A receipt for a mail that ran nothing, within the hourly cap."""
        since = sm.now - timedelta(hours=1)
        sm.store.session.flush()  # this mail's own row counts, with its status
        stopped = (ActionStatus.UNPROVEN, ActionStatus.REPLAY)
        recent = sm.store.actions_since(sm.person.email, stopped, since)
        if recent <= UNPROVEN_RECEIPTS_PER_HOUR:
            self.reply(sm, view, cause)
        else:
            log.warning(
                "%s: no receipt, %d unproven mails in the last hour", sm.person.email, recent
            )

    def after_plan(self, sm: StaffMail, plan: apply.Plan, view: Receipt) -> None:
        """An agent's or owner's commands: a receipt always, or on errors only; and
        for a plain answer whose files did not all go (a program, over the cap)."""
        if not (sm.block.commands or sm.block.errors or sm.files_held):
            return
        errors = plan.status is not apply.Status.APPLIED or sm.approved_by is not None
        listing = any(commands.spec(c).lists_macros for c in sm.block.commands)
        if self.mode == "always" or errors or plan.wants_help or listing or sm.files_held:
            self.reply(sm, self.with_help(view, sm.person, sm.block), cause=str(plan.status))

    def with_help(self, view: Receipt, person: Person, block: Block) -> Receipt:
        """#help: the sender's own commands and, for an agent, their limits;
        #macros: the canned replies."""
        if any(commands.spec(c).lists_macros for c in block.commands):
            view = replace(view, macros=tuple(self.queue.renderer.macro_names()))
        if not any(commands.spec(c).lists_help for c in block.commands):
            return view
        helps = tuple(HelpLine(s.usage, s.help) for s in commands.commands_for(person.role))
        limits = self.limits(person) if person.role is Role.AGENT else None
        return replace(view, help=helps, limits=shown_limits(limits) if limits else None)


def shown_limits(limits: policy.Limits) -> LimitsShown:
    c = limits.currency
    return LimitsShown(
        credit_per_ticket=policy.Money(limits.credit_per_ticket, c),
        credit_per_day=policy.Money(limits.credit_per_day, c),
        credit_per_month=policy.Money(limits.credit_per_month, c),
        credit_per_customer_30d=policy.Money(limits.credit_per_customer_30d, c),
    )


def budget(limits: policy.Limits, used: policy.Usage) -> Budget:
    today, month = policy.left(limits, used)
    return Budget(
        today=policy.Money(today, limits.currency),
        month=policy.Money(month, limits.currency),
        per_ticket=policy.Money(limits.credit_per_ticket, limits.currency),
    )


def shown(lines: tuple[apply.Line, ...]) -> tuple[dict[str, object], ...]:
    """A plan's lines for the receipt: each reason in the reader's language (the action
    row keeps the English: line_record)."""
    return tuple(
        {"line": x.line, "raw": x.raw, "status": str(x.status), "reason": x.reason} for x in lines
    )


def outcome(
    plan: apply.Plan, manager: str | None, approved_by: Person | None, opened: Said | None = None
) -> Said:
    """One sentence: what the mail did, as a whole (after what a forward opened)."""
    said = _outcome(plan, manager, approved_by)
    return N_("%(first)s %(then)s", first=opened, then=said) if opened else said


def _outcome(plan: apply.Plan, manager: str | None, approved_by: Person | None) -> Said:
    match plan.status:
        case apply.Status.REFUSED:
            return N_("Nothing in your mail took effect.")
        case apply.Status.HELD:
            held = [x.reason for x in plan.lines if x.status is apply.Status.HELD]
            return N_(
                "Your whole mail waits for approval by %(manager)s: %(why)s. "
                "It takes effect, words and all, once approved.",
                manager=str(manager),
                why=words.joined(held),
            )
    if approved_by is not None:
        return N_(
            "%(name)s approved your held mail; it has now taken effect.", name=approved_by.name
        )
    return N_("Everything in your mail was applied.")


def as_written(block: Block) -> str:
    """The mail's new text as the sender wrote it (command lines, then the words),
    quoted in a refusal so they can correct a line and send it all again."""
    numbered = [(c.line, c.raw) for c in block.commands] + [(e.line, e.raw) for e in block.errors]
    head = "\n".join(raw for _, raw in sorted(numbered))
    return f"{head}\n\n{block.reply}".strip() if block.reply else head


def unsure(text: str) -> Said | None:
    """Lines kept that might have been the quote: the writer is told, never cut."""
    count = reply.read(text).unsure
    if not count:
        return None
    return Nn_(
        "I kept %(n)s line I could not tell from the quote: check what the customer got.",
        "I kept %(n)s lines I could not tell from the quote: check what the customer got.",
        count,
    )


def denied(manager: Person, reason: str, held: list[dict[str, Any]]) -> Receipt:
    """To the agent whose held mail the manager denied."""
    return Receipt(
        headline=N_("denied"),
        outcome=N_(
            "%(name)s denied your held mail: %(reason)s. Nothing in it took effect.",
            name=manager.name,
            reason=reason,
        ),
        lines=tuple({**x, "status": "not applied", "reason": N_("denied")} for x in held),
    )


def dropped(manager: str, hours: int, held: list[dict[str, Any]]) -> Receipt:
    """To the agent whose held mail nobody decided in time."""
    return Receipt(
        headline=N_("dropped, not decided in time"),
        outcome=Nn_(
            "Your held mail was dropped: %(manager)s did not decide within %(n)s hour."
            " Nothing in it took effect; send it again if it still applies.",
            "Your held mail was dropped: %(manager)s did not decide within %(n)s hours."
            " Nothing in it took effect; send it again if it still applies.",
            hours,
            manager=manager,
        ),
        lines=tuple({**x, "status": "not applied", "reason": N_("expired")} for x in held),
    )
