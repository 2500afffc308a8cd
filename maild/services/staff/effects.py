"""What an applied plan writes besides the ticket's own fields: credits in the
ledger, the customer's language, colleagues of the customer on copy."""

from __future__ import annotations

from maild.adapters.db import spam
from maild.adapters.db.models import Ledger
from maild.core import apply, policy
from maild.core.commands import Copy, Escalate, MarkSpam, Merge
from maild.services.monitor import CREDIT, ESCALATION, REOPENED, Monitor, Seen
from maild.services.staff.mail import StaffMail


def credits(sm: StaffMail, plan: apply.Plan) -> None:
    assert sm.ticket is not None
    for credit in plan.credits:
        sm.store.append(
            Ledger,
            ticket_id=sm.ticket.id,
            action_id=sm.action.id,
            agent=sm.person.email,
            customer=sm.ticket.customer,
            amount_cents=policy.Money(credit.amount, credit.currency).cents,
            currency=credit.currency,
            reason=credit.reason,
            approved_by=sm.approved_by.email if sm.approved_by else None,
            message_id=sm.mail.message_id,
            content_hash=sm.mail.content_hash,
            auth=sm.action.auth,
            created_at=sm.now,
        )


def language(sm: StaffMail, plan: apply.Plan) -> None:
    """#lang: the customer's language, on this ticket and every other of theirs (a new
    ticket starts with their latest ticket's)."""
    ticket, chosen = sm.ticket, plan.ticket_after.language
    assert ticket is not None
    if chosen is not None and chosen != ticket.language:
        sm.store.set_customer_language(ticket.customer, chosen)
        ticket.language = chosen


def copies(sm: StaffMail, plan: apply.Plan) -> None:
    """#cc add / #cc remove: a colleague of the customer on copy, or off."""
    assert sm.ticket is not None and sm.ticket.id is not None
    for copy in (s for s in plan.signals if isinstance(s, Copy)):
        if copy.add:
            sm.store.add_participants(sm.ticket.id, [copy.address], sm.person.email, sm.now)
        else:
            sm.store.remove_participant(sm.ticket.id, copy.address)
        sm.event("participant_added" if copy.add else "participant_removed", address=copy.address)


def spammers(sm: StaffMail, plan: apply.Plan) -> bool:
    """#spam: the sender's next mails are held as spam. True when the mail said so."""
    ticket = sm.ticket
    assert ticket is not None and ticket.id is not None
    if not any(isinstance(s, MarkSpam) for s in plan.signals):
        return False
    spam.mark(sm.store.session, ticket.customer, ticket.id, sm.person.email, sm.now)
    sm.event("marked_spam", sender=ticket.customer)
    return True


def merges(sm: StaffMail, plan: apply.Plan) -> None:
    """#merge N: this ticket's history moves to #N; its number points there from now on."""
    ticket = sm.ticket
    assert ticket is not None and ticket.id is not None
    for merge in (s for s in plan.signals if isinstance(s, Merge)):
        sm.store.merge_ticket(ticket.id, merge.into, sm.now)
        ticket.merged_into = merge.into
        survivor = sm.store.ticket(merge.into)
        if survivor is not None and survivor.customer != ticket.customer:  # forced
            # The other customer's mail must land on the survivor too, not open anew.
            sm.store.add_participants(merge.into, [ticket.customer], sm.person.email, sm.now)
        sm.store.event(merge.into, sm.now, "merged", sm.person.email, source=ticket.id)


def watched(sm: StaffMail, plan: apply.Plan, monitor: Monitor, reopened: bool) -> None:
    """What a watching manager sees of this mail: credits, escalations, a reopening."""
    ticket, name = sm.ticket, sm.person.name
    assert ticket is not None
    for credit in plan.credits:
        shown = policy.Money(credit.amount, credit.currency)
        because = f" ({credit.reason})" if credit.reason else ""
        seen = Seen(CREDIT, f"{name} credited {shown}{because}", credit.amount)
        monitor.saw(sm.store, ticket, seen, sm.now)
    for escalate in (s for s in plan.signals if isinstance(s, Escalate)):
        monitor.saw(
            sm.store, ticket, Seen(ESCALATION, f"{name} escalated it to {escalate.team}"), sm.now
        )
    if reopened:
        monitor.saw(sm.store, ticket, Seen(REOPENED, f"{name} reopened it"), sm.now)
