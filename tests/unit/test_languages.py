"""Every template renders in every shipped language with every sample context, and no
English is left in a mail written in another language: checked with a pseudo-language
whose catalog is maild.pot with each sentence wrapped in ⟦ ⟧, so any word of the mail
that is neither inside ⟦ ⟧ nor the sample's own data came from outside the catalogs."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import FileSystemLoader
from markupsafe import escape

from maild.adapters import i18n
from maild.adapters.render import Renderer, default_templates_dir, environment
from maild.core.contexts import CONTEXTS, View
from maild.core.words import Msg
from tests.unit.samples import SAMPLES

TEMPLATES = default_templates_dir()
LANGS = i18n.shipped()
CASES = [(t, i) for t in sorted(SAMPLES) for i in range(len(SAMPLES[t]))]


def _values(sample: View | Mapping[str, object]) -> dict[str, object]:
    values = sample.values() if isinstance(sample, View) else dict(sample)
    return {"ticket_id": 7, "support_name": "Acme Support", **values}


def _render(speech: i18n.Speech, template: str, sample: object, part: str) -> str:
    env = environment(FileSystemLoader(str(TEMPLATES)), speech)
    context = speech.localize(_values(sample))  # type: ignore[arg-type]
    return env.get_template(f"{template}.{part}.j2").render(**context)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("template", "i"), CASES)
def test_every_template_renders_in_every_language(lang, template, i):
    speech = i18n.speech(lang)
    for part in ("subject", "txt", "html"):
        out = _render(speech, template, SAMPLES[template][i], part)
        assert out.strip(), f"{template}.{part} is empty in {lang}"


def test_every_template_has_a_sample():
    assert set(SAMPLES) == set(CONTEXTS)


# -- no English outside the catalogs ---------------------------------------------------
@pytest.fixture(scope="module")
def pseudo(tmp_path_factory) -> i18n.Speech:
    """Russian dates and numbers (no Latin letters), every sentence ⟦wrapped⟧."""
    with open(i18n.LOCALE_DIR / "maild.pot", "rb") as f:
        catalog = read_po(f)
    for m in catalog:
        if m.id:
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            wrapped = tuple(f"⟦{i}⟧" for i in ids)
            m.string = wrapped if isinstance(m.id, tuple) else wrapped[0]
    folder = tmp_path_factory.mktemp("pseudo") / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "maild.mo", "wb") as f:
        write_mo(f, catalog)
    return i18n.speech("ru", UTC, folder.parent.parent)


def _data(value: object) -> Iterator[str]:
    """Every string a sample carries: the people's words, names, subjects."""
    if isinstance(value, str):
        yield from (line.strip() for line in value.splitlines() if line.strip())
    elif isinstance(value, Msg):
        yield from _data(dict(value.values))
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _data(v)
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _data(v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _data(getattr(value, f.name))


_INNERMOST = re.compile(r"⟦[^⟦⟧]*⟧")
_NOT_WORDS = [
    re.compile(r"<[^>]*>"),
    re.compile(r"&\w+;|&#\d+;"),
    re.compile(r"\S*@\S*|cid:\S+|https?://\S+"),
    re.compile(r"\b[A-Z]{2,5}\b"),  # currency codes and time zones: USD, UTC
]


def leftover_english(text: str, sample: object) -> list[str]:
    for piece in sorted(set(_data(_values(sample))), key=len, reverse=True):
        text = text.replace(piece, " ").replace(str(escape(piece)), " ")  # as HTML writes it
    while _INNERMOST.search(text):  # a sentence may hold another: ⟦... ⟦your answer⟧ ...⟧
        text = _INNERMOST.sub(" ", text)
    for pattern in _NOT_WORDS:
        text = pattern.sub(" ", text)
    return re.findall(r"[A-Za-z]{2,}", text)


@pytest.mark.parametrize(("template", "i"), CASES)
def test_no_english_outside_the_catalogs(pseudo, template, i):
    for part in ("subject", "txt", "html"):
        out = _render(pseudo, template, SAMPLES[template][i], part)
        assert leftover_english(out, SAMPLES[template][i]) == [], f"{template}.{part}:\n{out}"


def test_english_outside_the_catalogs_is_caught():
    assert leftover_english("⟦Hello⟧ Sam, thanks", {"name": "Sam"}) == ["thanks"]
    assert leftover_english("⟦reply ⟦good⟧ or ⟦bad⟧⟧ or", {}) == ["or"]  # nested sentences
    assert leftover_english("⟦Sent ⟦by⟧ Sam⟧ today", {"name": "Sam"}) == ["today"]
    assert leftover_english("⟦Sent ⟦by⟧ Sam to⟧ ⟦x⟧", {"name": "Sam"}) == []


# -- a German customer's acknowledgement, and a right-to-left language ------------------
def _ack(lang: str) -> object:
    from maild.core.notices import Notice

    return Notice(
        template="customer/ack",
        to_addr="jonas@example.de",
        to_name="Jonas Weber",
        ticket_id=7,
        message_id="<a@acme.example>",
        reply_to="support@acme.example",
        in_reply_to=None,
        references=(),
        auto_submitted="auto-replied",
        context={**_values(SAMPLES["customer/ack"][0])},
        language=lang,
    )


def test_a_german_customer_is_acknowledged_in_german():
    renderer = Renderer(TEMPLATES, "support@acme.example", "Acme Support")
    ack = _ack("de")
    assert renderer.part(ack, "subject").strip() == "[#7] Ihre Anfrage: Lieferung fehlt"  # type: ignore[arg-type]
    text = renderer.part(ack, "txt")  # type: ignore[arg-type]
    assert text.startswith("Guten Tag Jonas Weber,")
    assert "\n\nwir haben Ihre Nachricht erhalten" in text
    assert '<html lang="de" dir="ltr">' in renderer.part(ack, "html")  # type: ignore[arg-type]


def test_a_language_without_a_catalog_is_written_in_english():
    renderer = Renderer(TEMPLATES, "support@acme.example", "Acme Support")
    assert renderer.part(_ack("it"), "txt").startswith("Hello Jonas Weber,")  # type: ignore[arg-type]


def test_a_right_to_left_catalog_renders_right_to_left(tmp_path: Path):
    """Adding Hebrew is adding its catalog: two sentences here, the rest in English."""
    folder = tmp_path / "he" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "maild.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Hello %(name)s,"\nmsgstr "שלום %(name)s,"\n\n'
        'msgid "Your request"\nmsgstr "הפנייה שלך"\n'
    )
    with open(folder / "maild.po", "rb") as po, open(folder / "maild.mo", "wb") as mo:
        write_mo(mo, read_po(po))
    renderer = Renderer(TEMPLATES, "support@acme.example", "Acme", locale_dir=tmp_path)
    html = renderer.part(_ack("he"), "html")  # type: ignore[arg-type]
    assert '<html lang="he" dir="rtl">' in html
    assert "שלום Jonas Weber," in html
    assert "We have received your message" in html  # not translated: English, never blank


def test_dates_numbers_and_money_as_the_locale_writes_them():
    from zoneinfo import ZoneInfo

    from maild.core.policy import Money

    de = i18n.speech("de", ZoneInfo("Europe/Berlin"))
    when = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    assert de.moment(when) == "Montag, 7. Dezember 2026, 14:00 MEZ"
    assert de.money(Money.from_cents(2000, "EUR")) == "20,00\xa0€"
    assert de.number(1234) == "1.234"
    en = i18n.speech("en", ZoneInfo("Europe/Berlin"))
    assert en.moment(when) == "Monday, December 7, 2026, 2:00\u202fPM CET"
    assert en.money(Money.from_cents(2000, "USD")) == "$20.00"
    fr = i18n.speech("fr", ZoneInfo("Europe/Paris"))
    assert fr.money(Money.from_cents(2000, "EUR")) == "20,00\xa0€"


def test_a_msg_is_said_with_its_values_in_the_readers_locale():
    from maild.core.policy import Money
    from maild.core.words import N_, Nn_

    de = i18n.speech("de")
    said = de.say(N_("credited %(amount)s", amount=Money.from_cents(123456, "EUR")))
    assert said == "credited 1.234,56\xa0€"  # no catalog entry: the English, German money
    assert de.say(Nn_("%(n)s line", "%(n)s lines", 3)) == "3 Zeilen"  # in the catalog
