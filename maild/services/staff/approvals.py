"""Approvals: a mail over an agent's limit waits, whole, for their manager.

The manager answers the request (its token names the ticket) or the daily
summary (`#approve 123`: the number does) with one #approve [note] or
#deny reason. Approved, the held mail runs again through the desk's own path
with the approver recorded; denied or expired, the agent hears why. The
scheduler reminds every few hours and drops what waited too long.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from maild.adapters.db.models import Action, Approval, Ticket
from maild.adapters.db.store import Store
from maild.core import apply, commands, mail, notices, policy, reply
from maild.core.commands import Command
from maild.core.contexts import Approval as ApprovalView
from maild.core.contexts import Receipt
from maild.core.model import ActionStatus, ApprovalStatus, Person, Role
from maild.core.people import Directory
from maild.core.words import N_, Said
from maild.services.rows import Queue
from maild.services.staff import receipts
from maild.services.staff.mail import Result, StaffMail, line_errors
from maild.services.staff.receipts import About, Receipts


@dataclass(frozen=True)
class Ruling:
    """What a manager's mail decides, or why it decides nothing."""

    decision: Command | None
    words: str  # the note of #approve, the reason of #deny
    problem: Said | None


@dataclass
class Approvals:
    directory: Directory
    addressing: notices.Addressing
    queue: Queue
    receipts: Receipts
    timezone: str
    act: Callable[[StaffMail], apply.Plan]  # the desk's path, to run an approved mail
    expire_after: timedelta = timedelta(hours=72)

    # an agent's mail over a limit ---------------------------------------------------
    def hold(self, sm: StaffMail, plan: apply.Plan, manager: str, currency: str) -> None:
        assert sm.ticket is not None and sm.ticket.id is not None and sm.action.id is not None
        total = sum((c.amount for c in plan.credits), Decimal(0))
        approval = sm.store.add(
            Approval(
                ticket_id=sm.ticket.id,
                action_id=sm.action.id,
                inbound_id=sm.action.inbound_id,
                agent=sm.person.email,
                manager=manager,
                crosses=plan.held_because or "",
                words=reply.new_text(sm.mail.text),
                amount_cents=policy.Money(total, currency).cents,
                currency=currency,
                requested_at=sm.now,
            )
        )
        sm.event(
            "approval_requested", approval=approval.id, manager=manager, crosses=approval.crosses
        )
        self._ask(sm.store, approval, sm.ticket, sm.now)

    def _ask(self, store: Store, approval: Approval, ticket: Ticket, now: datetime) -> None:
        """The approval request (or its reminder number approval.reminders) to the manager."""
        assert ticket.id is not None
        agent = self.directory.known(approval.agent, Role.AGENT)
        month = policy.periods(now, self.timezone)[1]
        count, cents = store.credits_since(agent.email, month)
        view = ApprovalView(
            subject=ticket.subject,
            customer=ticket.customer,
            agent_name=agent.name,
            agent_email=agent.email,
            words=approval.words,
            crosses=policy.crossing(approval.crosses),
            amount=policy.Money.from_cents(approval.amount_cents, approval.currency),
            month_count=count,
            month_total=policy.Money.from_cents(cents, approval.currency),
            reminder=approval.reminders,
            requested_at=_aware(approval.requested_at),
            expires_at=_aware(approval.requested_at + self.expire_after),
        )
        manager = self.directory.known(approval.manager, Role.MANAGER)
        cause = f"approval-{approval.id}-{approval.reminders}"
        out = notices.notice("manager/approval", manager, ticket.id, cause, self.addressing, view)
        self.queue(store, [out], now)

    # a manager's mail ---------------------------------------------------------------
    def decide(self, sm: StaffMail) -> Result:
        ruling = self._read(sm)
        ticket = sm.ticket
        waiting = sm.store.waiting_approvals(ticket.id, sm.person.email) if ticket else []
        if ruling.problem is None and ticket is not None and not waiting:
            why = N_(
                "nothing on ticket #%(id)s waits for your decision (decided or expired)",
                id=str(ticket.id),
            )
            ruling = replace(ruling, problem=why)
        status = "refused" if ruling.problem else "applied"
        sm.record_lines(
            {
                "line": c.line,
                "raw": c.raw,
                "name": c.name,
                "status": status,
                "reason": ruling.problem or "",
            }
            for c in sm.block.commands
        )
        if ruling.problem is not None or ruling.decision is None:
            return self._refuse(sm, ruling.problem or "")
        return self._carry(sm, ruling, waiting[0])

    @staticmethod
    def _read(sm: StaffMail) -> Ruling:
        """The one #approve or #deny, its words, and its ticket (sm.ticket, set
        here when the first word names it from the summary)."""
        decisions = [c for c in sm.block.commands if commands.spec(c).decides]
        if sm.block.errors:
            return Ruling(None, "", line_errors(sm.block))
        if len(decisions) != 1:
            return Ruling(
                None,
                "",
                N_("write exactly one #approve [note] or #deny reason at the top of your reply"),
            )
        [decision] = decisions
        words = str(decision.args.get("text", ""))
        if sm.ticket is None:  # from the summary: the first word names the ticket
            named, words = decision.args.get("ticket"), str(decision.args.get("rest", ""))
            if named is None:
                why = N_("name the ticket: #approve 123 [note] or #deny 123 reason")
                return Ruling(decision, "", why)
            sm.ticket = sm.store.ticket(int(str(named)))
            if sm.ticket is None:
                return Ruling(decision, "", N_("there is no ticket #%(number)s", number=str(named)))
        needs = commands.spec(decision).reason_required
        return Ruling(decision, words, needs if needs and not words else None)

    def _refuse(self, sm: StaffMail, problem: Said) -> Result:
        sm.action.status = ActionStatus.REFUSED
        sm.event("decision_refused", reason=str(problem))
        outcome = N_("Nothing was decided: %(why)s.", why=problem)
        view = Receipt(headline=N_("nothing decided"), outcome=outcome)
        self.receipts.reply(sm, self.receipts.with_help(view, sm.person, sm.block))
        return Result(sm.ticket_id, str(problem), ActionStatus.REFUSED)

    def _carry(self, sm: StaffMail, ruling: Ruling, approval: Approval) -> Result:
        decision = ruling.decision
        assert decision is not None and sm.ticket is not None
        approval.decided_at, approval.decided_by = sm.now, sm.person.email
        held = sm.store.action(approval.action_id)
        agent = self.directory.person(approval.agent)
        assert held is not None and agent is not None
        sm.action.status = ActionStatus.APPLIED
        sm.action.lines = [
            {"line": decision.line, "raw": decision.raw, "status": "applied", "reason": ""}
        ]
        decides = commands.spec(decision).decides
        if decides == "denied":
            outcome = self._deny(sm, approval, held, agent, ruling.words)
        else:
            outcome = self._approve(sm, approval, held, agent, ruling.words)
        headline = N_("denied") if decides == "denied" else N_("approved")
        self.receipts.reply(sm, Receipt(headline=headline, outcome=outcome))
        return Result(
            sm.ticket.id, f"{decision.name} of approval #{approval.id}", ActionStatus.APPLIED
        )

    def _deny(
        self, sm: StaffMail, approval: Approval, held: Action, agent: Person, reason: str
    ) -> Said:
        approval.status, approval.note = ApprovalStatus.DENIED, reason
        held.status, held.updated_at = ActionStatus.DENIED, sm.now
        sm.event("approval_denied", approval=approval.id, reason=reason)
        view = receipts.denied(sm.person, reason, held.lines)
        self.receipts.send(sm.store, agent, About(sm.ticket, sm.mail, "denied"), view, sm.now)
        return N_("Denied. %(name)s has been told your reason.", name=agent.name)

    def _approve(
        self, sm: StaffMail, approval: Approval, held: Action, agent: Person, note: str
    ) -> Said:
        approval.status, approval.note = ApprovalStatus.APPROVED, note
        sm.event("approval_approved", approval=approval.id, note=note)
        inbound = sm.store.inbound(approval.inbound_id)
        assert inbound is not None
        m = mail.parse(inbound.raw, max_attachment_bytes=0, max_message_bytes=len(inbound.raw))
        block = commands.parse_block(reply.new_text(m.text), agent.role)
        again = StaffMail(sm.store, m, agent, block, held, sm.now, sm.ticket, approved_by=sm.person)
        if self.act(again).status is apply.Status.APPLIED:
            return N_("Approved. %(name)s's held mail took effect.", name=agent.name)
        return N_(
            "Approved, but %(name)s's held mail could not take effect now "
            "(the ticket changed since): they have the details.",
            name=agent.name,
        )

    # the scheduler's part -----------------------------------------------------------
    def remind_and_expire(self, store: Store, now: datetime, every: timedelta) -> list[str]:
        done = []
        for approval in store.waiting_approvals():
            ticket = store.ticket(approval.ticket_id)
            agent = self.directory.person(approval.agent)
            if ticket is None or agent is None:
                continue
            if now - approval.requested_at >= self.expire_after:
                self._expire(store, approval, ticket, agent, now)
                done.append(f"expired #{approval.id}")
            elif now - (approval.last_reminded_at or approval.requested_at) >= every:
                approval.reminders += 1
                approval.last_reminded_at = now
                self._ask(store, approval, ticket, now)
                done.append(f"reminded #{approval.id}")
        return done

    def _expire(
        self, store: Store, approval: Approval, ticket: Ticket, agent: Person, now: datetime
    ) -> None:
        approval.status, approval.decided_at = ApprovalStatus.EXPIRED, now
        held = store.action(approval.action_id)
        assert held is not None
        held.status, held.updated_at = ActionStatus.EXPIRED, now
        store.event(ticket.id or 0, now, "approval_expired", None, approval=approval.id)
        hours = int(self.expire_after.total_seconds() // 3600)
        view = receipts.dropped(approval.manager, hours, held.lines)
        self.receipts.send(store, agent, About(ticket, None, f"expired-{approval.id}"), view, now)


def _aware(when: datetime) -> datetime:
    """A time the database kept in UTC (naive on SQLite), to write in the reader's zone."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
