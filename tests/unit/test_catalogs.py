"""The catalogs are whole and current: every sentence of the templates and of the core's
N_() is in maild.pot, every shipped language translates each one (none empty, none
fuzzy), its .mo is compiled from its .po, and no template writes a word outside them."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from maild.adapters import i18n
from maild.adapters.render import default_templates_dir

ROOT = Path(__file__).resolve().parents[2]
LANGS = [lang for lang in i18n.shipped() if lang != i18n.SOURCE]


def _po(lang: str):  # type: ignore[no-untyped-def]
    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "maild.po", "rb") as f:
        return read_po(f, locale=lang)


def _extracted(tmp_path: Path):  # type: ignore[no-untyped-def]
    out = tmp_path / "now.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg",
         "-k", "N_", "-k", "Nn_:1,2", "--no-location", "-o", str(out), "."],
        cwd=ROOT, check=True,
    )  # fmt: skip
    with open(out, "rb") as f:
        return read_po(f)


def test_german_french_and_spanish_ship():
    assert {"de", "fr", "es"} <= set(LANGS)


def test_the_template_of_the_catalogs_is_current(tmp_path):
    now = {m.id for m in _extracted(tmp_path) if m.id}
    with open(i18n.LOCALE_DIR / "maild.pot", "rb") as f:
        kept = {m.id for m in read_po(f) if m.id}
    assert now == kept, "maild.pot is stale: run scripts/catalogs"


@pytest.mark.parametrize("lang", LANGS)
def test_every_sentence_is_translated_and_none_is_fuzzy(lang, tmp_path):
    wanted = {m.id for m in _extracted(tmp_path) if m.id}
    po = _po(lang)
    have = {m.id: m for m in po if m.id}
    missing = sorted(str(i) for i in wanted - set(have))
    assert not missing, f"{lang}: not in its .po (run scripts/catalogs): {missing[:5]}"
    empty = [str(m.id) for m in have.values() if not m.string or not all(m.string)]
    assert not empty, f"{lang}: untranslated: {empty[:5]}"
    fuzzy = [str(m.id) for m in have.values() if m.fuzzy]
    assert not fuzzy, f"{lang}: fuzzy (check, then drop the flag): {fuzzy[:5]}"


@pytest.mark.parametrize("lang", LANGS)
def test_each_translation_keeps_the_placeholders_of_its_sentence(lang):
    placeholder = re.compile(r"%\((\w+)\)s")
    for m in _po(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set(placeholder.findall(ids[-1]))
        for s in strings:
            assert set(placeholder.findall(s)) <= want | set(placeholder.findall(ids[0])), (
                f"{lang}: {m.id!r} -> {s!r} names a value the sentence does not have"
            )


def _key(value: object) -> object:
    """A plural's forms are a tuple in a .po and a list in a .mo: compare them alike."""
    return tuple(value) if isinstance(value, list | tuple) else value


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalog_is_the_po_file(lang):
    po = {_key(m.id): _key(m.string) for m in _po(lang) if m.id and not m.fuzzy}
    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "maild.mo", "rb") as f:
        mo = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    assert mo == po, f"{lang}: maild.mo is stale: run scripts/catalogs"


def _key(value: object) -> object:
    """A plural's forms as a tuple (read_mo gives lists, read_po tuples)."""
    return tuple(value) if isinstance(value, list | tuple) else value


# A template's own words live in {% trans %} blocks and _("..."): once those, the
# expressions and tags, the HTML tags and entities are taken out, no word is left.
_OUT = [
    re.compile(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", re.S),
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{\{.*?\}\}", re.S),
    re.compile(r"\{%.*?%\}", re.S),
    re.compile(r"<style.*?</style>", re.S),
    re.compile(r"<[^>]*>", re.S),
    re.compile(r"&\w+;|&#\d+;"),
]
_WORD = re.compile(r"[^\W\d_]{2,}")


def _loose_words(text: str) -> list[str]:
    for pattern in _OUT:
        text = pattern.sub(" ", text)
    return _WORD.findall(text)


TEMPLATES = default_templates_dir()


# Not the macros: they are the team's own canned replies, in the team's words.
OURS = sorted(
    str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.j2") if p.parent.name != "macros"
)


@pytest.mark.parametrize("name", OURS)
def test_no_template_writes_a_word_outside_the_catalogs(name):
    assert _loose_words((TEMPLATES / name).read_text()) == []


def test_a_word_outside_the_catalogs_is_caught():
    assert _loose_words("{% trans %}Hello{% endtrans %}, <b>{{ x }}</b> Thanks") == ["Thanks"]


def test_a_catalog_with_an_empty_entry_is_caught(tmp_path):
    po = io.BytesIO(b'msgid "Hello"\nmsgstr ""\n')
    assert [m.string for m in read_po(po) if m.id] == [""]
