"""The reader's language: gettext catalogs, and dates, numbers and money by locale.

Every sentence maild writes is English in the code and the templates (the msgid)
and comes out through the catalog of the reader's language:
maild/locale/<lang>/LC_MESSAGES/maild.mo, compiled from its .po by
`pybabel compile` (docs/languages.md). A language without a catalog, or a
sentence its catalog lacks, is written in English: never a blank.
"""

from __future__ import annotations

import dataclasses
import gettext
from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.support import NullTranslations, Translations

from maild.core.policy import Money
from maild.core.words import Msg

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "maild"
SOURCE = "en"  # the language of the msgids


def shipped(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """The languages maild can write: English and every compiled catalog."""
    found = {p.parent.parent.name for p in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return sorted(found | {SOURCE})


def known(lang: str) -> bool:
    try:
        Locale.parse(lang.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True


@dataclasses.dataclass(frozen=True)
class Speech:
    """How one language writes: its catalog, its locale, the team's time zone."""

    lang: str
    translations: gettext.NullTranslations
    locale: Locale
    tz: tzinfo | None = None

    @property
    def direction(self) -> str:
        """ "rtl" for Arabic, Hebrew, Persian...: the HTML's dir attribute."""
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    def say(self, m: Msg) -> str:
        if m.plural is not None:
            text = self.translations.ngettext(m.text, m.plural, m.n)
        else:
            text = self.translations.gettext(m.text)
        values = {k: self.value(v) for k, v in m.values.items()}
        return text % values if values else text

    def value(self, v: Any) -> Any:
        """A value as this locale writes it inside a sentence."""
        if isinstance(v, Msg):
            return self.say(v)
        if isinstance(v, Money):
            return self.money(v)
        if isinstance(v, datetime):
            return self.moment(v)
        if isinstance(v, date):
            return self.day(v)
        if isinstance(v, int | float | Decimal) and not isinstance(v, bool):
            return self.number(v)
        return v

    def money(self, m: Money | None) -> str:
        if m is None:
            return ""
        return str(numbers.format_currency(m.amount, m.currency, locale=self.locale))

    def number(self, n: float | Decimal) -> str:
        """1234 -> "1.234" in German. A Decimal keeps the places it was given: the core
        writes 6.00 per ticket or 1.5x as Decimal("6.00"), Decimal("1.5")."""
        exponent = n.as_tuple().exponent if isinstance(n, Decimal) else 0
        places = -exponent if isinstance(exponent, int) else 0
        if places > 0:
            form = "#,##0." + "0" * places
            return str(numbers.format_decimal(n, form, locale=self.locale))
        return str(numbers.format_decimal(n, locale=self.locale))

    def percent(self, share: float | None) -> str:
        """0.456 -> "46%" in English, "46 %" in German and French: a share of 1."""
        if share is None:
            return "-"
        return str(numbers.format_percent(share, locale=self.locale))

    def moment(self, when: datetime | None, form: str = "full") -> str:
        """'Monday, 7 December 2026, 14:00 CET' in English, 'Montag, 7. Dezember 2026,
        14:00 MEZ' in German: the date in words and the time with its zone."""
        if when is None:
            return ""
        # A time in UTC (as the database and the clock give it) is shown in the team's
        # zone; one the code placed in a zone (a response target, in its business
        # hours' zone) stays there.
        placed = when.tzinfo is not None and str(when.tzinfo) not in ("UTC", "Etc/UTC")
        local = when.astimezone(self.tz) if self.tz is not None and not placed else when
        if form != "full":
            return str(dates.format_datetime(local, form, tzinfo=local.tzinfo, locale=self.locale))
        day = dates.format_date(local, "full", locale=self.locale)
        hour = dates.format_time(local, "short", tzinfo=local.tzinfo, locale=self.locale)
        return f"{day}, {hour} {self._zone(local)}"

    def _zone(self, local: datetime) -> str:
        """The zone as the locale abbreviates it ("MEZ"), else as the zone database does
        ("CET", "EST"), never an offset a reader must work out."""
        zone = str(dates.get_timezone_name(local, "short", locale=self.locale))
        if zone[:1] in "+-" or zone.startswith(("GMT", "UTC")):
            return local.tzname() or zone
        return zone

    def day(self, when: date | None, form: str = "long", skeleton: str | None = None) -> str:
        """A date: `form` one of Babel's ("short" .. "full"), or a CLDR `skeleton` the
        locale orders and punctuates itself ("MMMEd": "Tue, Sep 1", "Di., 1. Sept.")."""
        if when is None:
            return ""
        if skeleton is not None:
            return _skeleton(skeleton, when, self.locale)
        return str(dates.format_date(when, form, locale=self.locale))

    def localize(self, value: Any) -> Any:
        """A notice's context with every Msg in it said in this language: in dataclasses,
        mappings, tuples and lists, however deep. Other values stay as they are."""
        if type(value) in _PLAIN:  # most of a summary: its numbers, names and dates
            return value
        if isinstance(value, Msg):
            return self.say(value)
        if isinstance(value, tuple | list):
            said = [self.localize(v) for v in value]
            same = all(a is b for a, b in zip(said, value, strict=True))
            return value if same else type(value)(said)
        if isinstance(value, Mapping):
            return {k: self.localize(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            given = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.init}
            changed = {k: said for k, v in given.items() if (said := self.localize(v)) is not v}
            return dataclasses.replace(value, **changed) if changed else value
        return value


_PLAIN = frozenset({str, int, float, bool, type(None), Decimal, date, datetime})


@lru_cache(maxsize=4096)
def _skeleton(skeleton: str, when: date, locale: Locale) -> str:
    """A summary writes the same eight days for every agent: formatted once each."""
    return str(dates.format_skeleton(skeleton, when, locale=locale))


@cache
def _translations(lang: str, locale_dir: Path) -> gettext.NullTranslations:
    if lang == SOURCE:
        return NullTranslations()
    return Translations.load(str(locale_dir), [lang], DOMAIN)


def speech(lang: str, tz: tzinfo | None = None, locale_dir: Path = LOCALE_DIR) -> Speech:
    """The language `lang` ("de", "pt-BR"), or English when maild has no catalog for it."""
    if not lang or not known(lang):
        lang = SOURCE
    locale = Locale.parse(lang.replace("-", "_"))
    return Speech(lang, _translations(lang, locale_dir), locale, tz)
