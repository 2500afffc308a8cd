"""Rating extraction: the first word or digit of the customer's answer, in English,
German, French and Spanish, as the usual clients write it, top- or bottom-posted."""

import pytest

from maild.core.ratings import extract
from maild.core.reply import new_text

QUOTE = (
    "On Mon, 23 Nov 2026 at 09:00, Acme Support <support@acme.example> wrote:\n"
    "> How did we do?\n> Just reply with one word: good or bad (or 1 to 5)."
)


@pytest.mark.parametrize(
    "answer,score,comment",
    [
        ("Good, thanks for the quick help!", 5, "thanks for the quick help"),
        ("good", 5, ""),
        ("Bad. It took a week.", 1, "It took a week"),
        ("5/5 great service", 5, "great service"),
        ("4 stars", 4, ""),
        ("2 - the parcel came late", 2, "the parcel came late"),
        ("Very good indeed", 5, "indeed"),
        ("not good: it took a week", 1, "it took a week"),
        ("**Sehr gut**, danke!", 5, "danke"),
        ("Gut", 5, ""),
        ("Schlecht. Zu langsam.", 1, "Zu langsam"),
        ("3 von 5 Sternen", 3, ""),
        ("Très bien, merci", 5, "merci"),
        ("mauvais", 1, ""),
        ("Muy bien, gracias", 5, "gracias"),
        ("Malo", 1, ""),
        ("Excelente!", 5, ""),
        ("1", 1, ""),
    ],
)
def test_ratings_in_four_languages(answer, score, comment):
    rating = extract(new_text(f"{answer}\n\n{QUOTE}"))  # top-posted, as most clients do
    assert rating is not None and (rating.score, rating.comment) == (score, comment)


def test_bottom_posted_and_outlook_style():
    bottom = f"{QUOTE}\n\nGood, thank you.\n"
    assert extract(new_text(bottom)).score == 5
    outlook = (
        "Bad\r\n\r\n________________________________\r\nFrom: Acme Support "
        "<support@acme.example>\r\nSent: Monday, November 23, 2026 9:00 AM\r\n"
        "Subject: [#1] How did we do?\r\n\r\nHow did we do?"
    )
    assert extract(new_text(outlook)).score == 1


@pytest.mark.parametrize(
    "answer",
    [
        "I am out of the office until Monday and will read your mail then.",
        "Ich bin bis Montag nicht im Büro.",
        "Where is my parcel? It still has not arrived.",
        "No, the kettle broke again",
        "",
        "6/5",
    ],
)
def test_what_is_not_a_rating(answer):
    assert extract(new_text(f"{answer}\n\n{QUOTE}")) is None
