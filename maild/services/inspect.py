"""`maild inspect`: the real path on one mail, in a transaction that is rolled back.

No second copy of the logic: the mail goes through Ingest and the desk exactly
as if it had arrived; the report is read from what that wrote (the action row
with every line's verdict and the proof of sender, the outbox rows, the
outcome) before the rollback undoes it all.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import col, select

from maild.adapters.db.models import Action, Outbox
from maild.adapters.db.store import Store
from maild.core import commands, mail, reply
from maild.core.intake import Outcome, RawMail, Verdict
from maild.core.model import ActionStatus, Role
from maild.core.reply import customer_words
from maild.services.ingest import Ingest


class Send(BaseModel):
    template: str
    to: list[str]


class Report(BaseModel):
    """What the real path did with the mail, before the rollback (`maild inspect --json`)."""

    role: str
    new_text: str
    reply: str | None
    ticket: int | None
    commands: list[dict[str, Any]]  # each line's verdict, as the action row keeps it
    auth: dict[str, Any]  # the proof of sender: ok and every check
    errors: list[str]
    outcome: str
    sends: list[Send]


def inspect(ingest: Ingest, raw: bytes) -> Report:
    with ingest.db.transaction() as store:
        try:
            marks = _marks(store)
            outcome = ingest.take_one(store, RawMail(raw, "inspect"))
            return _report(ingest, store, raw, outcome, marks)
        finally:
            store.session.rollback()  # nothing of it stays


def _marks(store: Store) -> tuple[int, int]:
    """The newest action and outbox rows before the mail: what comes after is its own."""
    action = store.session.exec(select(func.max(Action.id))).one() or 0
    sent = store.session.exec(select(func.max(Outbox.id))).one() or 0
    return int(action), int(sent)


def _report(
    ingest: Ingest, store: Store, raw: bytes, outcome: Outcome, marks: tuple[int, int]
) -> Report:
    action = store.session.exec(
        select(Action).where(col(Action.id) > marks[0]).order_by(col(Action.id))
    ).first()
    sends = store.session.exec(
        select(Outbox).where(col(Outbox.id) > marks[1]).order_by(col(Outbox.id))
    ).all()
    found = _text_and_role(ingest, raw, outcome)
    lines = action.lines if action is not None else []
    errors = [f"line {x['line']} '{x['raw']}': {x['reason']}" for x in lines if not x.get("name")]
    return Report(
        **found,
        ticket=outcome.ticket_id,
        commands=[x for x in lines if x.get("name")],
        auth=action.auth if action is not None else {"ok": False, "checks": []},
        errors=errors + _problems(outcome, action),
        outcome=_outcome(outcome, action),
        sends=[Send(template=o.template, to=o.recipients) for o in sends],
    )


def _text_and_role(ingest: Ingest, raw: bytes, outcome: Outcome) -> dict[str, Any]:
    try:
        m = mail.parse(
            raw,
            max_attachment_bytes=ingest.limits.max_attachment_bytes,
            max_message_bytes=ingest.limits.max_message_bytes,
        )
    except Exception:  # unreadable: the outcome says why
        return {"role": "-", "new_text": "", "reply": None}
    person = ingest.directory.person(m.from_addr)
    if outcome.verdict is Verdict.STAFF and person is not None:
        text = reply.new_text(m.text)
        block = commands.parse_block(text, person.role)
        return {"role": str(person.role), "new_text": text, "reply": block.reply}
    role = Role.ROBOT if m.robot else (person.role if person else Role.CUSTOMER)
    joins = outcome.verdict is Verdict.JOINED  # a reply: the ticket keeps its new words
    return {
        "role": str(role),
        "new_text": customer_words(m).text if joins else m.text,
        "reply": None,
    }


def _problems(outcome: Outcome, action: Action | None) -> list[str]:
    if action is not None and action.status in (
        ActionStatus.UNPROVEN,
        ActionStatus.REPLAY,
        ActionStatus.REFUSED,
    ):
        return [outcome.reason] if outcome.reason and "mail: " not in outcome.reason else []
    if outcome.verdict is Verdict.DUPLICATE:
        return ["this mail was taken already"]
    if outcome.verdict in (Verdict.IGNORED, Verdict.QUARANTINED):
        return [f"{outcome.verdict}: {outcome.reason}"]
    return []


def _outcome(outcome: Outcome, action: Action | None) -> str:
    if action is not None:
        return action.status
    return {
        "ticket": "opens a new ticket" + (f": {outcome.reason}" if outcome.reason else ""),
        "joined": f"joins ticket #{outcome.ticket_id} ({outcome.reason})",
    }.get(outcome.verdict, outcome.verdict)
