"""Text helpers: HTML to text, header-safe strings."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from inscriptis import Inscriptis
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from lxml.etree import ParserError
from lxml.html import HtmlElement, document_fromstring

_CONFIG = ParserConfig(css=CSS_PROFILES["strict"], display_links=False)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_BLANKS = re.compile(r"\n{3,}")
_XML_DECLARATION = re.compile(r"^<\?xml[^>]*>", re.IGNORECASE)
# Quotes inside quotes deeper than this are left as plain text inside the outer one.
MAX_QUOTE_DEPTH = 20
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
    token = "q" + hashlib.sha256(html.encode("utf-8", "replace")).hexdigest()[:16]
    text = _converted(tree, token, 0)
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def _converted(tree: HtmlElement, token: str, depth: int) -> str:
    quotes: dict[str, str] = {}
    if depth < MAX_QUOTE_DEPTH:
        for quote in list(_outermost_quotes(tree)):
            mark = f"{token}n{depth}n{len(quotes)}"
            quotes[mark] = _converted(quote, token, depth + 1)
            stand_in = HtmlElement("p")  # the quote's place, a line of its own
            stand_in.text, stand_in.tail = mark, quote.tail
            parent = quote.getparent()
            if parent is not None:
                parent.replace(quote, stand_in)
    text: str = Inscriptis(tree, _CONFIG).get_text()
    if not quotes:
        return text
    out: list[str] = []
    for line in text.splitlines():
        quoted = quotes.get(line.strip())
        if quoted is None:
            out.append(line)
        else:
            out += [f"> {x}".rstrip() for x in quoted.strip().splitlines()]
    return "\n".join(out)


def _outermost_quotes(tree: HtmlElement) -> Iterator[HtmlElement]:
    for element in tree.iterdescendants("blockquote"):
        if _is_quote(element) and not any(_is_quote(up) for up in _ancestors_below(element, tree)):
            yield element


def _ancestors_below(element: HtmlElement, root: HtmlElement) -> Iterator[HtmlElement]:
    up = element.getparent()
    while up is not None and up is not root:
        yield up
        up = up.getparent()


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
