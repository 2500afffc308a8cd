"""Files in an outgoing mail: the MIME around them now, their bytes at send time.

A notice with files is rendered as

    multipart/mixed
      multipart/related          (only with inline images)
        multipart/alternative    (text/plain, text/html: the notice itself)
        image/png  Content-ID    (an image the HTML shows as cid:)
      application/pdf            (each attached file)

with each file's body left empty. `placed()` cuts the empty bodies out and
says where they go ({"blob", "name", "start", "body"}: offsets of the part's
headers and of its body), so the outbox row holds a few kB whatever the files
weigh, and adapters.outgoing streams the bytes in at send time.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from typing import Any

from maild.core.files import FileRef
from maild.core.text import one_line


def _boundary(message_id: str, kind: str) -> str:
    return f"=_{kind}_" + hashlib.sha256(f"{kind}{message_id}".encode()).hexdigest()[:28]


def _file_part(f: FileRef, marker: str) -> MIMEBase:
    maintype, _, subtype = f.content_type.lower().partition("/")
    if not maintype or not subtype or any(c in f.content_type for c in '\r\n;"\\ '):
        maintype, subtype = "application", "octet-stream"
    if maintype in ("message", "multipart"):
        # RFC 2046 allows no base64 there: a forwarded mail travels as bytes, and
        # opens by its .eml name.
        maintype, subtype = "application", "octet-stream"
    name: Any = f.filename if f.filename.isascii() else ("utf-8", "", f.filename)
    part = MIMEBase(maintype, subtype)
    # RFC 2231 (filename*=utf-8''...) for any name beyond ASCII: "Rechnung März.pdf"
    # and "請求書.pdf" arrive with their names; `name` for clients that read only it.
    part.set_param("name", name)
    disposition = "inline" if f.content_id else "attachment"
    part.add_header("Content-Disposition", disposition, filename=name)
    if f.content_id:
        part["Content-ID"] = f"<{one_line(f.content_id)}>"
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(marker)
    return part


def wrap(
    alternative: MIMEMultipart, files: Sequence[FileRef], message_id: str
) -> tuple[MIMEMultipart, dict[str, FileRef]]:
    """The notice's alternative part inside the parts that carry its files; the
    markers standing in for each file's body (random: no text can forge one)."""
    nonce = secrets.token_hex(16)
    markers: dict[str, FileRef] = {}
    inline = [f for f in files if f.content_id]
    body: MIMEMultipart = alternative
    if inline:
        body = MIMEMultipart("related", boundary=_boundary(message_id, "rel"))
        body.attach(alternative)
        for i, f in enumerate(inline):
            marker = f"maild-file-{nonce}-i{i}"
            markers[marker] = f
            body.attach(_file_part(f, marker))
    attached = [f for f in files if not f.content_id]
    if not attached:
        return body, markers
    mixed = MIMEMultipart("mixed", boundary=_boundary(message_id, "mix"))
    mixed.attach(body)
    for i, f in enumerate(attached):
        marker = f"maild-file-{nonce}-a{i}"
        markers[marker] = f
        mixed.attach(_file_part(f, marker))
    return mixed, markers


def placed(raw: bytes, markers: dict[str, FileRef]) -> tuple[bytes, list[dict[str, Any]]]:
    """The rendered bytes without the markers, and where each file goes."""
    out = raw
    where: list[dict[str, Any]] = []
    for marker, f in markers.items():
        token = marker.encode()
        body = out.index(token)
        start = out.rindex(b"\r\n--", 0, body)
        start = out.index(b"\r\n", start + 2) + 2  # after the boundary line
        out = out[:body] + out[body + len(token) :]
        where.append(
            {"blob": f.blob, "name": f.filename, "size": f.size, "start": start, "body": body}
        )
    where.sort(key=lambda w: int(w["body"]))
    return out, where
