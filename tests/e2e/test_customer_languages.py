"""End to end through Dovecot and an aiosmtpd sink, in one session: Jonas writes in
German and hears from maild in German (the acknowledgement, the lines around Dana's
answer with a credit in German money, the closing, the survey, which reads his "gut"),
while Dana's receipt stays English; a French and a Spanish customer get theirs."""

from __future__ import annotations

import re

import pytest

from maild.adapters.clock import ManualClock
from tests.conftest import START, mail
from tests.e2e.conftest import Desk
from tests.integration.staff import answer
from tests.peers import maild_config

pytestmark = pytest.mark.dovecot
EUROS = '[limits]\ncurrency = "EUR"\n'
JONAS, DANA = "jonas@example.de", "dana@acme.example"


def words(text: str) -> str:
    """The text as one line of words: a paragraph is one line however it is wrapped."""
    return re.sub(r"[ \t\r\n]+", " ", text)  # a no-break space stays one


def test_german_french_and_spanish_customers_end_to_end(tmp_path, dovecot, imap_user, sink):
    cfg = maild_config(tmp_path / "maild.toml", dovecot, imap_user, sink.port, extra=EUROS)
    survey_on = "[survey]\nenabled = true\ndelay_hours = 1"
    cfg.write_text(cfg.read_text().replace("[survey]\nenabled = false", survey_on))
    desk = Desk(cfg, dovecot, imap_user, ManualClock(START))
    step, got = desk.step, sink.handler

    step(
        mail(
            subject="Lieferung fehlt",
            text="Hallo, meine Bestellung ist seit zwei Wochen nicht angekommen. Können Sie "
            "bitte nachsehen, wo sie bleibt?\n\nJonas Weber",
            sender=f"Jonas Weber <{JONAS}>",
        )
    )
    [ack] = got.to(JONAS)
    assert ack.msg["Subject"] == "[#1] Ihre Anfrage: Lieferung fehlt"
    assert "wir haben Ihre Nachricht erhalten" in words(ack.text())
    assert '<html lang="de"' in ack.msg.get_body(("html",)).get_content()
    [note] = got.to(DANA)

    step(answer(note.raw, "#credit 20 late delivery\n#close\n\nHallo Herr Weber, es kommt."))
    reply = got.to(JONAS)[-1]
    text = words(reply.text())
    assert reply.msg["Subject"] == "Re: [#1] Ihre Anfrage: Lieferung fehlt"
    assert "Hallo Herr Weber, es kommt." in text
    assert "Ihrem Konto wurde eine Gutschrift über 20,00\xa0€ hinzugefügt." in text
    assert "Wir haben diese Anfrage abgeschlossen." in text
    assert "late delivery" not in text and "credit" not in text
    receipt = got.to(DANA)[-1]  # Dana's language is English: her receipt is English
    assert "Receipt" in str(receipt.msg["Subject"])
    assert "credited €20.00 to jonas@example.de" in words(receipt.text())

    step(hours=1)
    survey = got.to(JONAS)[-1]
    assert survey.msg["Subject"] == "[#1] Wie zufrieden waren Sie? Lieferung fehlt"
    assert "mit einem Wort: gut oder schlecht" in words(survey.text())
    step(answer(survey.raw, "Gut, danke! Sehr schnell.", sender=f"Jonas Weber <{JONAS}>"))
    assert "Rated good" in str(got.to(DANA)[-1].msg["Subject"])

    step(
        mail(
            subject="Colis perdu",
            text="Bonjour, mon colis n'est jamais arrivé. Pouvez-vous vérifier ?",
            sender="Léa Martin <lea@example.fr>",
            Content_Language="fr",
        )
    )
    [ack] = got.to("lea@example.fr")
    assert ack.msg["Subject"] == "[#2] Votre demande : Colis perdu"
    step(answer(got.to(DANA)[-1].raw, "#close\n\nBonjour Madame Martin, il est retrouvé."))
    assert "Nous avons clôturé cette demande." in words(got.to("lea@example.fr")[-1].text())

    step(
        mail(
            subject="Pedido no recibido",
            text="Hola, mi pedido todavía no ha llegado y ya han pasado dos semanas. "
            "¿Pueden ayudarme, por favor?",
            sender="Lucía García <lucia@example.es>",
        )
    )
    [ack] = got.to("lucia@example.es")
    assert ack.msg["Subject"] == "[#3] Su solicitud: Pedido no recibido"
    step(answer(got.to(DANA)[-1].raw, "#credit 5\n\nHola, Lucía: lo sentimos."))
    said = words(got.to("lucia@example.es")[-1].text())
    assert "Se ha añadido a su cuenta un abono de 5,00\xa0€." in said
    desk.app.db.engine.dispose()
