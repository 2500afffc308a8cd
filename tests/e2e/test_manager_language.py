"""End to end through Dovecot and an aiosmtpd sink (issue 27): a German manager's approval
request arrives in German with German money, the agent's receipt on the same mail stays
English, and Maria's #approve under the German request works as it always did."""

from __future__ import annotations

import json

import pytest

from tests.conftest import mail
from tests.e2e.test_imap import cli
from tests.integration.staff import answer
from tests.peers import maild_config

pytestmark = pytest.mark.dovecot
MARIA = "maria@acme.example"


def test_a_german_manager_approves_from_a_german_request(
    tmp_path, dovecot, imap_user, sink, monkeypatch
):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    cfg = maild_config(
        tmp_path / "maild.toml", dovecot, imap_user, sink.port,
        password_env="TEST_IMAP_PASSWORD", extra='[limits]\ncurrency = "EUR"\n',
    )  # fmt: skip
    text = cfg.read_text()
    cfg.write_text(
        text.replace(f'manager = "{MARIA}"\n', f'manager = "{MARIA}"\nmanager_language = "de"\n')
    )
    dovecot.append(imap_user, mail(subject="Wasserkocher kaputt"))
    assert cli(cfg, "run", "--once").exit_code == 0
    [note] = [r for r in sink.handler.wait_for(2) if "dana@" in r.rcpt_tos[0]]
    dovecot.append(imap_user, answer(note.raw, "#credit 80 kaputt\n\nHallo Sam, erstattet."))
    assert cli(cfg, "run", "--once").exit_code == 0
    sink.handler.wait_for(4)
    [request] = sink.handler.to(MARIA)
    assert request.msg["Subject"] == "[#1] Freigabe erforderlich: Dana Agent schreibt 80,00 € gut"
    german = request.text()
    assert "möchte auf Ticket #1 eine Gutschrift über 80,00\xa0€ erteilen" in german
    assert (
        "80,00\xa0€ liegt über dem Höchstbetrag einer einzelnen Gutschrift (50,00\xa0€)" in german
    )
    receipt = sink.handler.to("dana@acme.example")[-1]  # after the new-ticket note
    assert "approval" in receipt.text() and "Freigabe" not in receipt.text()

    dovecot.append(imap_user, answer(request.raw, "#approve in Ordnung", MARIA))
    assert cli(cfg, "run", "--once").exit_code == 0
    [credit] = json.loads(cli(cfg, "ledger", "--json").output)
    assert (credit["amount"], credit["approved_by"]) == ("80.00", MARIA)
