"""`maild inspect` is the real path: a corpus of staff and customer mails, each inspected
and then taken for real, gives the same outcome, lines and verdicts one by one, and the
dry run leaves no trace."""

from __future__ import annotations

import re

from maild.adapters.db.models import Action
from maild.core.intake import Verdict
from maild.services.inspect import inspect
from tests.conftest import ON_POSTGRES, mail
from tests.integration.helpers import counts, rows
from tests.integration.staff import answer, last, open_ticket, take
from tests.integration.test_escalations import TEAMS

DANA, MARIA, ERIN = "dana@acme.example", "maria@acme.example", "erin@acme.example"


def _same(app, raw: bytes, expect: str) -> dict:
    before = counts(app)
    dry = inspect(app.ingest, raw).model_dump(mode="json")
    assert counts(app) == before  # the dry run leaves nothing behind
    outcome = take(app, raw)
    if ON_POSTGRES and outcome.verdict == Verdict.TICKET:
        # A sequence never rolls back: the dry run used up the number it showed.
        assert dry["ticket"] is not None and dry["ticket"] < (outcome.ticket_id or 0)
    else:
        assert dry["ticket"] == outcome.ticket_id
    mine = [a for a in rows(app, Action) if a.inbound_id and a.message_id in raw.decode()]
    if mine:
        [action] = mine[-1:]
        assert dry["outcome"] == action.status
        assert dry["commands"] == [x for x in action.lines if x.get("name")]
        assert dry["auth"] == action.auth
    assert expect in dry["outcome"] or any(expect in e for e in dry["errors"]), dry
    return dry


def test_every_kind_of_mail_the_same_in_the_dry_run_and_for_real(make_app):
    app = make_app(**TEAMS)
    open_ticket(app)
    note = last(app, "agent/new", DANA)
    _same(app, answer(note, "#credit 20 late\n\nHi Sam."), "applied")
    _same(app, answer(note, "#frobnicate\n\nHi"), "refused")
    held = _same(app, answer(note, "#credit 80 broken\n\nRefunded."), "waiting for approval")
    assert [c["decision"] for c in held["commands"]] == ["needs approval"]
    request = last(app, "manager/approval", MARIA)
    bare = _same(app, answer(request, "#deny"), "refused")  # a reason is required
    assert any("reason" in e for e in bare["errors"] + [c["reason"] for c in bare["commands"]])
    _same(app, answer(request, "#approve fine"), "applied")
    _same(app, answer(note, "#help"), "applied")
    _same(app, answer(note, "#queue\n#find kettle"), "applied")
    _same(app, answer(note, "#show 999"), "refused")
    forged = mail(subject="Re: [#1] Help", sender=f"Dana <{DANA}>", text="#credit 50")
    _same(app, forged, "not proven")
    raw = answer(note, "#priority high\n\nOn it.")
    _same(app, raw, "applied")
    replay = re.sub(rb"Message-ID: <[^>]+>", b"Message-ID: <again@evil.example>", raw)
    _same(app, replay, "replay")
    _same(app, answer(note, "#escalate eng export fails\n\nHi Sam, engineering has it."), "applied")
    owner = last(app, "owner/escalated", ERIN)
    _same(app, answer(owner, "#update\n\nFixed in 2.4.1.", ERIN), "applied")
    _same(app, mail(subject="Re: [#1] thanks", text="Thanks!"), "joins ticket #1")
    _same(app, mail(subject="New problem", sender="new@example.com"), "opens a new ticket")
    robot = mail(
        subject="Out of office", sender="Sam <sam@example.com>", Auto_Submitted="auto-replied"
    )
    _same(app, robot, "ignored")
    _same(app, b"From: nobody\r\nSubject: x\r\n\r\nbody\r\n", "quarantined")
