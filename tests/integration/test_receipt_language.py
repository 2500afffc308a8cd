"""A staff member's receipt is written in their own language, whatever the customer's:
through the real desk (ingest, plan, receipt, outbox), read as the mail leaves."""

import pytest

from maild.adapters.db.models import Action, Event
from tests.conftest import mail
from tests.integration.helpers import parsed, rows
from tests.integration.staff import answer, body, last, new_since, take

DANA = "dana@acme.example"  # no language of her own: the team's (English)
JANA = "jana@acme.example"  # language = "de"
JONAS = "Jonas Weber <jonas@example.de>"
MIXED = "#credit 20 verspätete Lieferung\n#cerdit 5\n#help\n\nHallo Jonas, das tut mir leid."


@pytest.fixture
def desk(make_app):
    return make_app(
        agents=[
            {"email": DANA, "name": "Dana Agent", "team": "tier1"},
            {"email": JANA, "name": "Jana Agentin", "team": "tier1", "language": "de"},
        ],
        limits={"currency": "EUR"},
    )


def _german_ticket(app) -> None:
    take(
        app,
        mail(
            subject="Lieferung fehlt",
            text="Hallo, meine Bestellung ist seit zwei Wochen nicht angekommen.",
            sender=JONAS,
            Content_Language="de",
        ),
    )


def _receipt(app, agent: str, text: str):
    before = len(rows(app, Action))
    outbox_before = len(new_since(app, 0))
    take(app, answer(last(app, "agent/new", agent), text))
    assert len(rows(app, Action)) == before + 1
    [receipt] = [o for o in new_since(app, outbox_before) if o.template == "staff/receipt"]
    assert receipt.recipients == [agent]
    return receipt


def test_an_english_agents_receipt_on_a_german_customers_ticket_is_english(desk):
    _german_ticket(desk)
    receipt = _receipt(desk, DANA, MIXED)
    text = body(receipt)
    assert parsed(receipt.raw)["Subject"] == "[#1] Receipt: refused"
    assert text.startswith("Nothing in your mail took effect.")
    assert "line 2: #cerdit 5\n      refused: unknown command '#cerdit': did you mean #credit?" in (
        text
    )
    assert "not applied: another line in this mail was refused" in text
    assert "#credit AMOUNT [CUR] [reason]" in text
    assert "credit the ticket's customer, within your limits" in text
    assert "Credit budget left: €200.00 today, €1,000.00 this month" in text
    for german in ("abgelehnt", "Ihre", "Gutschrift", "Zeile"):
        assert german not in text


def test_a_german_agent_gets_a_german_receipt_with_the_commands_unchanged(desk):
    _german_ticket(desk)
    receipt = _receipt(desk, JANA, MIXED)
    msg = parsed(receipt.raw)
    text = body(receipt)
    assert msg["Subject"] == "[#1] Rückmeldung: abgelehnt"
    assert text.startswith("Nichts in Ihrer Mail wurde wirksam.")
    assert (
        "Zeile 2: #cerdit 5\n      abgelehnt: unbekannter Befehl „#cerdit“: Meinten Sie #credit?"
        " (#help listet Ihre Befehle auf)"
    ) in text
    assert "nicht ausgeführt: eine andere Zeile dieser Mail wurde abgelehnt" in text
    # the help: the command and its usage as they are, the explanation in German
    assert (
        "#credit AMOUNT [CUR] [reason]        dem Kunden des Tickets eine Gutschrift geben,"
        " im Rahmen Ihrer Limits"
    ) in text
    assert "#escalate TEAM [OWNER] [note]" in text
    # German money: the amount first, a decimal comma, the euro sign after a no-break space
    assert "Verbleibendes Budget für Gutschriften: 200,00 € heute, 1.000,00 € in diesem" in (
        text.replace("\xa0€", " €")
    )
    assert "Ihre Limits: 50,00\xa0€ pro Gutschrift, 200,00\xa0€ pro Tag" in text
    html = msg.get_body(("html",)).get_content()
    assert '<html lang="de" dir="ltr">' in html and '<th align="left">Befehl</th>' in html
    for english in ("refused", "Your commands", "unknown command", "Credit budget"):
        assert english not in text
    # The ticket's history and the action row keep the English (the CLI, the logs).
    [action] = [a for a in rows(desk, Action) if a.actor == JANA]
    assert action.lines[1]["reason"].startswith("unknown command '#cerdit'")
    commands = [e.detail for e in rows(desk, Event) if e.kind == "command"]
    assert "unknown command '#cerdit': did you mean #credit?" in commands[-2]["reason"]


def test_a_german_agents_applied_credit_is_said_in_german_money(desk):
    _german_ticket(desk)
    receipt = _receipt(desk, JANA, "#credit 20 verspätete Lieferung\n\nHallo Jonas.")
    text = body(receipt).replace("\xa0€", " €")
    assert "Alles in Ihrer Mail wurde ausgeführt." in text
    assert (
        "ausgeführt: 20,00 € an jonas@example.de gutgeschrieben (verspätete Lieferung);"
        " im Rahmen Ihrer Limits (20,00 €)"
    ) in text
    assert "180,00 € heute, 980,00 € in diesem Monat (höchstens 50,00 € pro Gutschrift)" in text
    assert "An den Kunden gesendet:" in text and "Hallo Jonas." in text


def test_a_german_agent_hears_in_german_why_a_mail_was_not_proven(desk):
    _german_ticket(desk)
    before = len(new_since(desk, 0))
    take(desk, mail(subject="Re: [#1] Lieferung fehlt", text="#close", sender=f"Jana <{JANA}>"))
    [receipt] = [o for o in new_since(desk, before) if o.template == "staff/receipt"]
    text = body(receipt)
    assert receipt.recipients == [JANA]
    assert parsed(receipt.raw)["Subject"].endswith(
        "Rückmeldung: nicht gestartet, Absender nicht nachgewiesen"
    )
    assert "maild konnte nicht nachweisen, dass sie von Ihnen stammt." in text
    assert (
        "Grund: die Mail enthält kein maild-Token: Antworten Sie auf die Benachrichtigung" in text
    )
    assert (
        "Zeile 1: #close\n      nicht gestartet: nicht nachweislich von jana@acme.example:" in text
    )
    [event] = [e for e in rows(desk, Event) if e.kind == "staff_mail_unproven"]
    assert "the mail carries no maild token" in event.detail["reason"]
