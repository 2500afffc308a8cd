"""Bytes in, InboundMail out.

Anything that makes the `email` package raise here (broken MIME, an unknown
charset, a header policy.default refuses) propagates: the ingest service
quarantines the raw bytes with the error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from email import policy
from email.headerregistry import AddressHeader
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from maild.core.model import Attachment, InboundMail
from maild.core.robots import robot_reason
from maild.core.text import html_to_text, one_line

_PARSER = BytesParser(policy=policy.default)


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def parse(raw: bytes, *, max_attachment_bytes: int, max_message_bytes: int) -> InboundMail:
    msg = _PARSER.parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    digest = content_hash(raw)
    headers = _headers(msg)
    # Raw values where the words are enough; structured (slow) parsing only for
    # From and Subject, which need the decoding.
    raw_values = dict(_grouped(headers))
    from_addr, from_name, strict = _sender(msg)
    content_type = msg.get_content_type()
    body = msg.get_body(preferencelist=("plain", "html"))
    text, source = _text(body)
    oversize = len(raw) > max_message_bytes
    cap = 0 if oversize else max_attachment_bytes
    # A single-part mail is its own body: nothing to walk.
    attachments = tuple(_attachments(msg, body, cap)) if msg.is_multipart() else ()
    notes = _notes(attachments, oversize, len(raw), max_message_bytes)
    return InboundMail(
        message_id=_message_id(_one(raw_values, "message-id"), digest),
        content_hash=digest,
        size=len(raw),
        from_addr=from_addr,
        from_name=from_name,
        from_strict=strict,
        to_addrs=_addresses(raw_values, ("to", "cc", "delivered-to")),
        subject=one_line(str(msg.get("subject", "")), 500),
        in_reply_to=_first_id(_one(raw_values, "in-reply-to")),
        references=tuple(_one(raw_values, "references").split()),
        date=_date(_one(raw_values, "date")),
        text=text,
        text_source=source,
        attachments=attachments,
        robot=robot_reason(raw_values, from_addr, content_type),
        notes=notes,
        headers=headers,
    )


def _headers(msg: EmailMessage) -> tuple[tuple[str, str], ...]:
    # Raw values: building a structured header object for each is most of
    # the parse time, and the robot rules only need the words.
    return tuple((name.lower(), " ".join(str(value).split())) for name, value in msg.raw_items())


def _grouped(headers: tuple[tuple[str, str], ...]) -> Iterator[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    yield from grouped.items()


def _sender(msg: EmailMessage) -> tuple[str | None, str, bool]:
    values = msg.get_all("from") or []
    if not values:
        return None, "", False
    header = values[0]
    addresses = header.addresses if isinstance(header, AddressHeader) else ()
    real = [a for a in addresses if a.addr_spec and "@" in a.addr_spec]
    if not real:
        return None, "", False
    first = real[0]
    strict = len(values) == 1 and len(addresses) == 1 and not header.defects
    return first.addr_spec.lower(), one_line(first.display_name), strict


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


def _text(body: MIMEPart | None) -> tuple[str, str]:
    if body is None:
        return "", "none"
    content = body.get_content()
    if not isinstance(content, str):
        return "", "none"
    if body.get_content_subtype() == "html":
        return html_to_text(content), "html"
    return content.replace("\r\n", "\n").strip(), "plain"


def _parts(part: MIMEPart) -> Iterator[MIMEPart]:
    """Leaf parts, without descending into attached mails."""
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        for sub in part.iter_parts():
            assert isinstance(sub, MIMEPart)
            yield from _parts(sub)
    else:
        yield part


def _attachments(msg: EmailMessage, body: MIMEPart | None, cap: int) -> Iterator[Attachment]:
    for part in _parts(msg):
        if part is body:
            continue
        maintype = part.get_content_maintype()
        named = part.get_filename() is not None or part.get_content_disposition() == "attachment"
        if maintype == "text" and not named:
            continue  # the alternative rendering of the body
        payload = _payload(part)
        yield Attachment(
            filename=one_line(part.get_filename() or f"part.{part.get_content_subtype()}"),
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


def _notes(
    attachments: tuple[Attachment, ...], oversize: bool, size: int, cap: int
) -> tuple[str, ...]:
    dropped = [a for a in attachments if a.content is None]
    if not dropped:
        return ()
    names = ", ".join(f"{a.filename} ({a.size} bytes)" for a in dropped)
    if oversize:
        return (
            f"This mail ({size} bytes) was over the {cap}-byte limit; "
            f"its text was kept, these attachments were not: {names}",
        )
    return (f"Attachments over the size limit were not kept: {names}",)
