"""Bounces of our own mail: which of our mails came back, to whom, and why.

Two ways to know the mail: the envelope sender maild sent it with (VERP:
`support+bounce-<mac>@domain`, the mac an HMAC of the mail's Message-ID, so
nobody can make one up), which the remote server's report is addressed to;
and the Message-ID in the report's copy of the mail (RFC 3464: a
`message/rfc822` or `text/rfc822-headers` part). The report's per-recipient
fields say who failed (`Final-Recipient`), how (`Status`) and the remote
server's words (`Diagnostic-Code`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser, HeaderParser

from maild.core.text import one_line

VERP_TAG = "bounce-"
MAC_CHARS = 20  # 100 bits
_COMPAT = BytesParser(policy=policy.compat32)
_STATUS = re.compile(r"^\d\.\d{1,3}\.\d{1,3}$")


@dataclass(frozen=True)
class Failure:
    recipient: str
    status: str  # the RFC 3463 code, e.g. 5.1.1
    diagnostic: str  # the remote server's words, e.g. "550 5.1.1 <sam@...>: User unknown"

    @property
    def words(self) -> str:
        return self.diagnostic or f"status {self.status}"


@dataclass(frozen=True)
class Report:
    failures: tuple[Failure, ...]
    message_id: str | None  # of our mail, from the report's copy of it


def verp_address(envelope_from: str, key: bytes, message_id: str) -> str:
    """The envelope sender for one mail: its bounce names that mail."""
    local, _, domain = envelope_from.partition("@")
    digest = hmac.new(key, message_id.encode(), hashlib.sha256).digest()
    mac = base64.b32encode(digest).decode("ascii").lower()[:MAC_CHARS]
    return f"{local}+{VERP_TAG}{mac}@{domain}"


def verp_candidates(addresses: tuple[str, ...], envelope_from: str) -> tuple[str, ...]:
    """The addresses of ours, with a bounce tag, that a report was sent to."""
    local, _, domain = envelope_from.lower().partition("@")
    prefix = f"{local}+{VERP_TAG}"
    return tuple(
        a
        for a in dict.fromkeys(x.lower() for x in addresses)
        if a.endswith("@" + domain) and a.startswith(prefix)
    )


def is_report(headers: Mapping[str, Sequence[str]]) -> bool:
    """A delivery status notification (RFC 3464), from its Content-Type."""
    value = (headers.get("content-type") or [""])[0].lower()
    return "multipart/report" in value and "delivery-status" in value


def read(raw: bytes) -> Report:
    """The failed recipients and our mail's Message-ID, from a DSN's bytes; a report
    too damaged to read is none (the mail stays a robot, recorded)."""
    try:
        return _read(raw)
    except Exception:  # the email package raises many kinds on damaged mail
        return Report((), None)


def _read(raw: bytes) -> Report:
    msg = _COMPAT.parsebytes(raw)
    failures: list[Failure] = []
    message_id = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            failures += _failures(part)
        elif ctype in ("message/rfc822", "message/global") and message_id is None:
            message_id = _inner_id(part)
        elif ctype == "text/rfc822-headers" and message_id is None:
            text = part.get_payload(decode=True) or b""
            assert isinstance(text, bytes)
            found = HeaderParser().parsestr(text.decode("utf-8", "replace"))["message-id"]
            message_id = _clean_id(found)
    return Report(tuple(failures), message_id)


def _failures(part: Message) -> list[Failure]:
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        return []
    out = []
    for block in blocks[1:]:  # the first block is about the whole message
        if not isinstance(block, Message):
            continue
        action = str(block.get("action", "")).strip().lower()
        if action != "failed":
            continue
        recipient = _address(str(block.get("final-recipient") or block.get("original-recipient")))
        status = str(block.get("status", "")).strip()
        diagnostic = str(block.get("diagnostic-code", "")).partition(";")[2]
        if recipient:
            out.append(
                Failure(
                    recipient=recipient,
                    status=status if _STATUS.match(status) else "",
                    diagnostic=one_line(diagnostic, 500),
                )
            )
    return out


def _inner_id(part: Message) -> str | None:
    inner = part.get_payload()
    first = inner[0] if isinstance(inner, list) and inner else None
    return _clean_id(first["message-id"]) if isinstance(first, Message) else None


def _address(value: str) -> str:
    """`rfc822; sam@example.com` -> sam@example.com."""
    kind, _, address = value.partition(";")
    found = (address if address else kind).strip().strip("<>").lower()
    return found if "@" in found and " " not in found else ""


def _clean_id(value: object) -> str | None:
    text = str(value or "").strip()
    return text if text.startswith("<") and text.endswith(">") and "@" in text else None
