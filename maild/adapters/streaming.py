"""smtplib's sendmail, with the DATA written piece by piece as the pieces come.

smtplib wants the whole message as one bytes value; a mail carrying a 25 MB
file would then be 34 MB of base64 in memory per send. The same SMTP steps
and the same exceptions here, so SmtpTransport treats both paths alike.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterable

_PERIOD_AT_LINE_START = re.compile(rb"(?m)^\.")
WRITE = 1 << 20


def sendmail(
    conn: smtplib.SMTP, sender: str, recipients: list[str], pieces: Iterable[bytes]
) -> dict[str, tuple[int, bytes]]:
    conn.ehlo_or_helo_if_needed()
    code, resp = conn.mail(sender)
    if code != 250:
        _reset(conn, code)
        raise smtplib.SMTPSenderRefused(code, resp, sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for rcpt in recipients:
        code, resp = conn.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, resp)
        if code == 421:
            conn.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(recipients):
        conn.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, resp = conn.docmd("data")
    if code != 354:
        _reset(conn, code)
        raise smtplib.SMTPDataError(code, resp)
    last = b"\n"
    # Written in sends of about WRITE bytes: many small writes would each wait for
    # the peer's delayed ACK (Nagle), 40 ms a mail on loopback.
    pending = bytearray()
    for piece in pieces:
        if not piece:
            continue
        # Dot-stuffing (RFC 5321 4.5.2). Pieces start at line starts (the stored
        # bytes are cut at part boundaries, base64 lines never begin with "."),
        # so a "." opening a piece opens a line.
        pending += _PERIOD_AT_LINE_START.sub(b"..", piece)
        last = piece[-1:]
        if len(pending) >= WRITE:
            conn.send(bytes(pending))
            pending.clear()
    pending += b".\r\n" if last == b"\n" else b"\r\n.\r\n"
    conn.send(bytes(pending))
    code, resp = conn.getreply()
    if code != 250:
        _reset(conn, code)
        raise smtplib.SMTPDataError(code, resp)
    return refused


def _reset(conn: smtplib.SMTP, code: int) -> None:
    if code == 421:
        conn.close()
    else:
        conn.rset()
