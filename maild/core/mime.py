"""Reading a mail's MIME structure at a cost bounded before the parser sees it.

The `email` package is thorough but costly on what strangers send: its header
parser is quadratic in a field's length and superlinear in a Content-Type's
parameters, its parser recurses once per nesting level, and a 25 MB body
becomes hundreds of MB of line strings. So, before parsing:
- every header field is cut at MAX_HEADER_CHARS and every Content-Type or
  Content-Disposition at MAX_PARAMETERS parameters (as the parser reads them);
- a mail with more MIME containers or parts than real mail has is read for its
  headers only;
- every part body over STUB_BYTES is replaced by a stub naming its place in the
  raw bytes: the parser sees a small skeleton, and a stubbed body is decoded
  straight from those bytes (base64, quoted-printable) only when it is needed.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.policy import EmailPolicy
from functools import lru_cache

from maild.core import charsets
from maild.core.words import N_, Msg, Said

# RFC 5322 caps a line at 998 characters; a folded field may hold a few lines
# (a long References chain), never more than this in real mail.
MAX_HEADER_CHARS = 8_000
# multipart/* and message/* parts in one mail; real mail has a handful.
MAX_CONTAINERS = 100
# MIME parts in one mail (the parser costs ~0.3 ms a part).
MAX_PARTS = 500
# parameters of one Content-Type or Content-Disposition: real ones have a few.
MAX_PARAMETERS = 12
# a part body over this is not handed to the parser (see above).
STUB_BYTES = 64 * 1024

_STUB = "maild-stub:"
_CONTAINER = re.compile(rb"(?im)^content-type:[ \t]*(?:\r?\n[ \t]+)?(?:multipart|message)/")
_BOUNDARY = re.compile(rb'(?i)boundary[ \t]*=[ \t]*"?([^"\s;]{1,70})')
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


SHARED_HEADER_CHARS = 200  # longer values are parsed for each look, never kept


class _Headers(HeaderRegistry):
    """The header registry, remembering. The stock one builds a new class for each
    header it parses, and the email package parses Content-Type again on every
    look (ten and more times a mail as the body is found). A parsed header is an
    immutable string, so equal short fields (the same Content-Type in mail after
    mail) share one."""

    @lru_cache(maxsize=64)  # noqa: B019  # one registry for the process; classes are few
    def _class(self, cls: type) -> type:
        return type("_" + cls.__name__, (cls, self.base_class), {})

    def __getitem__(self, name: str) -> type:
        return self._class(self.registry.get(name.lower(), self.default_class))

    def __call__(self, name: str, value: str) -> BaseHeader:
        if len(value) > SHARED_HEADER_CHARS:
            return super().__call__(name, value)
        return _shared(self, name, value)


@lru_cache(maxsize=1024)
def _shared(registry: _Headers, name: str, value: str) -> BaseHeader:
    return HeaderRegistry.__call__(registry, name, value)


class _BoundedPolicy(EmailPolicy):
    """policy.default, with every header field cut as it is read: the parser's own
    work on a field (Content-Type's parameters) is then bounded too. Raw 8-bit
    bytes in a field (an old mailer's Latin-1 name) are read as text the way mail
    clients read them: UTF-8, else the mail's charset, else Windows-1252."""

    header_charset = "cp1252"

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        if not value.isascii():
            value = _eight_bit(value, self.header_charset)
        if name.lower() in ("content-type", "content-disposition"):
            kept = value.split(";", MAX_PARAMETERS + 1)[: MAX_PARAMETERS + 1]
            # A parameter with no value (`name*`) makes the email package raise.
            value = ";".join(kept[:1] + [p for p in kept[1:] if "=" in p or not p.strip()])
        return name, value[:MAX_HEADER_CHARS]


def _eight_bit(value: str, fallback: str) -> str:
    """The parser hands raw bytes over as surrogates: the bytes back, then text."""
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode(fallback, "replace")


_POLICY = _BoundedPolicy(header_factory=_Headers())
_PARSER = BytesParser(policy=_POLICY)
_CHARSET = re.compile(rb'(?i)\bcharset[ \t]*=[ \t]*"?([\w.:-]{1,40})')
_HEADER_LINE = re.compile(rb"^(?:[!-9;-~]{1,76}:|From )")  # a field name and its colon
MAX_JUNK_LINES = 3


@dataclass
class Reading:
    """A parsed skeleton and the raw bytes its stubbed bodies point into."""

    msg: EmailMessage
    raw: bytes
    stubs: dict[int, tuple[int, int]] = field(default_factory=dict)

    def payload(self, part: MIMEPart) -> bytes:
        """The part's body, transfer-decoded, whether it was stubbed or not."""
        body = part.get_payload()
        if isinstance(body, str) and body.startswith(_STUB):
            start, end = self.stubs[int(body[len(_STUB) :].split()[0])]
            return _transfer_decoded(memoryview(self.raw)[start:end], part)  # no copy
        data = part.get_payload(decode=True)
        return data if isinstance(data, bytes) else b""


def read(raw: bytes, notes: list[Said]) -> Reading:
    raw = _without_junk(raw, notes)
    parser = _parser(raw)
    boundaries = _boundaries(raw)
    too_many = _too_many(raw, boundaries)
    if too_many:
        notes.append(N_("%(why)s; only its headers were read.", why=too_many))
        msg = parser.parsebytes(raw, headersonly=True)
        assert isinstance(msg, EmailMessage)
        msg.set_payload("")
        return Reading(msg, raw)
    skeleton, stubs = _skeleton(raw, boundaries)
    msg = parser.parsebytes(skeleton)
    assert isinstance(msg, EmailMessage)
    return Reading(msg, raw, stubs)


def _without_junk(raw: bytes, notes: list[Said]) -> bytes:
    """A line or two that is no header before the headers (a mailer's status
    line, a stray mbox line) would end the headers at once: skip it."""
    start = 0
    for _ in range(MAX_JUNK_LINES):
        end = raw.find(b"\n", start)
        line = raw[start : end if end >= 0 else len(raw)]
        if end < 0 or _HEADER_LINE.match(line) or not line.strip(b"\r"):
            break
        start = end + 1
    if start == 0 or not _HEADER_LINE.match(raw[start : start + 80]):
        return raw
    shown = raw[:start].decode("utf-8", "replace").strip()[:80]
    notes.append(N_("A line before the headers was skipped: %(line)s.", line=repr(shown)))
    return raw[start:]


def _parser(raw: bytes) -> BytesParser:
    """8-bit header bytes not in UTF-8 are read in the mail's own charset when it
    names one the mail clients know."""
    head = raw[: raw.find(b"\n\n") if b"\n\n" in raw else 16384][:16384]
    if head.isascii():
        return _PARSER
    label = _CHARSET.search(head)
    name = charsets.codec(label.group(1).decode("ascii")) if label else None
    if name is None or name == _POLICY.header_charset:
        return _PARSER
    return BytesParser(policy=_POLICY.clone(header_charset=name))  # type: ignore[call-arg]


def _boundaries(raw: bytes) -> list[bytes]:
    return sorted({re.escape(b) for b in _BOUNDARY.findall(raw)}, key=len, reverse=True)


def _too_many(raw: bytes, boundaries: list[bytes]) -> Msg | None:
    """Count containers and parts in the bytes, before the parser spends time on them."""
    containers = len(_CONTAINER.findall(raw))
    if containers > MAX_CONTAINERS:
        return N_(
            "This mail has %(n)s MIME containers (more than %(max)s)",
            n=containers,
            max=MAX_CONTAINERS,
        )
    if not boundaries:
        return None
    parts = len(_delimiters(boundaries).findall(raw))
    if parts > MAX_PARTS:
        return N_("This mail has %(n)s MIME parts (more than %(max)s)", n=parts, max=MAX_PARTS)
    return None


def _delimiters(boundaries: list[bytes]) -> re.Pattern[bytes]:
    return re.compile(rb"(?m)^--(?:" + b"|".join(boundaries) + rb")(?:--)?[ \t]*\r?$\n?")


def _skeleton(raw: bytes, boundaries: list[bytes]) -> tuple[bytes, dict[int, tuple[int, int]]]:
    """The mail with every body over STUB_BYTES replaced by a stub line."""
    cuts = [0]  # segment starts: the top, then just after each delimiter line
    ends = []  # segment ends: just before each delimiter line's CRLF, then the end
    if boundaries:
        for found in _delimiters(boundaries).finditer(raw):
            ends.append(_before_line_break(raw, found.start()))
            cuts.append(found.end())
    ends.append(len(raw))
    pieces: list[bytes] = []
    stubs: dict[int, tuple[int, int]] = {}
    position = 0
    for start, end in zip(cuts, ends, strict=True):
        blank = _BLANK_LINE.search(raw, start, end)
        if blank is None or end - blank.end() <= STUB_BYTES:
            continue
        if b"message/" in raw[start : blank.start()].lower():
            continue  # an attached mail: parsed, so that its own big parts are stubbed
        stubs[len(stubs)] = (blank.end(), end)
        pieces += [raw[position : blank.end()], f"{_STUB}{len(stubs) - 1}\r\n".encode()]
        position = end
    if not stubs:
        return raw, {}
    pieces.append(raw[position:])
    return b"".join(pieces), stubs


def _before_line_break(raw: bytes, at: int) -> int:
    if raw[at - 2 : at] == b"\r\n":
        return at - 2
    return at - 1 if raw[at - 1 : at] == b"\n" else at


def _transfer_decoded(data: memoryview, part: MIMEPart) -> bytes:
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    try:
        if encoding == "base64":
            return binascii.a2b_base64(data)
        if encoding == "quoted-printable":
            return binascii.a2b_qp(data)
    except (binascii.Error, ValueError):
        pass  # damaged: the bytes as they are, as the email package would give them
    return bytes(data)
