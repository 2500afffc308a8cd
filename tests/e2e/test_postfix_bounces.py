"""A real Postfix bounces maild's acknowledgement to an unknown local user; its DSN
comes back through the README's pipe and LMTP setups and reaches the ticket.

Postfix accepts mail for any local name here (`local_recipient_maps =`), so the
unknown user is found at delivery, and bounce(8) writes the RFC 3464 report to
maild's VERP envelope sender, `support+bounce-<mac>@acme.example`: with the
README's `recipient_delimiter = +` the transport map's entry for the support
address takes it to maild. The agents' mail goes on to the test's sink."""

from __future__ import annotations

import json
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
    _run("postconf", "-c", conf, "-e", "local_recipient_maps =", "recipient_delimiter = +")
    if intake == "pipe":
        pipe = (
            f"maild unix - n n - - pipe flags=Rq user=maild "
            f"argv={maild.binary} --config {maild.cfg} ingest -"
        )
        postfix.route("maild:", pipe)
    else:
        postfix.route(f"lmtp:inet:127.0.0.1:{maild.intake_port}")  # type: ignore[attr-defined]
    staff = "".join(
        f"{who}@acme.example smtp:[127.0.0.1]:{sink.port}\n" for who in ("dana", "maria")
    )
    transport = postfix.root / "etc" / "transport"
    transport.write_text(transport.read_text() + staff)
    _run("postmap", "-c", conf, str(transport))
    # The fixture's first smtpd (the port probe, under the default local_recipient_maps)
    # may exit late and throttle smtpd for a minute: a reload after it clears that.
    time.sleep(2)
    _run("postfix", "-c", conf, "reload")
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
