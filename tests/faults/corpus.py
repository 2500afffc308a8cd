"""Damaged and hostile mail, each as a stranger's MTA would hand it over."""

from __future__ import annotations

import base64
from collections.abc import Callable

HEAD = (
    b"From: Sam <sam@example.com>\r\nTo: support@acme.example\r\n"
    b"Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n"
)
PADDING = b" " + b"a " * 1_000_000


def _plain(
    n: int, extra: bytes = b"", ct: bytes = b"text/plain; charset=utf-8", body: bytes = b"hello\r\n"
) -> bytes:
    return (
        HEAD.replace(b"sam@", b"sam%d@" % n)
        + b"Subject: hostile %d\r\nMessage-ID: <hostile-%d@x>\r\n" % (n, n)
        + extra
        + b"Content-Type: "
        + ct
        + b"\r\n\r\n"
        + body
    )


def _multipart(n: int, parts: list[bytes], boundary: bytes = b"XX") -> bytes:
    body = (
        b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
        + b"--"
        + boundary
        + b"--\r\n"
    )
    return _plain(n, b"MIME-Version: 1.0\r\n", b"multipart/mixed; boundary=" + boundary, body)


def _nested(n: int, depth: int) -> bytes:
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    tail = b"".join(b"\r\n--b%d--" % i for i in reversed(range(depth)))
    return _plain(n, b"MIME-Version: 1.0\r\n", b"text/plain", b"").replace(
        b"Content-Type: text/plain\r\n\r\n",
        head + b"Content-Type: text/plain\r\n\r\ndeep" + tail + b"\r\n",
    )


def _attachment(n: int, size: int) -> bytes:
    data = base64.encodebytes(bytes(range(256)) * (size // 256))
    part = (
        b"Content-Type: application/octet-stream; name=big.bin\r\n"
        b"Content-Disposition: attachment; filename=big.bin\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + data
    )
    return _multipart(n, [b"Content-Type: text/plain\r\n\r\nsee attached", part])


# name -> (mail, what must become of it: "ticket" or "quarantined")
CORPUS: dict[str, tuple[Callable[[int], bytes], str]] = {
    "charset typo": (
        lambda n: _plain(n, ct=b"text/plain; charset=uft-8", body="caf\u00e9".encode()),
        "ticket",
    ),
    "unknown charset": (
        lambda n: _plain(n, ct=b"text/plain; charset=x-nonsense", body=b"\xff\xfe"),
        "ticket",
    ),
    "8bit without charset": (
        lambda n: _plain(n, ct=b"text/plain", body="\u00fcber".encode()),
        "ticket",
    ),
    "broken RFC 2231": (
        lambda n: _multipart(
            n,
            [
                b"Content-Type: text/plain\r\n\r\nhi",
                b"Content-Type: application/pdf; name*=utf-8''%E2%28\r\n"
                b"Content-Disposition: attachment; filename*=bogus'x\r\n\r\nx",
            ],
        ),
        "ticket",
    ),
    "encoded CR/LF everywhere": (
        lambda n: (
            _plain(n)
            .replace(b"From: Sam <", b"From: =?utf-8?q?Sam=0D=0ABcc=3A_x=40evil?= <")
            .replace(b"Subject: hostile", b"Subject: =?utf-8?q?a=0D=0AX-Evil=3A_1?= hostile")
        ),
        "ticket",
    ),
    "NUL in the text": (lambda n: _plain(n, body=b"hel\x00lo"), "ticket"),
    "NUL in base64 text": (
        lambda n: _plain(n, b"Content-Transfer-Encoding: base64\r\n", body=b"aGVsAGxv\r\n"),
        "ticket",
    ),
    "bare CR": (lambda n: _plain(n, body=b"one\rtwo\rthree\r").replace(b"\r\n", b"\r"), "ticket"),
    "2 MB subject": (
        lambda n: _plain(n).replace(
            b"\r\nMessage-ID", b" " + b"a " * 1_000_000 + b"\r\nMessage-ID", 1
        ),
        "ticket",
    ),
    "10,000 Content-Type parameters": (
        lambda n: _plain(n, ct=b"text/plain; " + b"; ".join(b"p%d=v" % i for i in range(10_000))),
        "ticket",
    ),
    "20,000 headers": (
        lambda n: _plain(n, b"".join(b"X-H%d: v\r\n" % i for i in range(20_000))),
        "ticket",
    ),
    "2,000 nested multiparts": (lambda n: _nested(n, 2000), "ticket"),
    "20,000 flat parts": (
        lambda n: _multipart(n, [b"Content-Type: text/plain\r\n\r\np"] * 20_000),
        "ticket",
    ),
    "a 10 MB line": (lambda n: _plain(n, body=b"x" * 10_000_000), "ticket"),
    "the largest mail allowed (24.9 MB)": (lambda n: _attachment(n, 18_100_000), "ticket"),
    "over the 25 MB cap (27 MB)": (lambda n: _attachment(n, 20_000_000), "ticket"),
    "5,000 nested HTML quotes": (
        lambda n: _plain(n, ct=b"text/html", body=b"<blockquote>" * 5000 + b"x"),
        "ticket",
    ),
    "20,000 HTML quotes": (
        lambda n: _plain(n, ct=b"text/html", body=b"<p>a</p><blockquote>q</blockquote>" * 20_000),
        "ticket",
    ),
    "no usable sender": (
        lambda n: _plain(n).replace(b"Sam <sam%d@example.com>" % n, b"nobody (no address)"),
        "quarantined",
    ),
    "no headers at all": (lambda n: b"\r\n\r\njust a body\r\n", "quarantined"),
}
