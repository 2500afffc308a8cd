"""What an applied plan writes besides the ticket's own fields: credits in the
ledger, colleagues of the customer on copy."""

from __future__ import annotations

from maild.adapters.db.models import Ledger
from maild.core import apply, policy
from maild.core.commands import Copy
from maild.services.staff.mail import StaffMail


def credits(sm: StaffMail, plan: apply.Plan) -> None:
    assert sm.ticket is not None
    for credit in plan.credits:
        sm.store.insert(
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


def copies(sm: StaffMail, plan: apply.Plan) -> None:
    """#cc add / #cc remove: a colleague of the customer on copy, or off."""
    assert sm.ticket is not None and sm.ticket.id is not None
    for copy in (s for s in plan.signals if isinstance(s, Copy)):
        if copy.add:
            sm.store.add_participants(sm.ticket.id, [copy.address], sm.person.email, sm.now)
        else:
            sm.store.remove_participant(sm.ticket.id, copy.address)
        sm.event("participant_added" if copy.add else "participant_removed", address=copy.address)
