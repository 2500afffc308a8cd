"""End to end through Dovecot and an aiosmtpd sink: an FYI and coaching from it, the
agent's answer to the manager, a canned reply, the closing survey and its rating, and
the summary's latitude-against-outcome part."""

from __future__ import annotations

import pytest

from maild.adapters.clock import ManualClock
from tests.conftest import START, mail
from tests.e2e.conftest import Desk
from tests.integration.staff import answer
from tests.peers import maild_config

pytestmark = pytest.mark.dovecot
WATCH = """
[monitor."maria@acme.example"]
credits_from = 20
"""


def test_coaching_fyi_macro_survey_and_summary_end_to_end(tmp_path, dovecot, imap_user, sink):
    cfg = maild_config(tmp_path / "maild.toml", dovecot, imap_user, sink.port, extra=WATCH)
    survey_on = "[survey]\nenabled = true\ndelay_hours = 1"  # an hour after the closing
    cfg.write_text(cfg.read_text().replace("[survey]\nenabled = false", survey_on))
    desk = Desk(cfg, dovecot, imap_user, ManualClock(START))
    app, step, got = desk.app, desk.step, sink.handler

    def to(who: str, subject_word: str) -> list:
        return [r for r in got.to(who) if subject_word in str(r.msg["Subject"])]

    step(mail(subject="Kettle broken", sender="Sam <sam@example.com>"))
    [note] = to("dana@acme.example", "Kettle broken")
    step(answer(note.raw, "#credit 30 broken kettle\n#macro refund-issued\n#close"))
    reply = got.to("sam@example.com")[-1]  # the answer; the survey comes an hour later
    assert "your refund is on its way" in reply.text() and "Dana Agent" in reply.text()
    [fyi] = to("maria@acme.example", "FYI")
    assert "Dana Agent credited $30.00 (broken kettle)" in fyi.text()

    step(answer(fyi.raw, "#coach Fine, but try a replacement first next time."))
    [coaching] = to("dana@acme.example", "Coaching")
    assert "try a replacement first" in coaching.text()
    step(answer(coaching.raw, "Will do, thanks."))
    [back] = to("maria@acme.example", "answers your coaching")
    assert "Will do, thanks." in back.text()
    assert not [r for r in got.to("sam@example.com") if "Will do" in r.text()]

    assert not to("sam@example.com", "How did we do?")  # not in the closing's second
    step(hours=1)
    [survey] = to("sam@example.com", "How did we do?")
    step(answer(survey.raw, "Good - quick and friendly", sender="Sam <sam@example.com>"))
    [rated] = to("dana@acme.example", "Rated good")
    assert "quick and friendly" in rated.text()

    with app.db.transaction() as store:
        built = app.summaries.build(store, "maria@acme.example", START.date(), desk.clock())
    text = app.ingest.queue.renderer.part(app.summaries.notice(built), "txt")
    assert "Dana Agent: satisfaction 100% good (1 rating)" in text
    assert "credits per solved ticket $30.00 (1 solved)" in text
