"""Text helpers: HTML to text, header-safe strings."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from decimal import Decimal

from inscriptis import Inscriptis
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from lxml.etree import ParserError
from lxml.html import HtmlElement, document_fromstring

from maild.core.words import N_, Msg, Nn_

_CONFIG = ParserConfig(css=CSS_PROFILES["strict"], display_links=False)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_BLANKS = re.compile(r"\n{3,}")
_XML_DECLARATION = re.compile(r"^<\?xml[^>]*>", re.IGNORECASE)
# A blockquote's style that means an indented paragraph, not a quote (Gmail's "indent").
_INDENT_ONLY = re.compile(r"border\s*:\s*none", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """Layout-aware conversion (tables, lists, paragraphs), not tag stripping.
    A quoted earlier mail comes out marked `> `, as a plain-text client writes it:
    every blockquote (Apple Mail's and Thunderbird's `type=cite`, Gmail's,
    mail.ru's and Yandex's own), except Gmail's indented paragraph."""
    html = _XML_DECLARATION.sub("", html.strip(), count=1)
    if not html:
        return ""
    try:
        tree = document_fromstring(html)
    except ParserError:
        tree = document_fromstring("<pre>" + html + "</pre>")
    # Lines of their own at each quote's start and end, found again in the text:
    # one conversion for the whole mail, however many quotes it holds.
    token = "q" + hashlib.sha256(html.encode("utf-8", "replace")).hexdigest()[:20]
    opening, closing = token + "s", token + "e"
    for quote in list(tree.iter("blockquote")):
        if _is_quote(quote):
            first = _line(tree, opening)
            first.tail, quote.text = quote.text, None  # the mark before the quote's own text
            quote.insert(0, first)
            quote.append(_line(tree, closing))
    text: str = Inscriptis(tree, _CONFIG).get_text()
    lines = _marked(text.splitlines(), opening, closing) if token in text else text.splitlines()
    return _BLANKS.sub("\n\n", "\n".join(line.rstrip() for line in lines)).strip()


def _line(tree: HtmlElement, text: str) -> HtmlElement:
    element: HtmlElement = tree.makeelement("div", {})
    element.text = text
    return element


def _marked(lines: list[str], opening: str, closing: str) -> list[str]:
    """Each line between a quote's marks gets one `>` for each quote it is in."""
    out: list[str] = []
    depth = 0
    for line in lines:
        stripped = line.strip()
        if stripped == opening:
            depth += 1
        elif stripped == closing:
            depth = max(depth - 1, 0)
        elif depth:
            out.append("> " * depth + stripped)
        else:  # a mark that shares its line (a quote in a table cell): no mark at all
            out.append(line.replace(opening, "").replace(closing, ""))
    return out


def _is_quote(element: HtmlElement) -> bool:
    if element.tag != "blockquote":
        return False
    if element.get("type", "").lower() == "cite" or "quote" in element.get("class", ""):
        return True
    return not _INDENT_ONLY.search(element.get("style", ""))


def one_line(value: str, limit: int = 200) -> str:
    """A value safe for a header: no CR, LF or other control characters."""
    cleaned = " ".join(_CONTROL.sub(" ", value).split())
    return cleaned[:limit]


def duration_words(days: float) -> Msg:
    """A wait as a person says it: "less than an hour", "5 hours", "1 day", "2.5 days"
    (never "0.0 days"); str() of it is the English, the renderer says it in the
    reader's language ("2,5 Tage")."""
    hours = days * 24
    if hours < 1:
        return N_("less than an hour")
    if days < 1:
        return Nn_("%(n)s hour", "%(n)s hours", int(hours))
    tenth = f"{days:.1f}".removesuffix(".0")
    shown: int | Decimal = Decimal(tenth) if "." in tenth else int(tenth)
    # a fraction of a day takes the plural ("1.5 days"): the count says "many"
    said = Nn_("%(n)s day", "%(n)s days", 1 if shown == 1 else 2)
    return replace(said, values={"n": shown})
