"""A German customer's ticket as the service path writes it: the lines around Dana's
answer, the record of what was sent, the escalation and "still working on it" in
German; Dana, whose language is English, keeps her receipt in English; an English
customer on the same desk reads English."""

import re

import pytest

from maild.adapters.db.models import Message
from tests.conftest import mail
from tests.integration.helpers import outbox, parsed, rows
from tests.integration.staff import answer, body, last, take

DANA, JONAS, SAM = "dana@acme.example", "jonas@example.de", "sam@example.com"
GERMAN = (
    "Hallo, meine Bestellung ist seit zwei Wochen nicht angekommen. Können Sie bitte "
    "nachsehen, wo sie bleibt?\n\nJonas Weber"
)
DESK = {
    "limits": {"currency": "EUR", "escalate_to": ["eng"]},
    "escalation": [
        {
            "name": "eng",
            "public_name": "Engineering",
            "owner": "Erin Engineer <erin@acme.example>",
            "update_every": "2d",
            "notify_customer_when_stale": True,
        }
    ],
}


@pytest.fixture
def app(make_app):
    return make_app(**DESK)


def jonas_writes(app) -> None:
    take(app, mail(subject="Lieferung fehlt", text=GERMAN, sender=f"Jonas Weber <{JONAS}>"))


def words(row) -> str:
    return re.sub(r"[ \t\r\n]+", " ", body(row))  # a no-break space stays one


def test_the_lines_around_the_answer_and_the_record_are_in_the_customers_language(app):
    jonas_writes(app)
    reply = "#credit 20 late delivery\n#close\n\nHallo Herr Weber, es kommt morgen.\n\nDana"
    take(app, answer(last(app, "agent/new", DANA), reply))
    sent = last(app, "customer/reply", JONAS)
    german = "Ihrem Konto wurde eine Gutschrift über 20,00\xa0€ hinzugefügt."
    assert german in words(sent)
    assert "Wir haben diese Anfrage abgeschlossen." in words(sent)
    assert parsed(sent.raw)["Subject"] == "Re: [#1] Ihre Anfrage: Lieferung fehlt"
    # the ticket records the mail that went out, as Jonas read it
    [out] = [m for m in rows(app, Message) if m.direction == "out" and m.kind == "reply"]
    assert german in out.text and "Hallo Herr Weber, es kommt morgen." in out.text
    # Dana reads English: her receipt is English, quoting what Jonas was sent
    receipt = words(last(app, "staff/receipt", DANA))
    assert "Everything in your mail was applied." in receipt
    assert "credited €20.00 to jonas@example.de (late delivery)" in receipt
    assert german in receipt


def test_an_english_customer_on_the_same_desk_reads_english(app):
    jonas_writes(app)
    take(app, mail(sender=f"Sam Customer <{SAM}>"))  # "Hello, my order did not arrive."
    take(app, answer(last(app, "agent/new", DANA), "#credit 20\n\nHi Sam, sorry."))
    assert "A credit of €20.00 has been added to your account." in words(
        last(app, "customer/reply", SAM)
    )
    assert [o.template for o in outbox(app) if JONAS in o.recipients] == ["customer/ack"]


def test_an_escalation_and_still_working_on_it_in_german(app, clock):
    jonas_writes(app)
    note = last(app, "agent/new", DANA)
    take(app, answer(note, "#escalate eng Sendungsverfolgung kaputt\n\nHallo Herr Weber."))
    told = words(last(app, "customer/reply", JONAS))
    assert "Ihre Anfrage wurde an unser Team Engineering weitergegeben." in told
    assert "Dana Agent bleibt Ihre Ansprechperson" in told
    for _ in range(5):  # two periods of two days without a word: stale
        clock.advance(days=1, hours=1)
        app.scheduler.run_due()
    still = last(app, "customer/still-working", JONAS)
    assert parsed(still.raw)["Subject"] == "Re: [#1] Ihre Anfrage: Lieferung fehlt"
    assert "eine kurze Nachricht zu Ihrer Anfrage #1: Unser Team Engineering" in words(still)


def test_lang_in_the_answer_changes_the_lines_around_it_at_once(app):
    take(app, mail(sender=f"Sam Customer <{SAM}>"))
    take(app, answer(last(app, "agent/new", DANA), "#lang fr\n#close\n\nBonjour Sam, c'est fait."))
    sent = last(app, "customer/reply", SAM)
    assert "Nous avons clôturé cette demande." in words(sent)
    assert parsed(sent.raw)["Subject"] == "Re: [#1] Votre demande : Help with my order"
