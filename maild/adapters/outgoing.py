"""An outbox row's mail as it goes on the wire: its stored bytes, with each file's
body streamed in from the blob table, a megabyte at a time.

A 25 MB file sent to ten staff is ten rows naming one blob: each send reads it
in pieces and base64-encodes each piece on the way, so the process never holds
the file, let alone ten copies of it. A file erased since the mail was queued
(retention, `maild forget`) is sent as a short text part saying so.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# 57 input bytes make one 76-character base64 line: pieces of a multiple of 57
# encode to whole lines, so pieces join without a seam.
LINE_BYTES = 57
PIECE = LINE_BYTES * 18396  # just under 1 MiB

REMOVED = (
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"Content-Disposition: inline\r\n"
    b"\r\n"
    b"A file of this mail was removed before the mail was sent (retention or a\r\n"
    b"request to forget); its name stays on the ticket.\r\n"
)

# (blob hash) -> its bytes in pieces, or None when they were erased
Reader = Callable[[str], Iterator[bytes] | None]


@dataclass(frozen=True)
class Streamed:
    """The mail's bytes in pieces; `size` is exact before anything is read."""

    raw: bytes
    files: Sequence[dict[str, Any]]
    read: Reader

    def chunks(self) -> Iterator[bytes]:
        at = 0
        for f in self.files:
            pieces = self.read(str(f["blob"])) if f.get("blob") else None
            start, body = int(f["start"]), int(f["body"])
            if pieces is None:
                yield self.raw[at:start]
                yield REMOVED
            else:
                yield self.raw[at:body]
                yield from encoded(pieces)
            at = body
        yield self.raw[at:]

    def whole(self) -> bytes:
        """Every byte at once: for transports that cannot stream (a maildir)."""
        return b"".join(self.chunks())


def encoded(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Base64 in 76-character lines with CRLF, the last without its line end (the
    rendered mail has one after the body already)."""
    carry = b""
    ready = b""  # encoded, held back until we know whether it is the last
    for piece in pieces:
        data = carry + piece
        whole = len(data) - len(data) % PIECE
        if whole:
            if ready:
                yield ready
            ready = base64.encodebytes(data[:whole]).replace(b"\n", b"\r\n")
        carry = data[whole:]
    if carry:
        if ready:
            yield ready
        ready = base64.encodebytes(carry).replace(b"\n", b"\r\n")
    if ready:
        yield ready[:-2]
