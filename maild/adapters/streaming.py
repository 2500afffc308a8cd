"""smtplib's sendmail, with the envelope pipelined and the DATA written piece by piece.

smtplib wants the whole message as one bytes value; a mail carrying a 25 MB
file would then be 34 MB of base64 in memory per send, so the DATA is written
as the pieces come. And smtplib waits for the relay's answer to MAIL FROM, to
each RCPT TO and to DATA before sending the next: where the relay offers
PIPELINING (RFC 2920; Postfix, Exchange, Gmail and SES do), the envelope and
DATA go in one write and the answers are read after, as Postfix's own client
does: two round trips a mail instead of four, which a relay across a network
pays in milliseconds each. The same SMTP steps and the same exceptions as
smtplib otherwise, so SmtpTransport treats every mail alike.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterable, Sequence

_PERIOD_AT_LINE_START = re.compile(rb"(?m)^\.")
WRITE = 1 << 20
Refused = dict[str, tuple[int, bytes]]


def sendmail(
    conn: smtplib.SMTP,
    sender: str,
    recipients: Sequence[str],
    pieces: Iterable[bytes],
    size: int | None = None,
) -> Refused:
    """One mail; returns the recipients the relay refused (the others have it)."""
    conn.ehlo_or_helo_if_needed()
    options = f" SIZE={size}" if size is not None and conn.has_extn("size") else ""
    if conn.has_extn("pipelining"):
        refused = _envelope_pipelined(conn, sender, recipients, options)
    else:
        refused = _envelope(conn, sender, recipients, options)
    _data(conn, pieces)
    return refused


def _envelope(conn: smtplib.SMTP, sender: str, recipients: Sequence[str], options: str) -> Refused:
    """MAIL FROM, each RCPT TO and DATA, each answer awaited (smtplib's way)."""
    code, resp = conn.docmd("mail", f"FROM:{smtplib.quoteaddr(sender)}{options}")
    if code != 250:
        _reset(conn, code)
        raise smtplib.SMTPSenderRefused(code, resp, sender)
    refused: Refused = {}
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
    return refused


def _envelope_pipelined(
    conn: smtplib.SMTP, sender: str, recipients: Sequence[str], options: str
) -> Refused:
    """The same commands in one write, then their answers in order (RFC 2920)."""
    commands = [f"MAIL FROM:{smtplib.quoteaddr(sender)}{options}"]
    commands += [f"RCPT TO:{smtplib.quoteaddr(r)}" for r in recipients]
    commands.append("DATA")
    conn.send("".join(f"{c}\r\n" for c in commands))
    mail_code, mail_resp = conn.getreply()
    answers = [conn.getreply() for _ in recipients]
    data_code, data_resp = conn.getreply()
    refused = {r: a for r, a in zip(recipients, answers, strict=True) if a[0] not in (250, 251)}
    failed = mail_code != 250 or len(refused) == len(recipients) or data_code != 354
    if failed and data_code == 354:  # DATA was opened all the same: an empty mail ends it
        conn.send(".\r\n")
        conn.getreply()
    if mail_code != 250:
        _reset(conn, mail_code)
        raise smtplib.SMTPSenderRefused(mail_code, mail_resp, sender)
    if any(code == 421 for code, _ in refused.values()):
        conn.close()
        raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(recipients):
        conn.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    if data_code != 354:
        _reset(conn, data_code)
        raise smtplib.SMTPDataError(data_code, data_resp)
    return refused


def _data(conn: smtplib.SMTP, pieces: Iterable[bytes]) -> None:
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


def _reset(conn: smtplib.SMTP, code: int) -> None:
    if code == 421:
        conn.close()
    else:
        conn.rset()
