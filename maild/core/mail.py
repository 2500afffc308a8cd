"""Bytes in, InboundMail out: the best reading a person would get, at a bounded cost.

Damaged but readable mail is read, not refused: an unknown or misspelt
charset, a broken RFC 2231 parameter, a line break encoded into a display
name. Each repair leaves a note on the ticket saying what was wrong. The
cost is bounded before the parser sees the mail: every header field is cut
at MAX_HEADER_CHARS (the `email` header parser is quadratic in a field's
length), and a mail with more nested MIME containers than a real one ever
has is read for its headers only (the parser recurses once per level).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import AddressHeader
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from functools import partial
from typing import TypeVar

from maild.core.model import Attachment, InboundMail
from maild.core.robots import robot_reason
from maild.core.text import html_to_text, one_line

# RFC 5322 caps a line at 998 characters; a folded field may hold a few lines
# (a long References chain), never more than this in real mail.
MAX_HEADER_CHARS = 8_000
# multipart/* and message/* parts in one mail; real mail has a handful.
MAX_CONTAINERS = 100
# MIME parts in one mail (the parser costs ~0.3 ms a part).
MAX_PARTS = 500
# parameters of one Content-Type or Content-Disposition: real ones have a few,
# and the header parser's cost grows faster than their number.
MAX_PARAMETERS = 12

# Headers each hop on the way adds: the same mail delivered twice differs only
# in these, so they stay out of the content key.
TRACE_HEADERS = frozenset(
    {
        "received",
        "return-path",
        "delivered-to",
        "x-original-to",
        "authentication-results",
        "arc-seal",
        "arc-message-signature",
        "arc-authentication-results",
        "received-spf",
        "x-received",
    }
)

_CONTAINER = re.compile(rb"(?im)^content-type:[ \t]*(?:\r?\n[ \t]+)?(?:multipart|message)/")
_BOUNDARY = re.compile(rb'(?i)boundary[ \t]*=[ \t]*"?([^"\s;]{1,70})')
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_START = re.compile(rb"(?m)^(?=[^ \t\r\n])")
T = TypeVar("T")


class _BoundedPolicy(EmailPolicy):
    """policy.default, with every header field cut to MAX_HEADER_CHARS as it is read:
    the parser's own work on a field (Content-Type's parameters) is then bounded too."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        if name.lower() in ("content-type", "content-disposition"):
            value = ";".join(value.split(";", MAX_PARAMETERS + 1)[: MAX_PARAMETERS + 1])
        return name, value[:MAX_HEADER_CHARS]


_PARSER = BytesParser(policy=_BoundedPolicy())
_RAW_HEADERS = BytesParser(policy=policy.compat32)


class Unreadable(ValueError):
    """A mail maild cannot act on at all (no usable sender): it goes to the quarantine."""


def content_hash(raw: bytes) -> str:
    """What the sender wrote: the trace headers each delivery adds are left out,
    so the same mail delivered twice (or by two paths) has one key."""
    match = _HEADER_END.search(raw)
    head, body = (raw[: match.start()], raw[match.end() :]) if match else (raw, b"")
    digest = hashlib.sha256()
    for field in _FIELD_START.split(head):
        name = field.split(b":", 1)[0].strip().lower()
        if field and name.decode("ascii", "replace") not in TRACE_HEADERS:
            digest.update(field.rstrip(b"\r\n").replace(b"\r\n", b"\n") + b"\n")
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def parse(raw: bytes, *, max_attachment_bytes: int, max_message_bytes: int) -> InboundMail:
    notes: list[str] = []
    msg = _read(raw, notes)
    digest = content_hash(raw)
    headers = _headers(msg, notes)
    # Raw values where the words are enough; structured (slow) parsing only for
    # From and Subject, which need the decoding.
    raw_values = dict(_grouped(headers))
    from_addr, from_name, strict = _sender(msg, raw_values, notes)
    if from_addr is None:
        shown = one_line(_one(raw_values, "from"), 200) or "(none)"
        raise Unreadable(f"no usable sender address in From: {shown}")
    content_type = _salvage(notes, "the Content-Type", msg.get_content_type, "text/plain")
    body = _salvage(notes, "the MIME structure", lambda: _body(msg), None)
    text, source = _text(body, notes)
    oversize = len(raw) > max_message_bytes
    cap = 0 if oversize else max_attachment_bytes
    # A single-part mail is its own body: nothing to walk.
    attachments = tuple(_attachments(msg, body, cap, notes)) if msg.is_multipart() else ()
    notes += _size_notes(attachments, oversize, len(raw), max_message_bytes)
    return InboundMail(
        message_id=_message_id(_one(raw_values, "message-id"), digest),
        content_hash=digest,
        size=len(raw),
        from_addr=from_addr,
        from_name=from_name,
        from_strict=strict,
        to_addrs=_addresses(raw_values, ("to", "cc", "delivered-to")),
        subject=_subject(msg, raw_values, notes),
        in_reply_to=_first_id(_one(raw_values, "in-reply-to")),
        references=tuple(_one(raw_values, "references").split()),
        date=_date(_one(raw_values, "date")),
        text=text,
        text_source=source,
        attachments=attachments,
        robot=robot_reason(raw_values, from_addr, content_type),
        notes=tuple(notes),
        headers=headers,
    )


def glance(raw: bytes) -> dict[str, str]:
    """From, Subject and Date as written, for an operator's list: never raises."""
    head = _HEADER_END.split(raw[:65536], maxsplit=1)[0] + b"\r\n\r\n"
    msg = _RAW_HEADERS.parsebytes(head, headersonly=True)  # compat32: values as written
    return {
        name: one_line(_decoded_words(str(msg.get_all(name, [""])[0])), 200)
        for name in ("from", "subject", "date")
    }


def _read(raw: bytes, notes: list[str]) -> EmailMessage:
    too_many = _too_many_parts(raw)
    if too_many:
        notes.append(f"{too_many}; only its headers were read.")
    msg = _PARSER.parsebytes(raw, headersonly=bool(too_many))
    assert isinstance(msg, EmailMessage)
    if too_many:
        msg.set_payload("")
    return msg


def _too_many_parts(raw: bytes) -> str | None:
    """Count containers and parts in the bytes, before the parser spends time on them."""
    containers = len(_CONTAINER.findall(raw))
    if containers > MAX_CONTAINERS:
        return f"This mail has {containers} MIME containers (more than {MAX_CONTAINERS})"
    boundaries = {re.escape(b) for b in _BOUNDARY.findall(raw)}
    if not boundaries:
        return None
    parts = len(re.findall(rb"(?m)^--(?:" + b"|".join(boundaries) + rb")", raw))
    if parts > MAX_PARTS:
        return f"This mail has {parts} MIME parts (more than {MAX_PARTS})"
    return None


def _salvage(notes: list[str], what: str, read: Callable[[], T], fallback: T) -> T:
    """Read one piece of a damaged mail; if it cannot be read, say so and go on."""
    try:
        return read()
    except Exception as exc:  # the email package raises many kinds on damaged mail
        notes.append(f"{what} could not be read ({type(exc).__name__}: {exc}).")
        return fallback


def _clean(value: str) -> str:
    """Text a database can hold: PostgreSQL refuses NUL in text."""
    return value.replace("\x00", "")


def _headers(msg: EmailMessage, notes: list[str]) -> tuple[tuple[str, str], ...]:
    # Raw values: building a structured header object for each is most of
    # the parse time, and the robot rules only need the words.
    items = tuple(
        (name.lower(), " ".join(_clean(str(value)).split())) for name, value in msg.raw_items()
    )
    cut = sorted({n for n, v in msg.raw_items() if len(str(v)) >= MAX_HEADER_CHARS})
    if cut:
        notes.append(f"Header(s) {', '.join(cut)} were cut to {MAX_HEADER_CHARS} characters.")
    return items


def _grouped(headers: tuple[tuple[str, str], ...]) -> Iterator[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    yield from grouped.items()


def _sender(
    msg: EmailMessage, raw_values: dict[str, list[str]], notes: list[str]
) -> tuple[str | None, str, bool]:
    values = raw_values.get("from", [])
    if not values:
        return None, "", False
    try:  # only the first From is parsed: a thousand of them cost one parse
        header = msg["from"]
        addresses = header.addresses if isinstance(header, AddressHeader) else ()
        defects = bool(header.defects)
    except Exception as exc:  # a line break encoded into the display name, and the like
        notes.append(f"The From header was damaged ({exc}); its address was read as text.")
        return _loose_sender(values[0])
    real = [a for a in addresses if a.addr_spec and "@" in a.addr_spec]
    if not real:
        return None, "", False
    first = real[0]
    strict = len(values) == 1 and len(addresses) == 1 and not defects
    return _clean(first.addr_spec.lower()), one_line(first.display_name), strict


def _loose_sender(value: str) -> tuple[str | None, str, bool]:
    """The From header read leniently: good enough to answer a customer, never to
    prove an agent (strict is False)."""
    for name, addr in getaddresses([value]):
        if "@" in addr and not any(c.isspace() for c in addr):
            return _clean(addr.lower()), one_line(_decoded_words(name)), False
    return None, "", False


def _decoded_words(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError):
        return value


def _subject(msg: EmailMessage, raw_values: dict[str, list[str]], notes: list[str]) -> str:
    raw = _one(raw_values, "subject")
    value = _salvage(notes, "The Subject", lambda: str(msg.get("subject", "")), raw)
    return one_line(value, 500)


def _one(raw_values: dict[str, list[str]], name: str) -> str:
    values = raw_values.get(name)
    return values[0] if values else ""


def _addresses(raw_values: dict[str, list[str]], names: tuple[str, ...]) -> tuple[str, ...]:
    found = [v for name in names for v in raw_values.get(name, [])]
    return tuple(addr.lower() for _name, addr in getaddresses(found) if "@" in addr)


def _message_id(value: str, digest: str) -> str:
    value = value.strip()
    if value.startswith("<") and value.endswith(">") and "@" in value and " " not in value:
        return value
    # No usable Message-ID: the content hash stands in, so a repeat still matches.
    return f"<{digest[:32]}@no-message-id.maild>"


def _first_id(value: str) -> str | None:
    parts = value.split()
    return parts[0] if parts else None


def _date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None


def _body(msg: EmailMessage) -> MIMEPart | None:
    return msg.get_body(preferencelist=("plain", "html"))


def _text(body: MIMEPart | None, notes: list[str]) -> tuple[str, str]:
    if body is None:
        return "", "none"
    content = _decoded(body, notes)
    if body.get_content_subtype() == "html":
        return _clean(html_to_text(content)), "html"
    return _clean(content.replace("\r\n", "\n").replace("\r", "\n")).strip(), "plain"


def _decoded(part: MIMEPart, notes: list[str]) -> str:
    """The part's text; a charset that is unknown, misspelt or missing is not the end."""
    charset = part.get_content_charset()
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        content = None
    if isinstance(content, str) and not (charset is None and "\ufffd" in content):
        return content
    data = part.get_payload(decode=True)
    payload = data if isinstance(data, bytes) else b""
    for guess in ("utf-8", "cp1252"):
        try:
            text = payload.decode(guess)
        except UnicodeDecodeError:
            continue
        said = f"its charset {charset!r} is unknown" if charset else "it declares no charset"
        notes.append(f"The text was read as {guess.upper()}: {said}.")
        return text
    return payload.decode("latin-1")  # unreachable in practice: cp1252 reads almost all


def _parts(part: MIMEPart) -> Iterator[MIMEPart]:
    """Leaf parts, without descending into attached mails."""
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        for sub in part.iter_parts():
            assert isinstance(sub, MIMEPart)
            yield from _parts(sub)
    else:
        yield part


def _attachments(
    msg: EmailMessage, body: MIMEPart | None, cap: int, notes: list[str]
) -> Iterator[Attachment]:
    for part in _parts(msg):
        if part is body:
            continue
        found = _salvage(notes, "An attachment", partial(_attachment, part, cap), None)
        if found is not None:
            yield found


def _attachment(part: MIMEPart, cap: int) -> Attachment | None:
    maintype = part.get_content_maintype()
    filename = part.get_filename()
    if maintype == "text" and filename is None and part.get_content_disposition() != "attachment":
        return None  # the alternative rendering of the body
    payload = _payload(part)
    return Attachment(
        filename=_clean(one_line(filename or f"part.{part.get_content_subtype()}")),
        content_type=part.get_content_type(),
        size=len(payload),
        content=payload if len(payload) <= cap else None,
    )


def _payload(part: MIMEPart) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload(0)
        return bytes(inner.as_bytes()) if hasattr(inner, "as_bytes") else b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _size_notes(
    attachments: tuple[Attachment, ...], oversize: bool, size: int, cap: int
) -> list[str]:
    dropped = [a for a in attachments if a.content is None]
    if not dropped:
        return []
    names = ", ".join(f"{a.filename} ({a.size} bytes)" for a in dropped)
    if oversize:
        return [
            f"This mail ({size} bytes) was over the {cap}-byte limit; "
            f"its text was kept, these attachments were not: {names}"
        ]
    return [f"Attachments over the size limit were not kept: {names}"]
