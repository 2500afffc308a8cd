"""End to end: two agents answer a German customer's ticket from their mail clients
through a real Dovecot; each receipt arrives at the sink in its reader's language."""

from __future__ import annotations

import pytest

from tests.conftest import mail
from tests.e2e.test_imap import cli
from tests.integration.staff import answer

pytestmark = pytest.mark.dovecot

JANA = """
[[agents]]
email = "jana@acme.example"
name = "Jana Agentin"
team = "tier1"
language = "de"
"""


def test_each_agent_reads_the_receipt_in_their_own_language(setup):
    cfg, dovecot, user, sink = setup
    cfg.write_text(cfg.read_text() + JANA)
    german = mail(
        subject="Lieferung fehlt",
        text="Hallo, meine Bestellung ist seit zwei Wochen nicht angekommen.",
        sender="Jonas Weber <jonas@example.de>",
        Content_Language="de",
    )
    dovecot.append(user, german)
    assert cli(cfg, "run", "--once").exit_code == 0
    sent = sink.handler.wait_for(3)  # the acknowledgement, a notification for each agent
    notes = {r.rcpt_tos[0]: r.raw for r in sent if r.rcpt_tos[0].endswith("@acme.example")}
    assert set(notes) == {"dana@acme.example", "jana@acme.example"}
    for agent, raw in notes.items():
        dovecot.append(user, answer(raw, "#cerdit 5\n\nHallo Jonas", agent))
    result = cli(cfg, "run", "--once")
    assert result.exit_code == 0, result.output
    sink.handler.wait_for(5)
    [dana] = sink.handler.to("dana@acme.example")[1:]
    [jana] = sink.handler.to("jana@acme.example")[1:]
    assert dana.msg["Subject"] == "[#1] Receipt: refused"
    assert "refused: unknown command '#cerdit': did you mean #credit?" in dana.text()
    assert jana.msg["Subject"] == "[#1] Rückmeldung: abgelehnt"
    text = jana.text()
    assert "Nichts in Ihrer Mail wurde wirksam." in text
    assert "abgelehnt: unbekannter Befehl „#cerdit“: Meinten Sie #credit?" in text
    assert "Verbleibendes Budget für Gutschriften:" in text
    assert "unknown command" not in text and "Your commands" not in text
    assert sink.handler.to("jonas@example.de")[1:] == []  # refused: nothing to the customer
