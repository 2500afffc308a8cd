"""A proven staff mail's questions to the desk (#queue, #show, #find, #customer):
each answered with a mail of its own (views.py). A mail that asks only questions
ends here; one that also acts on its ticket, or writes to the customer, goes on
through the desk as usual, and the questions' lines there say they were answered."""

from __future__ import annotations

from maild.core import commands
from maild.core.contexts import Receipt
from maild.core.model import ActionStatus
from maild.core.words import N_, Said
from maild.services.staff.mail import Result, StaffMail
from maild.services.staff.receipts import Receipts
from maild.services.staff.views import Asked, DeskViews


def only_questions(block: commands.Block) -> bool:
    """Nothing but questions: no other command, no bad line, no words for anyone."""
    return (
        all(commands.spec(c).asks for c in block.commands) and not block.errors and not block.reply
    )


def answer(sm: StaffMail, views: DeskViews, receipts: Receipts) -> Result | None:
    """Answer the questions; the mail's Result when nothing else is left to do."""
    asked = [c for c in sm.block.commands if commands.spec(c).asks]
    if not asked:
        return None
    done = views.answer(sm.store, sm.person, sm.mail.content_hash, sm.now)(asked)
    refused = [d for d in done if d.status == "refused"]
    more = len(asked) < len(sm.block.commands) or sm.block.errors or sm.block.reply
    if more and sm.ticket is not None:
        if refused:
            outcome = N_("Some of your questions were refused.")
            receipts.reply(sm, _receipt(refused, outcome), "asked")
        return None
    lines = [_record(d) for d in done] + [
        {"line": e.line, "raw": e.raw, "status": "refused", "reason": e.reason}
        for e in sm.block.errors
    ]
    failed = bool(refused or sm.block.errors or len(asked) < len(sm.block.commands))
    if len(asked) < len(sm.block.commands):
        lines += [
            {"line": c.line, "raw": c.raw, "status": "not run", "reason": _NO_TICKET}
            for c in sm.block.commands
            if not commands.spec(c).asks
        ]
    sm.action.status = ActionStatus.REFUSED if failed else ActionStatus.APPLIED
    lines.sort(key=lambda x: int(str(x["line"])))
    sm.record_lines(lines)
    if failed:
        outcome = N_("Your answers are in mails of their own; these lines were not.")
        view = Receipt(headline=N_("not all answered"), outcome=outcome, lines=tuple(lines))
        receipts.reply(sm, view, "asked")
    return Result(sm.ticket_id, f"{len(asked)} questions answered", sm.action.status)


_NO_TICKET = N_("the mail names no ticket: answer that ticket's notification")


def _record(d: Asked) -> dict[str, object]:
    return {"line": d.line, "raw": d.raw, "name": d.name, "status": d.status, "reason": d.reason}


def _receipt(done: list[Asked], outcome: Said) -> Receipt:
    lines = tuple(_record(d) for d in done)
    return Receipt(headline=N_("refused"), outcome=outcome, lines=lines)
