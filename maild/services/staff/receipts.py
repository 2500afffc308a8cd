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

from maild.adapters.db.models import Ticket
from maild.adapters.db.store import Store
from maild.core import apply, commands, notices, policy, reply
from maild.core.commands import Block
from maild.core.contexts import Budget, HelpLine, LimitsShown, Receipt
from maild.core.model import ActionStatus, InboundMail, Person, Role
from maild.services.rows import Queue
from maild.services.staff.mail import StaffMail

log = logging.getLogger(__name__)

UNPROVEN_RECEIPTS_PER_HOUR = 5


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
    return LimitsShown(
        currency=limits.currency,
        credit_per_ticket=str(limits.credit_per_ticket),
        credit_per_day=str(limits.credit_per_day),
        credit_per_month=str(limits.credit_per_month),
        credit_per_customer_30d=str(limits.credit_per_customer_30d),
    )


def budget(limits: policy.Limits, used: policy.Usage) -> Budget:
    today, month = policy.left(limits, used)
    return Budget(
        today=str(policy.Money(today, limits.currency)),
        month=str(policy.Money(month, limits.currency)),
        per_ticket=str(policy.Money(limits.credit_per_ticket, limits.currency)),
    )


def outcome(plan: apply.Plan, manager: str | None, approved_by: Person | None) -> str:
    """One sentence: what the mail did, as a whole."""
    match plan.status:
        case apply.Status.REFUSED:
            return "Nothing in your mail took effect."
        case apply.Status.HELD:
            return (
                f"Your whole mail waits for approval by {manager}: {plan.held_because}. "
                "It takes effect, words and all, once approved."
            )
    if approved_by is not None:
        return f"{approved_by.name} approved your held mail; it has now taken effect."
    return "Everything in your mail was applied."


def as_written(block: Block) -> str:
    """The mail's new text as the sender wrote it (command lines, then the words),
    quoted in a refusal so they can correct a line and send it all again."""
    numbered = [(c.line, c.raw) for c in block.commands] + [(e.line, e.raw) for e in block.errors]
    head = "\n".join(raw for _, raw in sorted(numbered))
    return f"{head}\n\n{block.reply}".strip() if block.reply else head


def unsure(text: str) -> str | None:
    """Lines kept that might have been the quote: the writer is told, never cut."""
    count = reply.read(text).unsure
    if not count:
        return None
    lines = "line" if count == 1 else "lines"
    return f"I kept {count} {lines} I could not tell from the quote: check what the customer got."
