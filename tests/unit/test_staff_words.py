"""The core's words in staff mail, said in the reader's language: waits and ages with
their plurals, the customer's history line, why a file is not attached, and times in
the right zone. str() of each stays the English it always was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maild.adapters import i18n
from maild.core import carry, desk, files
from maild.core.policy import Money
from maild.core.text import duration_words

NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
DE, FR, ES = i18n.speech("de"), i18n.speech("fr"), i18n.speech("es")


@pytest.mark.parametrize(
    ("days", "english", "german", "french"),
    [
        (0.01, "less than an hour", "weniger als einer Stunde", "moins d'une heure"),
        (1 / 24, "1 hour", "1 Stunde", "1 heure"),
        (0.5, "12 hours", "12 Stunden", "12 heures"),
        (1.0, "1 day", "1 Tag", "1 jour"),
        (1.5, "1.5 days", "1,5 Tagen", "1,5 jours"),
        (1234.0, "1234 days", "1.234 Tagen", "1\u202f234 jours"),
    ],
)
def test_a_wait_in_each_language_with_its_plural(days, english, german, french):
    said = duration_words(days)
    assert str(said) == english
    assert DE.say(said) == german  # dative: "vor 1,5 Tagen", "seit 12 Stunden"
    assert FR.say(said) == french


def test_the_history_line_in_german_and_spanish():
    before = [
        desk.Before(12, "closed", NOW - timedelta(days=15), (Money.from_cents(2000, "EUR"),)),
        desk.Before(14, "open", NOW - timedelta(days=2)),
    ]
    line = desk.history_line("Jonas", 3, before, NOW)
    assert line is not None
    assert DE.say(line) == (
        "Jonas hat bereits 3 Mal geschrieben: #14 (offen, vor 2 Tagen), "
        "#12 (geschlossen, vor 2 Wochen, Gutschrift 20,00\xa0€) und 1 weitere"
    )
    assert ES.say(line).startswith("Jonas ya ha escrito 3 veces: #14 (abierto, hace 2 días)")
    assert str(line).startswith("Jonas has written 3 times before: #14 (open, 2 days ago)")


def test_why_a_file_is_not_attached_in_french():
    shown = carry.choose(
        [
            carry.Candidate(files.FileRef("a" * 64, "fix.exe", "application/x-msdownload", 10),
                            kept=True, blocked=".exe files can run programs"),
            carry.Candidate(files.FileRef("b" * 64, "big.pdf", "application/pdf", 9_000_000),
                            kept=True, blocked=None),
        ],
        cap=5_000_000,
        domain="acme.example",
    ).shown  # fmt: skip
    assert [FR.say(a.why) for a in shown] == [  # type: ignore[arg-type]
        "non transmis\xa0: les fichiers .exe peuvent exécuter des programmes "
        "(conservé sur le ticket)",
        "conservé sur le ticket, non joint (au-delà des 5\xa0Mo de fichiers de ce message)"
        "\xa0: répondez #files pour le recevoir",
    ]
    assert str(shown[0].why) == "not forwarded: .exe files can run programs (kept on the ticket)"
    assert files.blocked_words("something else") == "something else"  # passes as it is


def test_a_utc_time_is_shown_in_the_teams_zone_and_a_placed_one_stays_in_its_own():
    berlin = i18n.speech("de", ZoneInfo("Europe/Berlin"))
    assert berlin.moment(NOW) == "Montag, 7. Dezember 2026, 14:00 MEZ"
    new_york = NOW.astimezone(ZoneInfo("America/New_York"))  # a target in its hours' zone
    assert berlin.moment(new_york) == "Montag, 7. Dezember 2026, 08:00 EST"
