"""End to end with Dovecot and an aiosmtpd sink, moving the clock: escalate, the owner
stays silent three days (one reminder), stale on day five, #update resets the clock,
#return ends it. Mail goes in by IMAP APPEND and comes out at the sink."""

from __future__ import annotations

import json

import pytest

from maild.adapters.clock import ManualClock
from tests.conftest import START, mail
from tests.e2e.conftest import Desk
from tests.integration.staff import answer
from tests.peers import maild_config

pytestmark = pytest.mark.dovecot
ESCALATION = """
[limits]
escalate_to = ["eng"]
[[escalation]]
name = "eng"
public_name = "Engineering"
owner = "Erin Engineer <erin@acme.example>"
update_every = "2d"
notify_customer_when_stale = true
"""


def test_escalation_watch_end_to_end(tmp_path, dovecot, imap_user, sink):
    cfg = maild_config(tmp_path / "maild.toml", dovecot, imap_user, sink.port, extra=ESCALATION)
    desk = Desk(cfg, dovecot, imap_user, ManualClock(START))
    step, got = desk.step, sink.handler

    def mails(template_word: str, to: str) -> list:
        return [r for r in got.to(to) if template_word in str(r.msg["Subject"])]

    step(mail(subject="Export fails"))
    [note] = [r for r in got.wait_for(2) if "dana@" in r.rcpt_tos[0]]
    step(answer(note.raw, "#escalate eng exports over 2 GB fail\n\nHi Sam, engineering has it."))
    got.wait_for(5)  # the owner, the customer, Dana's receipt
    [handover] = mails("Escalated to Engineering", "erin@acme.example")
    assert "exports over 2 GB fail" in handover.text()

    step(hours=23)  # day 1: nothing
    step(days=1, hours=2)  # day 2: one reminder to the owner, a copy to Dana
    step(days=1)  # day 3: the same period, nothing more
    assert len(mails("Reminder", "erin@acme.example")) == 1
    assert len(mails("Reminder", "dana@acme.example")) == 1
    listed = json.loads(desk.cli("escalations", "--json").output)
    assert listed and listed[0]["team"] == "eng" and listed[0]["stale"] is False

    step(days=2)  # day 5: stale, and the customer is told we are still on it
    got.wait_for(len(got.received) + 1, timeout=3)
    assert len(mails("Reminder", "erin@acme.example")) == 2
    assert len(got.to("sam@example.com")) == 3  # ack, Dana's reply, "still working"
    assert "still working on it" in " ".join(got.to("sam@example.com")[-1].text().split())

    step(answer(handover.raw, "#update\n\nFound it: fixed in tonight's release."))
    assert "fixed in tonight's release" in got.to("sam@example.com")[-1].text()
    step(days=1, hours=12)  # the clock started again: no reminder yet
    assert len(mails("Reminder", "erin@acme.example")) == 2

    step(answer(handover.raw, "#return fixed, please confirm with the customer"))
    assert "handed the ticket back" in got.to("dana@acme.example")[-1].text()
    step(days=10)  # returned: the watch is over
    assert len(mails("Reminder", "erin@acme.example")) == 2
    assert dovecot.messages(imap_user, "INBOX") == []
    desk.app.db.engine.dispose()
