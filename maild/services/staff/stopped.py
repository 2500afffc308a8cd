"""Staff mails that run nothing: unproven, replayed, or an owner's on a ticket that
is not theirs. Each is recorded, runs nothing, sends nothing to the customer, and
the sender hears why."""

from __future__ import annotations

import logging

from maild.core import auth
from maild.core.auth import Verdict
from maild.core.contexts import Receipt
from maild.core.model import ActionStatus
from maild.services.staff.mail import Result, StaffMail, not_run
from maild.services.staff.receipts import Receipts

log = logging.getLogger(__name__)


def unproven(sm: StaffMail, verdict: Verdict, receipts: Receipts) -> Result:
    """Not proven to come from its sender, or proven but naming no ticket."""
    why = f"not proven to come from {sm.person.email}: {verdict.reason}"
    sm.action.status = ActionStatus.UNPROVEN  # also a proven mail naming no ticket
    sm.event("staff_mail_unproven", reason=why, auth=sm.action.auth)
    sm.record_lines(not_run(sm.block, "not run", why))
    log.warning("%s: %s", sm.mail.message_id, why)
    proven = all(c.ok for c in verdict.checks if c.name != "ticket")
    view = Receipt(
        headline="not run, no ticket named" if proven else "not run, sender not proven",
        outcome="Nothing in your mail took effect: it names no ticket."
        if proven
        else "Nothing in your mail took effect: maild could not prove it came from you.",
        lines=tuple(sm.action.lines),
        auth_failed=verdict.reason,
    )
    receipts.capped(sm, view)
    return Result(sm.ticket_id, why, ActionStatus.UNPROVEN)


def replay(sm: StaffMail, seen: int | None, receipts: Receipts) -> Result:
    """A proven mail acted on already, again: recorded, nothing runs, and the
    sender hears so (a forger replaying it cannot flood them: the same cap)."""
    why = f"replay of a mail acted on already (action #{seen})"
    sm.action.status = ActionStatus.REPLAY
    sm.event("replay_ignored", reason=why)
    log.warning("%s from %s: %s", sm.mail.message_id, sm.person.email, why)
    view = Receipt(
        headline="not run, a replay",
        outcome=f"Nothing in your mail took effect: {why}. "
        "If you meant to act again, write a new reply.",
    )
    receipts.capped(sm, view, cause="replay")
    return Result(sm.ticket_id, why, ActionStatus.REPLAY)


def not_yours(sm: StaffMail, receipts: Receipts) -> Result:
    """An owner's mail on a ticket no longer escalated to them."""
    why = f"ticket #{sm.ticket_id} is not escalated to you (any more)"
    sm.action.status = ActionStatus.REFUSED
    sm.action.lines = not_run(sm.block, "refused", why)
    sm.event("owner_mail_refused", reason=why)
    view = Receipt(
        headline="not applied",
        outcome=f"Nothing in your mail took effect and nobody got it: {why}.",
        lines=tuple(sm.action.lines),
    )
    receipts.reply(sm, view)
    return Result(sm.ticket_id, why, ActionStatus.REFUSED)


def no_ticket(verdict: Verdict) -> Verdict:
    detail = "the mail names no ticket: answer that ticket's notification"
    return Verdict((*verdict.checks, auth.Check("ticket", False, detail)), None)
