"""End to end through Dovecot and the sink: an agent whose `language` is German gets
the new ticket and the answer to #queue in German; the French owner of an escalation
reads it in French; the customer's words stay as written."""

from __future__ import annotations

import pytest

from maild.adapters.clock import ManualClock
from tests.conftest import START, mail
from tests.e2e.conftest import Desk
from tests.integration.staff import answer
from tests.peers import maild_config

pytestmark = pytest.mark.dovecot
DANA, ERIN = "dana@acme.example", "erin@acme.example"
OWNERS = """
timezone = "Europe/Berlin"
[[escalation]]
name = "eng"
owner = "Erin Engineer <erin@acme.example>"
language = "fr"
[limits]
escalate_to = ["eng"]
"""


@pytest.fixture
def desk(tmp_path, dovecot, imap_user, sink):  # type: ignore[no-untyped-def]
    cfg = maild_config(tmp_path / "maild.toml", dovecot, imap_user, sink.port, extra=OWNERS)
    german = 'name = "Dana Agent"\nteam = "tier1"\nlanguage = "de"\n'
    cfg.write_text(cfg.read_text().replace('name = "Dana Agent"\nteam = "tier1"\n', german))
    return Desk(cfg, dovecot, imap_user, ManualClock(START)), sink.handler


def test_a_german_agent_and_a_french_owner_read_their_own_language(desk):  # type: ignore[no-untyped-def]
    d, got = desk
    d.step(mail(subject="Lieferung fehlt", text="Meine Bestellung ist nicht angekommen.",
                sender="Jonas Weber <jonas@example.de>"))  # fmt: skip
    [new] = got.to(DANA)
    assert str(new.msg["Subject"]) == "[#1] Neu: Lieferung fehlt"
    text = new.text()
    assert text.startswith("Neues Ticket #1 von Jonas Weber <jonas@example.de>")
    assert "Meine Bestellung ist nicht angekommen." in text
    assert "Antworten Sie auf diese Mail, um dem Kunden zu antworten." in text
    assert "Reply to this mail" not in text

    d.step(answer(new.raw, "#queue", quote=False), minutes=5)
    queue = got.to(DANA)[-1]
    assert str(queue.msg["Subject"]) == "Ihre Warteschlange: 1 Ticket"
    assert "Hallo Dana Agent: Ihre Warteschlange am Montag, 23. November 2026" in queue.text()
    assert "#1 Lieferung fehlt" in queue.text()
    html = queue.msg.get_body(("html",)).get_content()
    assert '<html lang="de" dir="ltr">' in html and "Auf #1 antworten" in html

    d.step(answer(new.raw, "#assign me\n#escalate eng Export bricht ab", quote=False), minutes=5)
    [owner] = got.to(ERIN)
    assert str(owner.msg["Subject"]) == "[#1] Escaladé vers eng : Lieferung fehlt"
    text = owner.text()
    assert text.startswith("Dana Agent a escaladé ce ticket vers eng, et vous en êtes responsable.")
    assert "Escaladé vers eng le lundi 23 novembre 2026" in text
    assert "Meine Bestellung ist nicht angekommen." in text
