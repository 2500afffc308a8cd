"""Text helpers: HTML to text, header-safe strings."""

from __future__ import annotations

import re

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

_CONFIG = ParserConfig(css=CSS_PROFILES["strict"], display_links=False)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_BLANKS = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Layout-aware conversion (tables, lists, paragraphs), not tag stripping."""
    text: str = get_text(html, _CONFIG)
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def one_line(value: str, limit: int = 200) -> str:
    """A value safe for a header: no CR, LF or other control characters."""
    cleaned = " ".join(_CONTROL.sub(" ", value).split())
    return cleaned[:limit]


def duration_words(days: float) -> str:
    """A wait as a person says it: "less than an hour", "5 hours", "1 day", "2.5 days"
    (never "0.0 days")."""
    hours = days * 24
    if hours < 1:
        return "less than an hour"
    if days < 1:
        return "1 hour" if int(hours) == 1 else f"{int(hours)} hours"
    shown = f"{days:.1f}".removesuffix(".0")
    return "1 day" if shown == "1" else f"{shown} days"
