"""The desk: one staff mail's story, top to bottom.

  1. the new text above the quote (core.reply) and its command block (core.commands);
  2. prove the sender (core.auth): a mail that fails runs nothing, sends nothing to
     the customer and claims no replay key; the receipt goes to their own address;
  3. stop a replay: a proven mail with the same Message-ID, or the same
     sender, Date, text and ticket, was acted on already;
  4. a manager's #approve / #deny decides a held mail (approvals.py);
  5. plan every line against the ticket and the agent's limits (core.apply,
     core.policy), the budgets read under a lock;
  6. refused: nothing applies; over a limit: the whole mail waits for the
     manager; otherwise the ticket changes, credits go in the ledger, the
     words go on (relay.py);
  7. every line is an event on the ticket, and the sender gets a receipt
     (receipts.py).
An agent's mail that names no ticket and forwards a customer's mail opens that
customer's ticket (forwards.py), proven by the agent's forwarding address or
DMARC; its command block then takes the same path, on the new ticket.
The caller (services.ingest) holds the transaction: all of it commits, or
none of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from maild.core import apply, auth, commands, language, notices, policy, reply, route, targets
from maild.core.auth import Verdict
from maild.core.contexts import Receipt
from maild.core.model import Person, Role, TicketStatus
from maild.core.people import Directory
from maild.core.words import N_, Msg
from maild.services.arrival import Arrival
from maild.services.escalations import Escalations
from maild.services.monitor import Monitor
from maild.services.rows import Queue, record_message
from maild.services.staff import asking, effects, receipts, stopped
from maild.services.staff.approvals import Approvals
from maild.services.staff.coaching import Coaches
from maild.services.staff.filemail import FileMails
from maild.services.staff.forwards import Forwards
from maild.services.staff.handover import Handovers
from maild.services.staff.history import escalation_line
from maild.services.staff.lookup import Lookup
from maild.services.staff.mail import Result, StaffMail, fingerprint, line_record, new_action
from maild.services.staff.receipts import Receipts
from maild.services.staff.relay import Relay
from maild.services.staff.views import DeskViews
from maild.services.surveys import Surveys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Staffing:
    """Who the desk serves and how: built once from the settings."""

    directory: Directory
    addressing: notices.Addressing
    auth: auth.Policy
    limits: Callable[[Person], policy.Limits]
    managers: Mapping[str, str]  # team -> manager address
    timezone: str
    receipts: str  # "always" or "errors"
    expire_after: timedelta = timedelta(hours=72)
    for_team: Callable[[str | None], targets.Targets] = targets.no_targets
    languages: language.Chooser = field(default_factory=language.Chooser)  # forwards


@dataclass
class StaffDesk:
    staffing: Staffing
    queue: Queue
    escalations: Escalations
    surveys: Surveys | None = None  # asked when a ticket closes
    monitor: Monitor | None = None  # managers watching their teams
    receipts: Receipts = field(init=False)
    relay: Relay = field(init=False)
    approvals: Approvals = field(init=False)
    handovers: Handovers = field(init=False)
    lookup: Lookup = field(init=False)
    coaches: Coaches = field(init=False)
    file_mails: FileMails = field(init=False)
    views: DeskViews = field(init=False)
    forwards: Forwards = field(init=False)

    def __post_init__(self) -> None:
        s = self.staffing
        self.receipts = Receipts(s.addressing, self.queue, s.limits, s.receipts)
        self.relay = Relay(s.directory, s.addressing, self.queue, self.escalations)
        self.handovers = Handovers(s.directory, s.addressing, self.queue)
        self.file_mails = FileMails(s.addressing, self.queue)
        self.lookup = Lookup(s.directory, self.escalations, self.queue.renderer)
        self.views = DeskViews(s.addressing, self.queue, s.managers, s.for_team, s.timezone)
        self.coaches = Coaches(s.directory, s.addressing, self.queue, self.receipts)
        self.forwards = Forwards(
            s.directory, s.addressing, self.queue, self.receipts, s.auth, self.act, s.languages
        )
        self.approvals = Approvals(
            s.directory,
            s.addressing,
            self.queue,
            self.receipts,
            s.timezone,
            self.act,
            s.expire_after,
        )

    @property
    def limits(self) -> Callable[[Person], policy.Limits]:
        return self.staffing.limits

    # the story -----------------------------------------------------------------------
    def handle(self, a: Arrival, inbound_id: int, d: route.StaffMail) -> Result:
        person, m = d.person, a.mail
        original = self.forwards.original_of(a, d)
        if original is not None:  # an agent forwards a customer's mail in
            return self.forwards.handle(a, inbound_id, person, original)
        text = reply.new_text(m.text)
        verdict = auth.prove(m, person, self.staffing.auth)
        ticket = a.store.live_ticket((verdict.ticket_id if verdict.ok else d.ticket_id) or 0)
        ticket_id = ticket.id if ticket is not None else None
        # Only a proven mail that can act claims a replay key: an unproven one
        # (a forgery under a genuine Message-ID) must not lock the genuine one out.
        block = commands.parse_block(text, person.role)
        asks = any(commands.spec(c).asks for c in block.commands)
        only_asks = asks and asking.only_questions(block)
        acts = verdict.ok and (ticket_id is not None or person.role is Role.MANAGER or asks)
        key = fingerprint(person.email, m, text, ticket_id) if acts else None
        seen = a.store.action_seen(key, m.message_id) if key else None
        action = new_action(a, inbound_id, person, ticket_id, verdict)
        action.fingerprint = key if seen is None else None
        sm = StaffMail(a.store, m, person, block, a.store.add(action), a.now, ticket)
        if seen is not None:
            return stopped.replay(sm, seen.id, self.receipts)
        if ticket_id is not None and not (verdict.ok and only_asks):  # "#queue" is no message
            sm.message_row = record_message(a, ticket_id, inbound_id, "staff")
        return self._decide(sm, verdict)

    def _decide(self, sm: StaffMail, verdict: Verdict) -> Result:
        if not verdict.ok:
            return stopped.unproven(sm, verdict, self.receipts)
        answered = asking.answer(sm, self.views, self.receipts)
        if answered is not None:
            return answered
        if sm.person.role is Role.MANAGER:
            if any(commands.spec(c).coaches for c in sm.block.commands):
                return self.coaches.coach(sm)
            return self.approvals.decide(sm)
        if sm.ticket is None or sm.ticket.id is None:  # a token for no ticket (a receipt)
            return stopped.unproven(sm, stopped.no_ticket(verdict), self.receipts)
        if sm.person.role is Role.OWNER and not self.escalations.is_owner(
            sm.store, sm.ticket.id, sm.person
        ):
            return stopped.not_yours(sm, self.receipts)
        coached = self.coaches.answered(sm) if sm.person.role is Role.AGENT else None
        if coached is not None:
            return self.coaches.answer(sm, coached)
        plan = self.act(sm)
        return Result(sm.ticket.id, f"{sm.person.role} mail: {plan.status}", plan.status)

    # an agent's or owner's commands ------------------------------------------------------
    def act(self, sm: StaffMail) -> apply.Plan:
        """Plan every line, then apply, hold or refuse the whole mail, and say so.
        Also the path an approved held mail takes again (sm.approved_by)."""
        assert sm.ticket is not None
        limits = self.limits(sm.person)
        manager = self.staffing.managers.get(sm.person.team or "")
        if any(commands.spec(c).locks_budget for c in sm.block.commands):
            sm.store.lock_budgets([f"agent:{sm.person.email}", f"customer:{sm.ticket.customer}"])
        usage = self._usage(sm, limits)
        approved = sm.approved_by is not None
        context = self.lookup.context(sm, limits)
        plan = apply.plan(sm.block, context, limits, usage, approver=manager, approved=approved)
        sm.action.status, sm.action.updated_at = str(plan.status), sm.now
        approver = sm.approved_by.email if sm.approved_by else None
        sm.record_lines((line_record(x) for x in plan.lines), approved_by=approver)
        sent = None
        if plan.status is apply.Status.APPLIED:
            sent = self._carry_out(sm, plan)
            usage = usage.plus(sum((c.amount for c in plan.credits), Decimal(0)))
        elif plan.status is apply.Status.HELD:
            assert manager is not None
            self.approvals.hold(sm, plan, manager, limits.currency)
        view = Receipt(
            headline=N_("approved and applied") if approved else receipts.HEADLINES[plan.status],
            outcome=receipts.outcome(plan, manager, sm.approved_by, sm.opened),
            lines=receipts.shown(plan.lines),
            sent=sent,
            files=sm.files_said,
            budget=receipts.budget(limits, usage) if sm.person.role is Role.AGENT else None,
            unsure=receipts.unsure(sm.mail.text),
            unsent=receipts.as_written(sm.block) if plan.status is apply.Status.REFUSED else None,
        )
        self.receipts.after_plan(sm, plan, view)
        return plan

    def _carry_out(self, sm: StaffMail, plan: apply.Plan) -> str | None:
        ticket = sm.ticket
        assert ticket is not None
        previous, after = ticket.agent, plan.ticket_after
        closing = after.status == TicketStatus.CLOSED and ticket.status != TicketStatus.CLOSED
        reopening = after.status == TicketStatus.OPEN and ticket.status == TicketStatus.CLOSED
        if after.status != ticket.status:
            ticket.closed_at = sm.now if after.status == TicketStatus.CLOSED else None
        if after.status != TicketStatus.OPEN:  # pending or closed: nobody's clock runs
            ticket.awaiting_since = None
        ticket.status, ticket.priority = after.status, after.priority
        ticket.agent, ticket.team = after.agent, after.team
        if ticket.agent is None and sm.person.role is Role.AGENT:
            ticket.agent = sm.person.email
            sm.event("assigned", reason="first staff answer")
        ticket.updated_at = sm.now
        effects.credits(sm, plan)
        effects.language(sm, plan)
        self.escalations.carry_out(sm, plan.signals)
        effects.copies(sm, plan)
        marked_spam = effects.spammers(sm, plan)
        if self.monitor is not None:
            effects.watched(sm, plan, self.monitor, reopening)
        if any(commands.spec(c).sends_files for c in sm.block.commands):
            self.file_mails.send(sm)
        if after.agent is not None and after.agent != previous:
            self.handovers.tell(sm, previous, self._escalation_line(sm))
        if sm.person.role is Role.OWNER:
            return self.relay.owner_words(sm, plan)
        sent = self.relay.agent_words(sm, plan)
        effects.merges(sm, plan)  # after the words: the customer hears on this ticket
        surveyed = closing and not marked_spam and ticket.merged_into is None
        if surveyed and self.surveys is not None:
            self.surveys.offer(sm.store, ticket, ticket.agent or sm.person.email, sm.now)
        if reopening and self.surveys is not None:
            self.surveys.withdraw(sm.store, ticket, sm.now)
        return sent

    def _escalation_line(self, sm: StaffMail) -> Msg | None:
        assert sm.ticket is not None and sm.ticket.id is not None
        state = self.escalations.state(sm.store, sm.ticket.id)
        return escalation_line(state.team, state.owner) if state else None

    def _usage(self, sm: StaffMail, limits: policy.Limits) -> policy.Usage:
        assert sm.ticket is not None
        day, month, since = policy.periods(sm.now, self.staffing.timezone)
        return sm.store.usage(
            sm.person.email, sm.ticket.customer, limits.currency, day, month, since
        )
