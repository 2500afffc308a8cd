"""The SMTP intake (aiosmtpd): 250 after the commit, 451 when the database is away."""

import smtplib

import pytest

from maild.adapters.db.models import Inbound, Ticket
from maild.adapters.intake_smtp import start_intake
from maild.core.intake import TransientError
from tests.conftest import mail
from tests.integration.helpers import rows
from tests.peers import free_port


def test_mail_over_smtp_becomes_a_ticket(app):
    port = free_port()
    controller = start_intake(app.ingest, "127.0.0.1", port, 10**6)
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            refused = client.sendmail("sam@example.com", ["support@acme.example"], mail())
        assert refused == {}
    finally:
        controller.stop()
    [ticket] = rows(app, Ticket)
    assert ticket.customer == "sam@example.com"
    assert rows(app, Inbound)[0].raw.startswith(b"Return-Path: <sam@example.com>")


def test_a_bounce_over_smtp_is_recognised_by_its_empty_return_path(app):
    port = free_port()
    controller = start_intake(app.ingest, "127.0.0.1", port, 10**6)
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("", ["support@acme.example"], mail(sender="someone@example.com"))
    finally:
        controller.stop()
    assert rows(app, Ticket) == [] and rows(app, Inbound)[0].verdict == "ignored"


def test_a_transient_failure_answers_451(app):
    def failing(batch):
        raise TransientError("database is locked")

    port = free_port()
    controller = start_intake(failing, "127.0.0.1", port, 10**6)
    try:
        with smtplib.SMTP("127.0.0.1", port) as client, pytest.raises(smtplib.SMTPDataError) as err:
            client.sendmail("sam@example.com", ["support@acme.example"], mail())
        assert err.value.smtp_code == 451
    finally:
        controller.stop()


def test_lmtp_answers_once_per_recipient_and_takes_the_mail_once(app):
    import socket

    port = free_port()
    controller = start_intake(app.ingest, "127.0.0.1", port, 10**6, protocol="lmtp")
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            assert client.sendmail("sam@example.com", ["support@acme.example"], mail()) == {}
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            reader = sock.makefile("rb")
            reader.readline()  # greeting
            sock.sendall(b"LHLO test\r\n")
            while not reader.readline().startswith(b"250 "):
                pass
            for line in (
                b"MAIL FROM:<ann@example.com>",
                b"RCPT TO:<a@acme.example>",
                b"RCPT TO:<b@acme.example>",
                b"DATA",
            ):
                sock.sendall(line + b"\r\n")
                reader.readline()
            sock.sendall(mail(sender="ann@example.com").replace(b"\n", b"\r\n") + b"\r\n.\r\n")
            replies = [reader.readline() for _ in range(2)]
            sock.sendall(b"QUIT\r\n")
        assert [r[:3] for r in replies] == [b"250", b"250"]
    finally:
        controller.stop()
    assert sorted(t.customer for t in rows(app, Ticket)) == ["ann@example.com", "sam@example.com"]


@pytest.mark.parametrize("configured", ["smtp", "lmtp"])
def test_the_intake_speaks_what_the_client_speaks_whatever_the_config_says(app, configured):
    port = free_port()
    controller = start_intake(app.ingest, "127.0.0.1", port, 10**6, protocol=configured)
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:  # LHLO
            refused = client.sendmail(
                "ann@example.com", ["support@acme.example"], mail(sender="ann@example.com")
            )
            assert refused == {}
        with smtplib.SMTP("127.0.0.1", port) as client:  # EHLO
            assert (
                client.sendmail(
                    "bob@example.com", ["support@acme.example"], mail(sender="bob@example.com")
                )
                == {}
            )
        with smtplib.SMTP("127.0.0.1", port) as client:  # plain HELO
            client.helo("old.example")
            assert (
                client.sendmail(
                    "cy@example.com", ["support@acme.example"], mail(sender="cy@example.com")
                )
                == {}
            )
    finally:
        controller.stop()
    customers = sorted(t.customer for t in rows(app, Ticket))
    assert customers == ["ann@example.com", "bob@example.com", "cy@example.com"]
