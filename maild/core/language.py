"""Which language maild writes to a customer in, decided on their first mail.

In order: the language they already have (an earlier ticket's, or an agent's #lang);
the mail's Content-Language; its text, when the detector is sure; else none, and
the team's `language` is used. Only a language maild has a catalog for is chosen: a
customer writing Italian to a team without Italian gets the team's language, never
a half-translated mail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from maild.core.model import InboundMail


@dataclass(frozen=True)
class Guess:
    language: str  # ISO 639-1, "de"
    confidence: float  # 0..1, over every language the detector knows


Detect = Callable[[str], Guess]

SURE = 0.9  # below this the text could be several languages: fall back
MIN_LETTERS = 15  # "Danke!", "ok thanks": too short to tell
# The start of the mail says it: a signature, a disclaimer or a quote further down may
# be in another language, and every character costs time (~0.2 ms for 800).
TEXT_CHARS = 600
_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*$")


def primary(tag: str | None) -> str | None:
    """'de-DE' -> 'de'; anything that is not a language tag -> None."""
    match = _TAG.match(tag or "")
    return match.group(1).lower() if match else None


def header_language(mail: InboundMail) -> str | None:
    """The first language of the mail's Content-Language header (RFC 3282)."""
    for name, value in mail.headers:
        if name.lower() == "content-language":
            return primary(value.split(",")[0])
    return None


def text_language(text: str, detect: Detect | None) -> str | None:
    sample = text[:TEXT_CHARS]
    if detect is None or sum(map(str.isalpha, sample)) < MIN_LETTERS:
        return None
    guess = detect(sample)
    return guess.language if guess.confidence >= SURE else None


def decide(
    mail: InboundMail,
    remembered: str | None,
    detect: Detect | None,
    available: Collection[str],
) -> str | None:
    """The customer's language for a new ticket, or None for the team's."""
    if remembered in available:
        return remembered
    said = header_language(mail)
    if said in available:
        return said
    found = text_language(mail.text, detect)  # the costliest: asked last
    return found if found in available else None


@dataclass(frozen=True)
class Chooser:
    """The decision with what it needs: the languages maild can write, and the detector."""

    available: frozenset[str] = frozenset({"en"})
    detect: Detect | None = None

    def choose(self, mail: InboundMail, remembered: str | None) -> str | None:
        return decide(mail, remembered, self.detect, self.available)
