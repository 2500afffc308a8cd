"""Bytes in, InboundMail out: the best reading a person would get, at a bounded cost.

Damaged but readable mail is read, not refused: an unknown or misspelt
charset, a broken RFC 2231 parameter, a line break encoded into a display
name. Each repair leaves a note on the ticket saying what was wrong. The
cost is bounded before the parser sees the mail (core.mime), and the text an
agent reads is capped at MAX_TEXT_CHARS; the raw mail is always kept whole.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.header import decode_header
from email.headerregistry import AddressHeader
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import partial
from typing import TypeVar

from maild.core import charsets, files, mime
from maild.core.model import Attachment, InboundMail
from maild.core.robots import robot_reason
from maild.core.text import html_to_text, one_line
from maild.core.words import N_, Msg, Said

# The text an agent reads: longer text stays in the raw mail, kept whole.
MAX_TEXT_CHARS = 100_000
MAX_HTML_CHARS = 400_000  # HTML-to-text is the slowest step; real HTML mail is far smaller

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

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_START = re.compile(rb"(?m)^(?=[^ \t\r\n])")
T = TypeVar("T")


_RAW_HEADERS = BytesParser(policy=policy.compat32)


class Unreadable(ValueError):
    """A mail maild cannot act on at all (no usable sender): it goes to the quarantine."""


def content_hash(raw: bytes) -> str:
    """What the sender wrote: the trace headers each delivery adds are left out,
    so the same mail delivered twice (or by two paths) has one key."""
    match = _HEADER_END.search(raw)
    cut = match.start() if match else len(raw)
    head, body = raw[:cut], memoryview(raw)[match.end() if match else cut :]  # no copy
    digest = hashlib.sha256()
    for field in _FIELD_START.split(head):
        name = field.split(b":", 1)[0].strip().lower()
        if field and name.decode("ascii", "replace") not in TRACE_HEADERS:
            digest.update(field.rstrip(b"\r\n").replace(b"\r\n", b"\n") + b"\n")
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class Limits:
    """How much of a mail parse() reads: a value the parsing process is handed too."""

    max_attachment_bytes: int
    max_message_bytes: int

    def parse(self, raw: bytes, size: int | None = None) -> InboundMail:
        return parse(
            raw,
            size=size,
            max_attachment_bytes=self.max_attachment_bytes,
            max_message_bytes=self.max_message_bytes,
        )


def parse(
    raw: bytes, *, max_attachment_bytes: int, max_message_bytes: int, size: int | None = None
) -> InboundMail:
    """`size` is the whole mail's when `raw` holds only its first bytes."""
    notes: list[Said] = []
    reading = mime.read(raw, notes)
    msg = reading.msg
    digest = content_hash(raw)
    headers = _headers(msg, notes)
    # Raw values where the words are enough; structured (slow) parsing only for
    # From and Subject, which need the decoding.
    raw_values = dict(grouped(headers))
    from_addr, from_name, strict = _sender(msg, raw_values, notes)
    content_type = _salvage(notes, N_("the Content-Type"), msg.get_content_type, "text/plain")
    robot = robot_reason(raw_values, from_addr, content_type)
    if from_addr is None and robot is None:  # a robot needs no address: it is not answered
        shown = one_line(_one(raw_values, "from"), 200) or "(none)"
        raise Unreadable(f"no usable sender address in From: {shown}")
    body = _salvage(notes, N_("the MIME structure"), lambda: _body(msg, reading), None)
    text, source = _text(reading, body, notes)
    more = _salvage(notes, N_("a second text part"), lambda: _after_the_file(reading, body), "")
    text = _capped(f"{text}\n\n{more}", notes) if more else text
    size = max(size or 0, len(raw))
    oversize = size > max_message_bytes
    cap = 0 if oversize else max_attachment_bytes
    if size > len(raw):
        notes.append(
            N_(
                "Only the first %(read)s of this mail's %(size)s bytes were read.",
                read=len(raw),
                size=size,
            )
        )
    # A single-part mail is its own body: nothing to walk.
    attachments = tuple(_attachments(reading, body, cap, notes)) if msg.is_multipart() else ()
    attachments, tnef_notes = files.unpacked(attachments)  # Outlook's winmail.dat opened
    notes += tnef_notes
    notes += _size_notes(attachments, oversize, size, max_message_bytes)
    return InboundMail(
        message_id=_message_id(_one(raw_values, "message-id"), digest),
        content_hash=digest,
        size=size,
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
        robot=robot,
        notes=tuple(notes),
        headers=headers,
        cc_addrs=_addresses(raw_values, ("cc",)),
    )


def glance(raw: bytes) -> dict[str, str]:
    """From, Subject and Date as written, for an operator's list: never raises."""
    head = _HEADER_END.split(raw[:65536], maxsplit=1)[0] + b"\r\n\r\n"
    msg = _RAW_HEADERS.parsebytes(head, headersonly=True)  # compat32: values as written
    return {
        name: one_line(_decoded_words(str(msg.get_all(name, [""])[0])), 200)
        for name in ("from", "subject", "date")
    }


def _salvage(notes: list[Said], what: Msg, read: Callable[[], T], fallback: T) -> T:
    """Read one piece of a damaged mail; if it cannot be read, say so and go on."""
    try:
        return read()
    except Exception as exc:  # the email package raises many kinds on damaged mail
        said = f"{type(exc).__name__}: {exc}"
        notes.append(N_("%(what)s could not be read (%(error)s).", what=what, error=said))
        return fallback


def _clean(value: str) -> str:
    """Text a database can hold: PostgreSQL refuses NUL in text."""
    return value.replace("\x00", "")


def _headers(msg: EmailMessage, notes: list[Said]) -> tuple[tuple[str, str], ...]:
    # Raw values: building a structured header object for each is most of
    # the parse time, and the robot rules only need the words.
    items = tuple(
        (name.lower(), " ".join(_clean(str(value)).split())) for name, value in msg.raw_items()
    )
    cut = sorted({n for n, v in msg.raw_items() if len(str(v)) >= mime.MAX_HEADER_CHARS})
    if cut:
        limit = mime.MAX_HEADER_CHARS
        said = ", ".join(cut)
        notes.append(N_("Header(s) %(names)s were cut to %(n)s characters.", names=said, n=limit))
    return items


def grouped(headers: tuple[tuple[str, str], ...]) -> Iterator[tuple[str, list[str]]]:
    """Header name -> its values, topmost first."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    yield from grouped.items()


# Where to answer when From has no usable address, in this order.
ANSWER_HEADERS = ("reply-to", "sender")


def _sender(
    msg: EmailMessage, raw_values: dict[str, list[str]], notes: list[Said]
) -> tuple[str | None, str, bool]:
    """The sender to answer. Only one From header, read without defects, is strict
    enough to prove an agent; the fallbacks answer a customer, no more."""
    values = raw_values.get("from", [])
    if values:
        found = _first_from(msg, values, notes)
        if found[0] is not None:
            return found
    for index, value in enumerate(values[1:], start=2):
        addr, name, _strict = _loose_sender(value)
        if addr is not None:
            said = N_(
                "The first From header had no usable address; From header %(index)s's was used.",
                index=index,
            )
            notes.append(said)
            return addr, name, False
    for header in ANSWER_HEADERS:
        for value in raw_values.get(header, []):
            addr, name, _strict = _loose_sender(value)
            if addr is not None:
                shown = header.title()
                notes.append(
                    N_("No usable From header: the %(header)s address is answered.", header=shown)
                )
                return addr, name, False
    return None, "", False


def _first_from(
    msg: EmailMessage, values: list[str], notes: list[Said]
) -> tuple[str | None, str, bool]:
    try:  # only the first From is parsed: a thousand of them cost one parse
        header = msg["from"]
        addresses = header.addresses if isinstance(header, AddressHeader) else ()
        defects = bool(header.defects)
    except Exception as exc:  # a line break encoded into the display name, and the like
        said = str(exc)
        notes.append(
            N_("The From header was damaged (%(error)s); its address was read as text.", error=said)
        )
        return _loose_sender(values[0])
    real = [a for a in addresses if a.addr_spec and "@" in a.addr_spec]
    if not real:
        return None, "", False
    first = real[0]
    strict = len(values) == 1 and len(addresses) == 1 and not defects
    addr = _clean(first.addr_spec.lower())
    return addr, _display_name(values[0], addr, first.display_name), strict


def _display_name(raw: str, addr: str, parsed: str) -> str:
    """The name as mail clients show it: the comment of `sam@x (Sam Smith)` when no
    phrase is given, and adjacent encoded words joined without a space (RFC 2047
    6.2), which the email package's address parser does not do."""
    if parsed and "=?" not in raw:
        return one_line(parsed)
    for name, found in getaddresses([raw]):
        if found.lower() == addr and name:
            return one_line(_decoded_words(name))
    return one_line(parsed)


def _loose_sender(value: str) -> tuple[str | None, str, bool]:
    """A From header read leniently: good enough to answer a customer, never to
    prove an agent (strict is False)."""
    for name, addr in getaddresses([value]):
        if "@" in addr and not any(c.isspace() for c in addr):
            return _clean(addr.lower()), one_line(_decoded_words(name)), False
    return None, "", False


def _decoded_words(value: str) -> str:
    """RFC 2047 encoded words, each in its charset as mail clients read it."""
    try:
        pieces = decode_header(value)
    except (LookupError, UnicodeError, ValueError):
        return value
    out = []
    for chunk, label in pieces:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        name = charsets.codec(label) or "utf-8"
        out.append(chunk.decode(name, "replace"))
    return _join_words(out, pieces)


def _join_words(out: list[str], pieces: list[tuple[bytes | str, str | None]]) -> str:
    # decode_header drops the space between adjacent encoded words and keeps the
    # one between an encoded word and plain text inside the plain chunk (or not,
    # depending on the chunk): put single spaces where words meet plain text.
    text = ""
    for index, chunk in enumerate(out):
        neighbour_plain = index > 0 and (pieces[index][1] is None) != (pieces[index - 1][1] is None)
        if neighbour_plain and text and not text[-1].isspace() and not chunk[:1].isspace():
            text += " "
        text += chunk
    return text


def _subject(msg: EmailMessage, raw_values: dict[str, list[str]], notes: list[Said]) -> str:
    raw = _one(raw_values, "subject")
    value = _salvage(notes, N_("The Subject"), lambda: str(msg.get("subject", "")), raw)
    if "=?" in raw:  # the charset table mail clients use (GB2312 is GBK ...)
        words = _decoded_words(raw)
        if "=?" not in words:
            value = words
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


def _body(msg: EmailMessage, reading: mime.Reading) -> MIMEPart | None:
    body = msg.get_body(preferencelist=("plain", "html"))
    empty = body is not None and body.get_content_subtype() == "plain"
    if empty and body is not None and not reading.payload(body).strip():
        return msg.get_body(preferencelist=("html",)) or body  # the HTML is the mail
    return body


def _text(reading: mime.Reading, body: MIMEPart | None, notes: list[Said]) -> tuple[str, str]:
    if body is None:
        return "", "none"
    content = _decoded(body, reading.payload(body), notes)
    if body.get_content_subtype() == "html":
        if len(content) > MAX_HTML_CHARS:
            notes.append(N_("The HTML text was cut at %(n)s characters.", n=MAX_HTML_CHARS))
        return _capped(html_to_text(content[:MAX_HTML_CHARS]), notes), "html"
    return _capped(content.replace("\r\n", "\n").replace("\r", "\n").strip(), notes), "plain"


def _after_the_file(reading: mime.Reading, body: MIMEPart | None) -> str:
    """Apple Mail puts a file where the cursor was: the words after it are a second
    text/plain part of the same multipart/mixed, and the person's words too."""
    msg = reading.msg
    if body is None or body.get_content_type() != "text/plain" or not msg.is_multipart():
        return ""
    siblings = list(msg.iter_parts())
    if msg.get_content_type() != "multipart/mixed" or body not in siblings:
        return ""
    words = [
        _decoded(p, reading.payload(p), []).replace("\r\n", "\n").strip()
        for p in siblings
        if isinstance(p, MIMEPart)
        and p is not body
        and p.get_content_type() == "text/plain"
        and p.get_filename() is None
        and p.get_content_disposition() != "attachment"
    ]
    return "\n\n".join(w for w in words if w)


def _capped(text: str, notes: list[Said]) -> str:
    if len(text) > MAX_TEXT_CHARS:
        notes.append(
            N_(
                "The text has %(size)s characters; the first %(n)s are shown, "
                "the whole mail is kept.",
                size=len(text),
                n=MAX_TEXT_CHARS,
            )
        )
    return _clean(text[:MAX_TEXT_CHARS])


def _decoded(part: MIMEPart, payload: bytes, notes: list[Said]) -> str:
    """The part's text; a charset that is unknown, misspelt or missing is not the end."""
    charset = _salvage(notes, N_("The charset"), part.get_content_charset, None)
    name = charsets.codec(charset)
    if payload.isascii():  # ISO-2022-JP and UTF-7 are 7-bit too: their codec reads them
        return payload.decode(name or "ascii", errors="replace")
    if name is not None and name != "utf-8" and _is_utf8(payload):
        # Valid UTF-8 under another label is UTF-8 (text in a legacy charset is
        # almost never valid UTF-8 by chance): mislabelled by its mailer.
        said = repr(charset)
        notes.append(
            N_(
                "The text was read as UTF-8: it is, though its charset says %(charset)s.",
                charset=said,
            )
        )
        return payload.decode("utf-8")
    if name is not None:
        return payload.decode(name, errors="replace")
    for guess in ("utf-8", "cp1252"):
        try:
            text = payload.decode(guess)
        except UnicodeDecodeError:
            continue
        why = (
            N_("its charset %(charset)s is unknown", charset=repr(charset))
            if charset
            else N_("it declares no charset")
        )
        shown = guess.upper()
        notes.append(N_("The text was read as %(codec)s: %(why)s.", codec=shown, why=why))
        return text
    return payload.decode("latin-1")  # unreachable in practice: cp1252 reads almost all


def _is_utf8(payload: bytes) -> bool:
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parts(part: MIMEPart) -> Iterator[MIMEPart]:
    """Leaf parts, without descending into attached mails."""
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        for sub in part.iter_parts():
            assert isinstance(sub, MIMEPart)
            yield from _parts(sub)
    else:
        yield part


def _attachments(
    reading: mime.Reading, body: MIMEPart | None, cap: int, notes: list[Said]
) -> Iterator[Attachment]:
    for part in _parts(reading.msg):
        if part is body:
            continue
        found = _salvage(notes, N_("An attachment"), partial(_attachment, reading, part, cap), None)
        if found is not None:
            yield found


def _attachment(reading: mime.Reading, part: MIMEPart, cap: int) -> Attachment | None:
    maintype = part.get_content_maintype()
    filename = part.get_filename()
    if maintype == "text" and filename is None and part.get_content_disposition() != "attachment":
        return None  # the alternative rendering of the body
    payload = _payload(reading, part)
    if filename is None and part.get_content_type() == "message/rfc822":
        filename = _mail_name(part)
    content_id = _first_id(str(part.get("content-id", "")))
    return Attachment(
        filename=files.safe_name(filename, part.get_content_type()),
        content_type=part.get_content_type(),
        size=len(payload),
        content=payload if len(payload) <= cap else None,
        # An image the sender pasted into the text: the HTML shows it as cid:<id>.
        content_id=content_id.strip("<>") if content_id else None,
        inline=part.get_content_disposition() != "attachment" and content_id is not None,
    )


def _mail_name(part: MIMEPart) -> str:
    """An attached mail nobody named (as Outlook forwards): its Subject names it."""
    inner = part.get_payload(0) if part.is_multipart() else None
    found = inner.get("subject", "") if isinstance(inner, Message) else ""
    subject = one_line(_decoded_words(str(found)), 100)
    safe = _UNSAFE_IN_NAME.sub("_", subject).strip(" ._")
    return f"{safe or 'forwarded mail'}.eml"


_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _payload(reading: mime.Reading, part: MIMEPart) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload(0)
        return bytes(inner.as_bytes()) if hasattr(inner, "as_bytes") else b""
    return reading.payload(part)


def _size_notes(
    attachments: tuple[Attachment, ...], oversize: bool, size: int, cap: int
) -> list[Said]:
    dropped = [a for a in attachments if a.content is None]
    if not dropped:
        return []
    names = ", ".join(f"{a.filename} ({a.size} bytes)" for a in dropped)
    if oversize:
        return [
            N_(
                "This mail (%(size)s bytes) was over the %(cap)s-byte limit; "
                "its text was kept, these attachments were not: %(names)s",
                size=size,
                cap=cap,
                names=names,
            )
        ]
    return [N_("Attachments over the size limit were not kept: %(names)s", names=names)]
