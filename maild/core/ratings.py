"""A customer's answer to the one-question survey: the rating and the comment.

Pure. The first word or digit of their new text (above or below the quote, as
core.reply finds it) is the rating: good or bad, or 1 to 5, in English, German,
French or Spanish, with whatever a mail client or a person puts around it
("5/5", "4 stars", "Good!", "**sehr gut**"). The rest is the comment. Anything
else is not a rating: the answer joins the ticket as a normal reply.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

GOOD = frozenset(
    {
        *("good", "great", "excellent", "perfect", "super"),  # en
        *("gut", "toll", "prima", "ausgezeichnet", "hervorragend", "spitze"),  # de
        *("bon", "bien", "bonne", "excellent", "parfait", "génial", "genial"),  # fr
        *("bueno", "buena", "bien", "excelente", "perfecto", "genial"),  # es
    }
)
BAD = frozenset(
    {
        *("bad", "poor", "terrible", "awful", "horrible"),  # en
        *("schlecht", "mies", "schrecklich"),  # de
        *("mauvais", "mauvaise", "nul", "nulle"),  # fr
        *("malo", "mala", "mal", "pésimo", "pesimo"),  # es
    }
)
# "very good", "sehr gut", "très bien", "muy bien", "not good", "nicht gut", "pas bien", "no bueno"
_INTENSIFIERS = frozenset({"very", "sehr", "très", "tres", "muy", "really"})
_NEGATIONS = frozenset({"not", "nicht", "pas", "no"})
_OUT_OF = r"(?:\s*(?:/|von|sur|de|out of)\s*5)?"
_STARS = r"(?:\s*(?:stars?|stern(?:e|en)?|étoiles?|estrellas?))?"
_DIGIT = re.compile(rf"^([1-5]){_OUT_OF}{_STARS}\b", re.I)
_WORD = re.compile(r"[\w'éèêàâçñóíúü]+", re.I)


@dataclass(frozen=True)
class Rating:
    score: int  # 1 (bad) .. 5 (good); good = 5, bad = 1
    comment: str

    @property
    def good(self) -> bool:
        return self.score >= 4


def _plain(text: str) -> str:
    """Markup and decoration off: *bold*, _underline_, quotes, emoji."""
    kept = "".join(
        c for c in text if (unicodedata.category(c)[0] in "LNZP" or c == "/") and c not in "*_"
    )
    return kept.strip(" \t\"'“”«»-\u2013\u2014>:.!,;()[]")


def extract(new_text: str) -> Rating | None:
    """The rating in the first words of the answer, or None."""
    text = new_text.strip()
    if not text:
        return None
    first_line, _, rest = text.partition("\n")
    head = _plain(first_line)
    digit = _DIGIT.match(head)
    if digit:
        comment = head[digit.end() :].strip(" -\u2013\u2014:,.!") + ("\n" + rest if rest else "")
        return Rating(int(digit.group(1)), comment.strip())
    words = _WORD.findall(head.lower())
    if not words:
        return None
    score, used = _score(words)
    if score is None:
        return None
    after = _after_words(head, used)
    comment = (after + ("\n" + rest if rest else "")).strip(" -\u2013\u2014:,.!\n")
    return Rating(score, comment)


def _score(words: list[str]) -> tuple[int | None, int]:
    """(score, words it took) from the first one or two words."""
    first = words[0]
    second = words[1] if len(words) > 1 else ""
    if first in _NEGATIONS and second in GOOD:
        return 1, 2
    if first in _INTENSIFIERS and second in GOOD | BAD:
        return (5 if second in GOOD else 1), 2
    if first in GOOD:
        return 5, 1
    if first in BAD:
        return 1, 1
    return None, 0


def _after_words(head: str, count: int) -> str:
    matches = list(_WORD.finditer(head))
    return head[matches[count - 1].end() :] if len(matches) >= count else ""
