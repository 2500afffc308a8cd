"""Big mail over the SMTP/LMTP intake is kept as the IMAP intake keeps it: the text,
the attachments named; only a mail over the hard limit is refused, with 552 and a
log line, whether its size is declared (SIZE=) or found while it streams in."""

import logging
import os
import re
import smtplib

import pytest

from maild.adapters.db.models import Attachment, Inbound, Message, Ticket
from maild.adapters.intake_smtp import start_intake
from tests.conftest import mail
from tests.integration.helpers import rows
from tests.peers import free_port

MB = 1_000_000


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\n", b"\r\n")  # as an MTA sends it


@pytest.fixture
def intake(app):
    """The real intake with the app's limits: 25 MB read, 100 MB refused (the defaults)."""
    port = free_port()
    limits = app.settings.intake
    controller = start_intake(
        app.ingest, "127.0.0.1", port, limits.max_message_bytes, refuse_over=limits.smtp.max_bytes
    )
    yield port
    controller.stop()


def test_a_30_mb_attachment_over_smtp_keeps_the_text_and_names_the_file(app, intake, caplog):
    assert app.settings.intake.max_message_bytes == 25 * MB  # the default the README names
    big = mail(
        text="Here is the video of the leak, and my order number is 4411.",
        attachments=(("leak.mp4", "video/mp4", os.urandom(30 * MB)),),
    )
    with caplog.at_level(logging.INFO), smtplib.SMTP("127.0.0.1", intake) as client:
        refused = client.sendmail("sam@example.com", ["support@acme.example"], crlf(big))
    assert refused == {}  # 250: kept, not 552
    [ticket] = rows(app, Ticket)
    [message] = rows(app, Message)
    assert (ticket.customer, message.ticket_id) == ("sam@example.com", ticket.id)
    assert "my order number is 4411" in message.text
    assert any("leak.mp4" in note and "its text was kept" in note for note in message.notes)
    [attachment] = rows(app, Attachment)
    assert attachment.filename == "leak.mp4" and attachment.content is None
    [inbound] = rows(app, Inbound)
    assert len(inbound.raw) <= 25 * MB + 100  # what was read, as over IMAP: the cap
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        f"#{ticket.id}" in line and "over max_message_bytes (25000000)" in line for line in logged
    ), logged


def over_the_limit(app, port, *, declared: bool, lmtp: bool = False) -> list[tuple[int, bytes]]:
    """A 3 MB mail to an intake that takes 2 MB: the replies."""
    big = crlf(mail(attachments=(("x.bin", "application/octet-stream", os.urandom(2 * MB)),)))
    client = smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port)
    with client:
        client.ehlo() if declared or lmtp else client.helo()  # LMTP's ehlo() says LHLO
        code, reply = client.mail("sam@example.com", [f"SIZE={len(big)}"] if declared else [])
        if code != 250:
            return [(code, reply)]
        for to in ("support@acme.example", "help@acme.example"):
            client.rcpt(to)
        if not lmtp:
            return [client.data(big)]
        client.putcmd("data")
        client.getreply()
        client.send(re.sub(rb"(?m)^\.", b"..", big) + b".\r\n")
        return [client.getreply(), client.getreply()]  # LMTP: one answer per recipient


@pytest.mark.parametrize(
    ("declared", "lmtp"),
    [(True, False), (False, False), (False, True)],
    ids=["SIZE", "DATA", "LMTP"],
)
def test_a_mail_over_the_hard_limit_is_refused_with_552_and_a_log_line(app, caplog, declared, lmtp):
    port = free_port()
    controller = start_intake(app.ingest, "127.0.0.1", port, MB, refuse_over=2 * MB)
    try:
        with caplog.at_level(logging.WARNING):
            replies = over_the_limit(app, port, declared=declared, lmtp=lmtp)
    finally:
        controller.stop()
    assert replies and all(code == 552 for code, _ in replies), replies
    assert all(b"too big" in reply and b"2000000" in reply for _, reply in replies)
    assert rows(app, Inbound) == [] and rows(app, Ticket) == []
    logged = [r.getMessage() for r in caplog.records]
    assert any("refused a mail" in m and "sam@example.com" in m for m in logged), logged
