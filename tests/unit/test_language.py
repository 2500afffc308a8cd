"""Which language a customer is written to in: decided on their first mail."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from maild.core import language
from maild.core.language import Guess, decide, primary
from maild.core.mail import parse

AVAILABLE = frozenset({"en", "de", "fr", "es"})


def _mail(text: str, **headers: str):  # type: ignore[no-untyped-def]
    head = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    raw = (
        f"From: Jonas <jonas@example.de>\r\nTo: support@acme.example\r\nSubject: x\r\n"
        f"Message-ID: <1@example.de>\r\n{head}\r\n{text}\r\n"
    ).encode()
    return parse(raw, max_attachment_bytes=10**7, max_message_bytes=10**8)


def sure(lang: str) -> language.Detect:
    return lambda text: Guess(lang, 0.99)


def test_remembered_first_then_header_then_a_sure_text():
    m = _mail("Hallo, meine Bestellung ist nicht angekommen", Content_Language="fr-FR")
    assert decide(m, "es", sure("de"), AVAILABLE) == "es"
    assert decide(m, None, sure("de"), AVAILABLE) == "fr"
    assert decide(_mail("Hallo, meine Bestellung fehlt noch"), None, sure("de"), AVAILABLE) == "de"


def test_an_unsure_or_short_text_falls_back_to_the_team():
    unsure = lambda text: Guess("de", 0.6)  # noqa: E731
    long = "Hallo, my order is late, bitte schnell"
    assert decide(_mail(long), None, unsure, AVAILABLE) is None
    assert decide(_mail("Danke!"), None, sure("de"), AVAILABLE) is None  # too short to tell
    assert decide(_mail(long), None, None, AVAILABLE) is None  # no detector


def test_a_language_maild_cannot_write_is_not_chosen():
    m = _mail("Buongiorno, il mio ordine non è arrivato", Content_Language="it")
    assert decide(m, None, sure("it"), AVAILABLE) is None


def test_the_real_detector_reads_german_french_and_spanish_and_abstains_on_mixed():
    from maild.adapters.langid import Detector

    detect = Detector()
    chooser = language.Chooser(AVAILABLE, detect)
    said = {
        "Hallo, meine Bestellung ist seit zwei Wochen nicht angekommen.": "de",
        "Bonjour, ma commande n'est toujours pas arrivée, pouvez-vous vérifier ?": "fr",
        "Hola, mi pedido no ha llegado todavía, ¿pueden ayudarme?": "es",
        "Hello, my order from last week has not arrived yet.": "en",
        "Hallo, my order is late": None,  # mixed: the team's
        "ok thanks": None,
    }
    for text, want in said.items():
        assert chooser.choose(_mail(text), None) == want, text


@given(st.sampled_from(["de", "DE", "de-DE", " de-ch ", "de_AT", "gsw-u-sd-chzh"]))
def test_a_tag_gives_its_primary_language(tag):
    assert primary(tag) in {"de", "gsw"}


@given(st.text(max_size=30))
def test_primary_never_fails(tag):
    found = primary(tag)
    assert found is None or (found.isalpha() and found.islower() and 2 <= len(found) <= 3)


def test_content_language_names_the_first_of_several():
    m = _mail("x", Content_Language="es, en")
    assert language.header_language(m) == "es"
    assert language.header_language(replace(m, headers=())) is None
