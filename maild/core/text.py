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
