"""Staff mail: an agent's or a manager's answer, one mail one transaction.

The story of a staff mail, top to bottom:
  1. the new text above the quote (core.reply) and its command block
     (core.commands);
  2. prove the sender (core.auth): a mail that fails runs nothing, sends
     nothing to the customer and claims no replay key; the receipt goes to
     the person's configured address;
  3. stop a replay: a proven mail with the same Message-ID, or the same
     sender, Date, text and ticket, was acted on already;
  4. a manager's #approve / #deny decides a held mail;
  5. plan every line against the ticket and the agent's limits (core.apply,
     core.policy), the budgets read under a lock;
  6. refused: nothing applies; over a limit: the whole mail waits for the
     manager; otherwise the ticket changes, credits go in the ledger, the
     reply goes to the customer;
  7. every line is an event on the ticket, and the sender gets a receipt.
The caller (services.ingest) holds the transaction: all of it commits, or
none of it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from maild.adapters.db.models import Action, Approval, Ledger, Message, Ticket
from maild.adapters.db.store import Store
from maild.core import apply, auth, commands, mail, notices, policy, reply
from maild.core.auth import Verdict
from maild.core.commands import Block, Context, TicketState, Update
from maild.core.model import (
    ActionStatus,
    ApprovalStatus,
    InboundMail,
    Person,
    Role,
    TicketStatus,
)
from maild.core.people import Directory
from maild.services.escalations import Escalations
from maild.services.rows import Queue, record_message

log = logging.getLogger(__name__)


UNPROVEN_RECEIPTS_PER_HOUR = 5


@dataclass(frozen=True)
class Result:
    ticket_id: int | None
    reason: str
    status: str  # what became of the mail: an ActionStatus (applied, refused, ...)


def fingerprint(person: str, m: InboundMail, text: str, ticket_id: int | None) -> str:
    """Sender, Date, new text and ticket: a replay under a fresh Message-ID still
    matches, and one canned reply sent to several tickets at once does not."""
    when = m.date.isoformat() if m.date else m.message_id
    parts = (person, when, text, str(ticket_id or 0))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def state_of(t: Ticket) -> TicketState:
    assert t.id is not None
    return TicketState(t.id, t.customer, t.status, t.priority, t.agent, t.team)


def _no_ticket(verdict: Verdict) -> Verdict:
    detail = "the mail names no ticket: answer that ticket's notification"
    return Verdict((*verdict.checks, auth.Check("ticket", False, detail)), None)


def _jsonable(args: Mapping[str, object]) -> dict[str, object]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in args.items()}


def _line_dict(x: apply.Line) -> dict[str, Any]:
    return {
        "line": x.line,
        "raw": x.raw,
        "name": x.name,
        "args": _jsonable(x.args),
        "status": str(x.status),
        "decision": x.decision,
        "reason": x.reason,
    }


@dataclass
class StaffDesk:
    directory: Directory
    addressing: notices.Addressing
    auth: auth.Policy
    limits: Callable[[Person], policy.Limits]
    managers: Mapping[str, str]  # team -> manager address
    timezone: str
    receipts: str  # "always" or "errors"
    queue: Queue
    escalations: Escalations
    expire_after: timedelta = timedelta(hours=72)

    # the story -----------------------------------------------------------
    def handle(
        self,
        store: Store,
        inbound_id: int,
        m: InboundMail,
        person: Person,
        routed: int | None,
        now: datetime,
    ) -> Result:
        text = reply.new_text(m.text)
        block = commands.parse_block(text, person.role)
        verdict = auth.prove(m, person, self.auth)
        ticket = store.ticket((verdict.ticket_id if verdict.ok else routed) or 0)
        ticket_id = ticket.id if ticket is not None else None
        # Only a proven mail that can act claims a replay key: an unproven one
        # (a forgery under a genuine Message-ID) must not lock the genuine one out.
        acts = verdict.ok and (ticket_id is not None or person.role is Role.MANAGER)
        key = fingerprint(person.email, m, text, ticket_id) if acts else None
        seen = store.action_seen(key, m.message_id) if key else None
        if seen is not None:
            return self._replay(store, inbound_id, m, person, ticket, seen, verdict, now)
        if ticket_id is not None:
            record_message(store, ticket_id, inbound_id, m, "staff", now)
        action = self._action(store, inbound_id, m, person, ticket_id, key, verdict, now)
        if not verdict.ok:
            return self._unproven(store, m, person, ticket, block, verdict, action, now)
        if person.role is Role.MANAGER:
            return self._decide(store, m, person, ticket, block, action, now)
        if ticket is None or ticket.id is None:  # a token for no ticket (a receipt, a summary)
            return self._unproven(store, m, person, None, block, _no_ticket(verdict), action, now)
        if person.role is Role.OWNER and not self.escalations.is_owner(store, ticket.id, person):
            return self._not_yours(store, m, person, ticket, block, action, now)
        plan = self._act(store, m, person, ticket, block, action, now)
        return Result(ticket.id, f"{person.role} mail: {plan.status}", plan.status)

    # 3. a mail that is not proven -------------------------------------------
    def _unproven(
        self,
        store: Store,
        m: InboundMail,
        person: Person,
        ticket: Ticket | None,
        block: Block,
        verdict: Verdict,
        action: Action,
        now: datetime,
    ) -> Result:
        why = f"not proven to come from {person.email}: {verdict.reason}"
        action.status = (
            ActionStatus.UNPROVEN
        )  # also a proven mail naming no ticket: nothing can run
        action.lines = [
            {"line": c.line, "raw": c.raw, "status": "not run", "reason": why}
            for c in block.commands
        ]
        if ticket is not None and ticket.id is not None:
            store.event(
                ticket.id, now, "staff_mail_unproven", person.email, reason=why, auth=action.auth
            )
            for line in action.lines:  # every command attempt is an event, run or not
                store.event(
                    ticket.id, now, "command", person.email, message_id=m.message_id, **line
                )
        log.warning("%s: %s", m.message_id, why)
        proven = all(c.ok for c in verdict.checks if c.name != "ticket")
        context = {
            "headline": "not run, no ticket named" if proven else "not run, sender not proven",
            "outcome": "Nothing in your mail took effect: it names no ticket."
            if proven
            else "Nothing in your mail took effect: maild could not prove it came from you.",
            "lines": action.lines,
            "auth_failed": verdict.reason,
        }
        self._capped_receipt(store, person, ticket, m, context, now)
        return Result(ticket.id if ticket else None, why, ActionStatus.UNPROVEN)

    def _replay(
        self,
        store: Store,
        inbound_id: int,
        m: InboundMail,
        person: Person,
        ticket: Ticket | None,
        seen: Action,
        verdict: Verdict,
        now: datetime,
    ) -> Result:
        """A proven mail acted on already, again: recorded, nothing runs, and the
        sender hears so (a forger replaying it cannot flood them: the same cap)."""
        why = f"replay of a mail acted on already (action #{seen.id})"
        ticket_id = ticket.id if ticket is not None else None
        action = self._action(store, inbound_id, m, person, ticket_id, None, verdict, now)
        action.status = ActionStatus.REPLAY
        if ticket_id is not None:
            store.event(ticket_id, now, "replay_ignored", person.email, reason=why)
        log.warning("%s from %s: %s", m.message_id, person.email, why)
        context = {
            "headline": "not run, a replay",
            "outcome": f"Nothing in your mail took effect: {why}. "
            "If you meant to act again, write a new reply.",
            "lines": [],
        }
        self._capped_receipt(store, person, ticket, m, context, now, cause="replay")
        return Result(ticket_id, why, ActionStatus.REPLAY)

    def _capped_receipt(
        self,
        store: Store,
        person: Person,
        ticket: Ticket | None,
        m: InboundMail,
        context: Mapping[str, Any],
        now: datetime,
        cause: str = "receipt",
    ) -> None:
        # A forger can make maild write to an agent, never flood them: a few receipts an hour.
        since = now - timedelta(hours=1)
        store.session.flush()  # this mail's own row counts, with its status
        recent = store.actions_since(person.email, ("unproven", "replay"), since)
        if recent <= UNPROVEN_RECEIPTS_PER_HOUR:  # this mail's own row is counted
            self._receipt(store, person, ticket, m, context, now, cause=cause)
        else:
            log.warning("%s: no receipt, %d unproven mails in the last hour", person.email, recent)

    def _not_yours(
        self,
        store: Store,
        m: InboundMail,
        owner: Person,
        ticket: Ticket,
        block: Block,
        action: Action,
        now: datetime,
    ) -> Result:
        assert ticket.id is not None
        why = f"ticket #{ticket.id} is not escalated to you (any more)"
        action.status = ActionStatus.REFUSED
        action.lines = [
            {"line": c.line, "raw": c.raw, "status": "refused", "reason": why}
            for c in block.commands
        ]
        store.event(ticket.id, now, "owner_mail_refused", owner.email, reason=why)
        context = {
            "headline": "not applied",
            "outcome": f"Nothing in your mail took effect and nobody got it: {why}.",
            "lines": action.lines,
        }
        self._receipt(store, owner, ticket, m, context, now)
        return Result(ticket.id, why, ActionStatus.REFUSED)

    # 4. a manager decides a held mail -----------------------------------------
    def _decide(
        self,
        store: Store,
        m: InboundMail,
        manager: Person,
        ticket: Ticket | None,
        block: Block,
        action: Action,
        now: datetime,
    ) -> Result:
        """#approve / #deny in a reply to an approval request (its token names the
        ticket), or in a reply to the daily summary (`#approve 123`: the number does)."""
        decisions = [c for c in block.commands if commands.spec(c).decides]
        problem, words = None, ""
        if block.errors:
            problem = "; ".join(f"line {e.line} '{e.raw}': {e.reason}" for e in block.errors)
        elif len(decisions) != 1:
            problem = "write exactly one #approve [note] or #deny reason at the top of your reply"
        elif ticket is None:  # from the summary: the first word names the ticket
            named, words = decisions[0].args.get("ticket"), str(decisions[0].args["rest"])
            ticket = store.ticket(int(str(named))) if named is not None else None
            if named is None:
                problem = "name the ticket: #approve 123 [note] or #deny 123 reason"
            elif ticket is None:
                problem = f"there is no ticket #{named}"
        else:
            words = str(decisions[0].args["text"])
        needs = commands.spec(decisions[0]).reason_required if decisions else None
        if problem is None and needs and not words:
            problem = needs
        waiting = store.waiting_approvals(ticket.id, manager.email) if ticket else []
        if problem is None and ticket is not None and not waiting:
            problem = f"nothing on ticket #{ticket.id} waits for your decision (decided or expired)"
        if ticket is None or ticket.id is None:
            action.status = ActionStatus.REFUSED
            context: dict[str, Any] = {
                "headline": "nothing decided",
                "outcome": f"Nothing was decided: {problem}.",
                "lines": [],
            }
            self._receipt(store, manager, None, m, context, now)
            return Result(None, str(problem), ActionStatus.REFUSED)
        for c in block.commands:
            store.event(
                ticket.id,
                now,
                "command",
                manager.email,
                message_id=m.message_id,
                line=c.line,
                raw=c.raw,
                name=c.name,
                status="refused" if problem else "applied",
                reason=problem or "",
            )
        if problem is not None:
            action.status = ActionStatus.REFUSED
            store.event(ticket.id, now, "decision_refused", manager.email, reason=problem)
            context = {
                "headline": "nothing decided",
                "outcome": f"Nothing was decided: {problem}.",
                "lines": [],
            }
            self._receipt(store, manager, ticket, m, self._with_help(context, manager, block), now)
            return Result(ticket.id, problem, ActionStatus.REFUSED)
        [decision] = decisions
        approval = waiting[0]
        approval.decided_at, approval.decided_by = now, manager.email
        held = store.action(approval.action_id)
        agent = self.directory.person(approval.agent)
        assert held is not None and agent is not None
        action.status = ActionStatus.APPLIED
        action.lines = [
            {"line": decision.line, "raw": decision.raw, "status": "applied", "reason": ""}
        ]
        if commands.spec(decision).decides == "denied":
            reason = words
            approval.status, approval.note = ApprovalStatus.DENIED, reason
            held.status, held.updated_at = ActionStatus.DENIED, now
            store.event(
                ticket.id,
                now,
                "approval_denied",
                manager.email,
                approval=approval.id,
                reason=reason,
            )
            lines = [{**x, "status": "not applied", "reason": "denied"} for x in held.lines]
            self._receipt(
                store,
                agent,
                ticket,
                m,
                {
                    "headline": "denied",
                    "outcome": f"{manager.name} denied your held mail: {reason}. "
                    "Nothing in it took effect.",
                    "lines": lines,
                },
                now,
                cause="denied",
            )
            outcome = f"Denied. {agent.name} has been told your reason."
        else:
            note = words
            approval.status, approval.note = ApprovalStatus.APPROVED, note
            store.event(
                ticket.id, now, "approval_approved", manager.email, approval=approval.id, note=note
            )
            status = self._apply_held(store, approval, held, agent, manager, ticket, now)
            outcome = (
                f"Approved. {agent.name}'s held mail took effect."
                if status is apply.Status.APPLIED
                else f"Approved, but {agent.name}'s held mail could not take effect now "
                "(the ticket changed since): they have the details."
            )
        context = {
            "headline": commands.spec(decision).decides,
            "outcome": outcome,
            "lines": [],
        }
        self._receipt(store, manager, ticket, m, context, now)
        return Result(
            ticket.id, f"{decision.name} of approval #{approval.id}", ActionStatus.APPLIED
        )

    def _apply_held(
        self,
        store: Store,
        approval: Approval,
        held: Action,
        agent: Person,
        manager: Person,
        ticket: Ticket,
        now: datetime,
    ) -> apply.Status:
        inbound = store.inbound(approval.inbound_id)
        assert inbound is not None
        m = mail.parse(inbound.raw, max_attachment_bytes=0, max_message_bytes=len(inbound.raw))
        block = commands.parse_block(reply.new_text(m.text), agent.role)
        return self._act(store, m, agent, ticket, block, held, now, approved_by=manager).status

    # 5-7. an agent's mail --------------------------------------------------------
    def _act(
        self,
        store: Store,
        m: InboundMail,
        person: Person,
        ticket: Ticket,
        block: Block,
        action: Action,
        now: datetime,
        *,
        approved_by: Person | None = None,
    ) -> apply.Plan:
        assert ticket.id is not None
        limits = self.limits(person)
        manager = self.manager_of(person)
        if any(commands.spec(c).locks_budget for c in block.commands):
            store.lock_budgets([f"agent:{person.email}", f"customer:{ticket.customer}"])
        usage = self.usage(store, person, ticket.customer, limits, now)
        ctx = self._context(store, ticket, person, limits)
        plan = apply.plan(
            block,
            ctx,
            limits,
            usage,
            approver=manager,
            approved=approved_by is not None,
        )
        action.status, action.updated_at = str(plan.status), now
        action.lines = [_line_dict(x) for x in plan.lines]
        for x in plan.lines:
            store.event(
                ticket.id,
                now,
                "command",
                person.email,
                message_id=m.message_id,
                approved_by=approved_by.email if approved_by else None,
                **_line_dict(x),
            )
        sent = None
        if plan.status is apply.Status.APPLIED:
            sent = self._carry_out(store, m, person, ticket, block, plan, action, now, approved_by)
        elif plan.status is apply.Status.HELD:
            assert manager is not None
            self._hold(store, m, person, manager, ticket, plan, action, limits, now)
        if block.commands or block.errors:
            applied = plan.status is apply.Status.APPLIED
            used = (
                usage.plus(sum((c.amount for c in plan.credits), Decimal(0))) if applied else usage
            )
            context = {
                "headline": "approved and applied" if approved_by else str(plan.status),
                "outcome": self._outcome(plan, manager, approved_by),
                "lines": action.lines,
                "sent": sent,
                "budget": self._budget(limits, used) if person.role is Role.AGENT else None,
            }
            errors = plan.status is not apply.Status.APPLIED or approved_by is not None
            if self.receipts == "always" or errors or plan.wants_help:
                context = self._with_help(context, person, block)
                self._receipt(store, person, ticket, m, context, now, cause=str(plan.status))
        return plan

    def _carry_out(
        self,
        store: Store,
        m: InboundMail,
        person: Person,
        ticket: Ticket,
        block: Block,
        plan: apply.Plan,
        action: Action,
        now: datetime,
        approved_by: Person | None,
    ) -> str | None:
        assert ticket.id is not None and action.id is not None
        after = plan.ticket_after
        if after.status != ticket.status:
            ticket.closed_at = now if after.status == TicketStatus.CLOSED else None
        ticket.status, ticket.priority, ticket.agent, ticket.team = (
            after.status,
            after.priority,
            after.agent,
            after.team,
        )
        if ticket.agent is None and person.role is Role.AGENT:
            ticket.agent = person.email
            store.event(ticket.id, now, "assigned", person.email, reason="first staff answer")
        ticket.updated_at = now
        for credit in plan.credits:
            store.insert(
                Ledger,
                ticket_id=ticket.id,
                action_id=action.id,
                agent=person.email,
                customer=ticket.customer,
                amount_cents=policy.Money(credit.amount, credit.currency).cents,
                currency=credit.currency,
                reason=credit.reason,
                approved_by=approved_by.email if approved_by else None,
                message_id=m.message_id,
                content_hash=m.content_hash,
                auth=action.auth,
                created_at=now,
            )
        self.escalations.carry_out(store, person, ticket, plan.signals, m.content_hash, now)
        if person.role is Role.OWNER:
            return self._owner_words(store, m, person, ticket, block, plan, now)
        if plan.internal or not (block.reply or plan.announcements):
            return None
        shown = "\n\n".join(x for x in (block.reply, *plan.announcements) if x)
        sender = f"{person.name} ({self.addressing.support_name})"
        return self._to_customer(store, m, person, ticket, block.reply, plan, sender, now, shown)

    def _owner_words(
        self,
        store: Store,
        m: InboundMail,
        owner: Person,
        ticket: Ticket,
        block: Block,
        plan: apply.Plan,
        now: datetime,
    ) -> str | None:
        """An owner's text goes to the agent; to the customer only with #update."""
        assert ticket.id is not None
        sent = None
        update = any(isinstance(s, Update) for s in plan.signals)
        if update and block.reply and not plan.internal:
            team = self.escalations.teams.get(owner.team or "")
            shown_team = team.shown_name if team else owner.team
            sender = f"{owner.name} ({shown_team}, {self.addressing.support_name})"
            sent = self._to_customer(
                store, m, owner, ticket, block.reply, plan, sender, now, block.reply
            )
        if block.reply or plan.signals:
            self.escalations.owner_mail(
                store, owner, ticket, block.reply, plan.signals, m.content_hash, now
            )
        return sent

    def _to_customer(
        self,
        store: Store,
        m: InboundMail,
        person: Person,
        ticket: Ticket,
        text: str,
        plan: apply.Plan,
        sender: str,
        now: datetime,
        shown: str,
    ) -> str:
        """A person's words to the customer, threaded into their conversation."""
        assert ticket.id is not None
        customer = self.directory.customer(ticket.customer, ticket.customer_name)
        last = store.last_customer_message_id(ticket.id, ticket.customer)
        context = {
            "subject": ticket.subject,
            "text": text,
            "announcements": list(plan.announcements),
            "agent_name": person.name,
            "customer_name": ticket.customer_name,
        }
        out = notices.notice(
            "customer/reply",
            customer,
            ticket.id,
            m.content_hash,
            self.addressing,
            context,
            thread=(last,) if last else (),
            from_name=sender,
        )
        self.queue(store, [out], now)
        store.insert(
            Message,
            ticket_id=ticket.id,
            inbound_id=None,
            direction="out",
            kind="reply",
            author=person.email,
            author_name=person.name,
            subject=ticket.subject,
            text=shown,
            text_source="plain",
            notes=[],
            created_at=now,
        )
        store.event(ticket.id, now, "replied", person.email, message_id=out.message_id)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        self.escalations.customer_heard(store, ticket.id, now)
        return shown

    def _hold(
        self,
        store: Store,
        m: InboundMail,
        agent: Person,
        manager: str,
        ticket: Ticket,
        plan: apply.Plan,
        action: Action,
        limits: policy.Limits,
        now: datetime,
    ) -> None:
        assert ticket.id is not None and action.id is not None
        total = sum((c.amount for c in plan.credits), Decimal(0))
        approval = store.add(
            Approval(
                ticket_id=ticket.id,
                action_id=action.id,
                inbound_id=action.inbound_id,
                agent=agent.email,
                manager=manager,
                crosses=plan.held_because or "",
                words=reply.new_text(m.text),
                amount_cents=policy.Money(total, limits.currency).cents,
                currency=limits.currency,
                requested_at=now,
            )
        )
        store.event(
            ticket.id,
            now,
            "approval_requested",
            agent.email,
            approval=approval.id,
            manager=manager,
            crosses=approval.crosses,
        )
        self._ask(store, approval, agent, ticket, now, reminder=0)

    def _ask(
        self,
        store: Store,
        approval: Approval,
        agent: Person,
        ticket: Ticket,
        now: datetime,
        *,
        reminder: int,
    ) -> None:
        """The approval request (or reminder number `reminder`) to the manager."""
        assert ticket.id is not None
        count, cents = store.credits_since(agent.email, self.periods(now)[1])
        manager = self.directory.known(approval.manager, Role.MANAGER)
        context = {
            "subject": ticket.subject,
            "customer": ticket.customer,
            "agent_name": agent.name,
            "agent_email": agent.email,
            "words": approval.words,
            "crosses": approval.crosses,
            "amount": str(policy.Money.from_cents(approval.amount_cents, approval.currency)),
            "month_count": count,
            "month_total": str(policy.Money.from_cents(cents, approval.currency)),
            "reminder": reminder,
            "requested_at": f"{approval.requested_at:%Y-%m-%d %H:%M}",
            "expires_at": f"{approval.requested_at + self.expire_after:%Y-%m-%d %H:%M}",
        }
        out = notices.notice(
            "manager/approval",
            manager,
            ticket.id,
            f"approval-{approval.id}-{reminder}",
            self.addressing,
            context,
        )
        self.queue(store, [out], now)

    # the scheduler's part: reminders and expiry -----------------------------------
    def remind_and_expire(self, store: Store, now: datetime, every: timedelta) -> list[str]:
        done = []
        for approval in store.waiting_approvals():
            ticket = store.ticket(approval.ticket_id)
            agent = self.directory.person(approval.agent)
            if ticket is None or agent is None:
                continue
            if now - approval.requested_at >= self.expire_after:
                approval.status, approval.decided_at = ApprovalStatus.EXPIRED, now
                held = store.action(approval.action_id)
                assert held is not None
                held.status, held.updated_at = ActionStatus.EXPIRED, now
                store.event(ticket.id or 0, now, "approval_expired", None, approval=approval.id)
                lines = [{**x, "status": "not applied", "reason": "expired"} for x in held.lines]
                hours = int(self.expire_after.total_seconds() // 3600)
                context = {
                    "headline": "dropped, not decided in time",
                    "outcome": f"Your held mail was dropped: {approval.manager} did not decide "
                    f"within {hours} hours. Nothing in it took effect; send it again if it "
                    "still applies.",
                    "lines": lines,
                }
                self._receipt(
                    store, agent, ticket, None, context, now, cause=f"expired-{approval.id}"
                )
                done.append(f"expired #{approval.id}")
            elif now - (approval.last_reminded_at or approval.requested_at) >= every:
                approval.reminders += 1
                approval.last_reminded_at = now
                self._ask(store, approval, agent, ticket, now, reminder=approval.reminders)
                done.append(f"reminded #{approval.id}")
        return done

    # helpers ---------------------------------------------------------------------
    def _context(
        self, store: Store, ticket: Ticket, person: Person, limits: policy.Limits
    ) -> Context:
        assert ticket.id is not None
        return Context(
            state_of(ticket),
            person,
            tuple(self.directory.agents()),
            limits.currency,
            escalation=self.escalations.state(store, ticket.id),
            teams=self.escalations.public_names(),
            escalate_to=limits.escalate_to if person.role is Role.AGENT else (),
        )

    def manager_of(self, person: Person) -> str | None:
        return self.managers.get(person.team or "")

    def periods(self, now: datetime) -> tuple[datetime, datetime, datetime]:
        return policy.periods(now, self.timezone)

    def usage(
        self, store: Store, person: Person, customer: str, limits: policy.Limits, now: datetime
    ) -> policy.Usage:
        day, month, since = self.periods(now)
        return store.usage(person.email, customer, limits.currency, day, month, since)

    @staticmethod
    def _budget(limits: policy.Limits, used: policy.Usage) -> dict[str, str]:
        today, month = policy.left(limits, used)
        return {
            "today": policy.money(today, limits.currency),
            "month": policy.money(month, limits.currency),
            "per_ticket": policy.money(limits.credit_per_ticket, limits.currency),
        }

    @staticmethod
    def _outcome(plan: apply.Plan, manager: str | None, approved_by: Person | None) -> str:
        match plan.status:
            case apply.Status.REFUSED:
                return "Nothing in your mail took effect, and nothing was sent to the customer."
            case apply.Status.HELD:
                return (
                    f"Your whole mail waits for approval by {manager}: {plan.held_because}. "
                    "Nothing has been sent to the customer yet."
                )
        if approved_by is not None:
            return f"{approved_by.name} approved your held mail; it has now taken effect."
        return "Everything in your mail was applied."

    def _with_help(self, context: dict[str, Any], person: Person, block: Block) -> dict[str, Any]:
        if not any(commands.spec(c).lists_help for c in block.commands):
            return context
        specs = commands.commands_for(person.role)
        limits = self.limits(person) if person.role is Role.AGENT else None
        return {
            **context,
            "help": [{"usage": s.usage, "help": s.help} for s in specs],
            "limits": {
                "currency": limits.currency,
                "credit_per_ticket": str(limits.credit_per_ticket),
                "credit_per_day": str(limits.credit_per_day),
                "credit_per_month": str(limits.credit_per_month),
                "credit_per_customer_30d": str(limits.credit_per_customer_30d),
            }
            if limits
            else None,
        }

    def _action(
        self,
        store: Store,
        inbound_id: int,
        m: InboundMail,
        person: Person,
        ticket_id: int | None,
        key: str | None,
        verdict: Verdict,
        now: datetime,
    ) -> Action:
        return store.add(  # type: ignore[no-any-return]
            Action(
                ticket_id=ticket_id,
                inbound_id=inbound_id,
                actor=person.email,
                message_id=m.message_id,
                fingerprint=key,
                status=ActionStatus.RECEIVED,
                lines=[],
                auth=verdict.as_dict(),
                created_at=now,
                updated_at=now,
            )
        )

    def _receipt(
        self,
        store: Store,
        person: Person,
        ticket: Ticket | None,
        m: InboundMail | None,
        context: Mapping[str, Any],
        now: datetime,
        *,
        cause: str = "receipt",
    ) -> None:
        """A receipt, always to the person's configured address, never one from the mail."""
        ticket_id = ticket.id if ticket is not None and ticket.id is not None else 0
        full = {
            "subject": ticket.subject if ticket else "",
            "name": person.name,
            "sent": None,
            "budget": None,
            "help": None,
            "limits": None,
            "auth_failed": None,
            "headline": "receipt",
            "your_subject": m.subject if m else "",
            **context,
        }
        thread = (m.message_id,) if m is not None else ()
        out = notices.notice(
            "staff/receipt",
            person,
            ticket_id,
            f"{m.content_hash if m else ''}:{cause}",
            self.addressing,
            full,
            thread=thread,
        )
        self.queue(store, [out], now)
