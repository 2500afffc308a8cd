"""Staff mails that run nothing: unproven, replayed, or an owner's on a ticket that
is not theirs. Each is recorded, runs nothing, sends nothing to the customer, and
the sender hears why."""

from __future__ import annotations

import logging

from maild.core import auth
from maild.core.auth import Verdict
from maild.core.contexts import Receipt
from maild.core.model import ActionStatus
from maild.core.words import N_
from maild.services.staff.mail import Result, StaffMail, not_run
from maild.services.staff.receipts import Receipts

log = logging.getLogger(__name__)


def unproven(sm: StaffMail, verdict: Verdict, receipts: Receipts) -> Result:
    """Not proven to come from its sender, or proven but naming no ticket."""
    said = N_(
        "not proven to come from %(address)s: %(why)s", address=sm.person.email, why=verdict.said
    )
    why = str(said)
    sm.action.status = ActionStatus.UNPROVEN  # also a proven mail naming no ticket
    sm.event("staff_mail_unproven", reason=why, auth=sm.action.auth)
    lines = not_run(sm.block, "not run", said)
    sm.record_lines(lines)
    log.warning("%s: %s", sm.mail.message_id, why)
    proven = all(c.ok for c in verdict.checks if c.name != "ticket")
    view = Receipt(
        headline=N_("not run, no ticket named") if proven else N_("not run, sender not proven"),
        outcome=N_("Nothing in your mail took effect: it names no ticket.")
        if proven
        else N_("Nothing in your mail took effect: maild could not prove it came from you."),
        lines=tuple(lines),
        auth_failed=verdict.said,
    )
    receipts.capped(sm, view)
    return Result(sm.ticket_id, why, ActionStatus.UNPROVEN)


def replay(sm: StaffMail, seen: int | None, receipts: Receipts) -> Result:
    """A proven mail acted on already, again: recorded, nothing runs, and the
    sender hears so (a forger replaying it cannot flood them: the same cap)."""
    said = N_("replay of a mail acted on already (action #%(seen)s)", seen=str(seen))
    why = str(said)
    sm.action.status = ActionStatus.REPLAY
    sm.event("replay_ignored", reason=why)
    log.warning("%s from %s: %s", sm.mail.message_id, sm.person.email, why)
    view = Receipt(
        headline=N_("not run, a replay"),
        outcome=N_(
            "Nothing in your mail took effect: %(why)s. "
            "If you meant to act again, write a new reply.",
            why=said,
        ),
    )
    receipts.capped(sm, view, cause="replay")
    return Result(sm.ticket_id, why, ActionStatus.REPLAY)


def not_yours(sm: StaffMail, receipts: Receipts) -> Result:
    """An owner's mail on a ticket no longer escalated to them."""
    said = N_("ticket #%(id)s is not escalated to you (any more)", id=str(sm.ticket_id))
    why = str(said)
    sm.action.status = ActionStatus.REFUSED
    lines = not_run(sm.block, "refused", said)
    sm.action.lines = [{**x, "reason": why} for x in lines]
    sm.event("owner_mail_refused", reason=why)
    view = Receipt(
        headline=N_("not applied"),
        outcome=N_("Nothing in your mail took effect and nobody got it: %(why)s.", why=said),
        lines=tuple(lines),
    )
    receipts.reply(sm, view)
    return Result(sm.ticket_id, why, ActionStatus.REFUSED)


def no_ticket(verdict: Verdict) -> Verdict:
    detail = N_("the mail names no ticket: answer that ticket's notification")
    return Verdict((*verdict.checks, auth.Check("ticket", False, detail)), None)
