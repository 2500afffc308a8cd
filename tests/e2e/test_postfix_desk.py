"""Postfix in front of maild, as the README sets it up: spam and bounces.

A real Postfix bounces maild's acknowledgement to an unknown local user; its DSN
comes back through the README's pipe and LMTP setups and reaches the ticket.

Postfix accepts mail for any local name here (`local_recipient_maps =`), so the
unknown user is found at delivery, and bounce(8) writes the RFC 3464 report to
maild's VERP envelope sender, `support+bounce-<mac>@acme.example`: with the
README's `recipient_delimiter = +` the transport map's entry for the support
address takes it to maild. The agents' mail goes on to the test's sink.

SpamAssassin in the pipe marks a GTUBE mail; maild holds it as spam."""

from __future__ import annotations

import json
import shutil
import smtplib
import time
from email.message import EmailMessage

import pytest

from tests.e2e.test_postfix import (  # noqa: F401 (fixtures)
    SUPPORT,
    Maild,
    Postfix,
    _run,
    _wait,
    installed,
    maild,
    postfix,
)
from tests.peers import SmtpSink, wait_for_port


def _answering(server: Postfix) -> None:
    """The fixture's first smtpd (its port probe, under the default local_recipient_maps)
    may exit late and throttle smtpd for a minute; a reload after it clears that."""
    for _ in range(5):
        time.sleep(1)
        _run("postfix", "-c", server.conf, "reload")
        try:
            with smtplib.SMTP("127.0.0.1", server.port, timeout=5) as client:
                if client.noop()[0] == 250:
                    return
        except (OSError, smtplib.SMTPException):
            continue
    raise AssertionError(f"Postfix does not answer:\n{server.log()}")


def _send_as_kim(server: Postfix) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Kim <kim@acme.example>", SUPPORT, "Invoice wrong"
    msg["Message-ID"] = "<kim-1@acme.example>"
    msg["Date"] = "Mon, 23 Nov 2026 09:00:00 +0000"
    msg.set_content("My invoice is wrong.")
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
        client.send_message(msg)


@pytest.mark.parametrize("intake", ["pipe", "lmtp"])
def test_a_real_postfix_bounce_reaches_the_ticket(
    postfix: Postfix,  # noqa: F811 (the fixture)
    maild: Maild,  # noqa: F811 (the fixture)
    sink: SmtpSink,
    intake: str,
) -> None:
    cfg = maild.cfg.read_text().replace(f"port = {sink.port}", f"port = {postfix.port}")
    if intake == "lmtp":
        cfg = cfg.replace('listen = "', 'protocol = "lmtp"\nlisten = "', 1)
    maild.cfg.write_text(cfg)  # maild sends through this Postfix
    conf = postfix.conf
    # any local name is accepted, so the unknown user is found at delivery (a bounce)
    # An smtpd still running on the old settings asks proxymap for the documented
    # passwd table: keep it approved, or that smtpd exits and smtpd is throttled a minute.
    default = _run("postconf", "-c", conf, "-h", "-d", "proxy_read_maps").stdout.strip()
    approved = f"proxy_read_maps = {default} proxy:unix:passwd.byname"
    _run("postconf", "-c", conf, "-e", approved, "local_recipient_maps =")
    if intake == "pipe":
        pipe = (
            f"maild unix - n n - - pipe flags=Rq user=maild "
            f"argv={maild.binary} --config {maild.cfg} ingest -"
        )
        postfix.route(f"{SUPPORT} maild:", pipe)
    else:
        postfix.route(f"{SUPPORT} lmtp:inet:127.0.0.1:{maild.intake_port}")  # type: ignore[attr-defined]
    staff = "".join(
        f"{who}@acme.example smtp:[127.0.0.1]:{sink.port}\n" for who in ("dana", "maria")
    )
    transport = postfix.root / "etc" / "transport"
    transport.write_text(transport.read_text() + staff)
    _run("postmap", "-c", conf, str(transport))
    _answering(postfix)
    maild.start()
    if intake == "lmtp":
        wait_for_port(maild.intake_port, timeout=30)  # type: ignore[attr-defined]
    _send_as_kim(postfix)

    def told() -> list:
        return [
            r for r in sink.handler.to("dana@acme.example") if "did not get" in r.msg["Subject"]
        ]

    assert _wait(told, 90), postfix.log()
    log = postfix.log()
    assert "to=<kim@acme.example>, relay=local" in log and "status=bounced (unknown user" in log
    assert "from=<support+bounce-" in log  # maild's VERP envelope sender
    [mail] = told()
    assert mail.msg["Subject"] == (
        '[#1] Kim did not get the acknowledgement: unknown user: "kim"'
    ), mail.msg["Subject"]
    [ticket] = json.loads(maild.as_maild("ticket", "1", "--json"))
    [failed] = [e for e in ticket["timeline"] if e.get("kind") == "delivery_failed"]
    assert failed["detail"]["recipient"] == "kim@acme.example"
    assert failed["detail"]["status"] == "5.1.1"
    shown = json.loads(maild.as_maild("outbox", "--json"))
    [ack] = [o for o in shown if o["template"] == "customer/ack"]
    assert (
        ack["status"] == "failed"
        and "bounced: kim@acme.example: unknown user" in (ack["last_error"])
    )
    assert "bounced" in maild.as_maild("outbox")
    assert len(told()) == 1  # told once


GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def _send(server: Postfix, sender: str, subject: str, text: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, SUPPORT, subject
    msg["Date"] = "Mon, 23 Nov 2026 09:00:00 +0000"
    msg["Message-ID"] = f"<{subject.replace(' ', '-')}@example.net>"
    # a forger's own verdict, which SpamAssassin removes before writing its own
    msg["X-Spam-Flag"] = "NO"
    msg.set_content(text)
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
        client.send_message(msg)


def test_spamassassin_in_the_pipe_holds_gtube_as_spam(
    postfix: Postfix,  # noqa: F811 (the fixture)
    maild: Maild,  # noqa: F811 (the fixture)
    sink: SmtpSink,
) -> None:
    """The README's pipe with SpamAssassin in front: `spamassassin -L | maild ingest -`."""
    if shutil.which("spamassassin") is None:
        pytest.skip("no spamassassin (Debian: apt-get install spamassassin)")
    text = maild.cfg.read_text().replace(
        "[intake.smtp]",
        '[intake]\ntrusted_spam_headers = ["X-Spam-Flag", "X-Spam-Status"]\n[intake.smtp]',
    )
    maild.cfg.write_text(text)
    # Postfix's { } keep the shell's command one argument; SpamAssassin's own
    # warnings (no home for user preferences) stay out of the delivery status.
    command = f"/usr/bin/spamassassin -L -x 2>/dev/null | {maild.binary} --config {maild.cfg}"
    pipe = f"maild unix - n n - - pipe flags=Rq user=maild argv=/bin/sh -c {{ {command} ingest - }}"
    postfix.route(f"{SUPPORT} maild:", pipe)
    _answering(postfix)
    maild.start()
    _send(postfix, "Spammer <win@spam.example>", "You won", f"Claim now.\n{GTUBE}\n")
    _send(postfix, "Sam <sam@example.com>", "Kettle", "My kettle leaks.")
    assert _wait(lambda: "delivered via maild service (ticket #1" in postfix.log(), 90), (
        postfix.log()
    )
    assert _wait(lambda: "delivered via maild service (spam: spam #" in postfix.log(), 60), (
        postfix.log()
    )
    assert [t["subject"] for t in maild.tickets()] == ["Kettle"]
    [held] = json.loads(maild.as_maild("quarantine", "list", "--spam", "--json"))
    assert held["subject"] == "You won" and "x-spam-flag: YES" in held["error"]
    assert _wait(lambda: len(sink.handler.to("sam@example.com")) == 1)
    assert sink.handler.to("win@spam.example") == []  # no backscatter
    assert "released: ticket #2" in maild.as_maild("quarantine", "release", str(held["id"]))
    assert _wait(lambda: len(sink.handler.to("win@spam.example")) == 1)
