"""End to end: mails APPENDed to a real Dovecot, `maild run --once`, an aiosmtpd sink."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from maild import config
from maild.adapters import clock as clocks
from maild.adapters.imap import ImapMailbox
from maild.bootstrap import build, prepare
from maild.cli import main
from maild.daemon import Daemon, open_mailbox
from maild.services.outbox import LEASE
from tests.conftest import mail

pytestmark = pytest.mark.dovecot

POISON = (
    b"From: broken (no address)\r\nTo: support@acme.example\r\nSubject: poison\r\n"
    b"Message-ID: <poison@example.com>\r\nContent-Type: text/plain\r\n"
    b"\r\nbody\r\n"
)
BOUNCE = (
    b"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
    b"To: support@acme.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
    b"Message-ID: <bounce@mx.example.com>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--b\r\n"
    b"Content-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
)
LATIN1 = (
    b"From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <juergen@example.de>\r\n"
    b"To: support@acme.example\r\nSubject: =?ISO-8859-1?Q?Rechnung_f=FCr_M=E4rz?=\r\n"
    b"Message-ID: <latin1@example.de>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n"
    b"\r\nDie Rechnung f\xfcr M\xe4rz fehlt.\r\n"
)


@contextmanager
def running(cfg: Path) -> Iterator[Daemon]:
    """`maild run` in a thread of this process, stopped like SIGTERM stops it."""
    settings, _ = config.load(str(cfg))
    prepare(settings)
    daemon = Daemon(build(settings), str(cfg))
    thread = threading.Thread(target=daemon.serve, daemon=True)
    thread.start()
    try:
        yield daemon
    finally:
        daemon.stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


def cli(cfg: Path, *args: str, input: bytes | None = None, clock=None):
    """`maild --config CFG ARGS` in-process, on the test's clock when given (else the
    suite's, a year ahead)."""
    env = clocks.env_for(clock) if clock else None
    return CliRunner().invoke(main, ["--config", str(cfg), *args], input=input, env=env)


def tickets(cfg: Path) -> list[dict]:
    result = cli(cfg, "tickets", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def customer_mails() -> list[bytes]:
    return [
        mail(subject="Plain question", sender="Ann <ann@example.com>", msgid="<plain@x>"),
        mail(
            subject="HTML only",
            sender="Ben <ben@example.com>",
            text=None,
            html="<p>My <b>invoice</b> is wrong:</p><table><tr><td>total</td><td>42</td>"
            "</tr></table>",
            msgid="<html@x>",
        ),
        mail(
            subject="Screenshot attached",
            sender="Cat <cat@example.com>",
            msgid="<att@x>",
            attachments=(("screen.png", "image/png", b"\x89PNG" + b"0" * 2000),),
        ),
        LATIN1,
        mail(
            subject="Ça ne marche pas — 注文 #12", sender="Zoé <zoe@example.fr>", msgid="<utf8@x>"
        ),
    ]


def test_run_once_end_to_end_and_twice_changes_nothing(setup):
    cfg, dovecot, user, sink = setup
    for raw in [
        *customer_mails(),
        mail(subject="Out of office", sender="ann@example.com", Auto_Submitted="auto-replied"),
        BOUNCE,
        POISON,
    ]:
        dovecot.append(user, raw)

    result = cli(cfg, "run", "--once")
    assert result.exit_code == 0, result.output

    found = {t["subject"]: t for t in tickets(cfg)}
    assert set(found) == {
        "Plain question",
        "HTML only",
        "Screenshot attached",
        "Rechnung für März",
        "Ça ne marche pas — 注文 #12",
    }
    assert found["Rechnung für März"]["customer"] == "juergen@example.de"
    received = sink.handler.wait_for(10)
    assert len(received) == 10  # 5 acknowledgements + 5 notifications to Dana
    [ack] = sink.handler.to("zoe@example.fr")
    assert (
        ack.msg["Subject"] == f"[#{found['Ça ne marche pas — 注文 #12']['id']}] "
        "Ça ne marche pas — 注文 #12"
    )
    assert ack.msg["In-Reply-To"] == "<utf8@x>" and ack.msg["Auto-Submitted"] == "auto-replied"
    assert ack.msg["Reply-To"].addresses[0].addr_spec.startswith("support+t")
    html_note = next(
        r for r in sink.handler.to("dana@acme.example") if "HTML only" in str(r.msg["Subject"])
    )
    assert "invoice" in html_note.text() and "42" in html_note.text()
    assert not sink.handler.to("ann@example.com")[1:]  # the out-of-office got nothing
    assert not sink.handler.to("MAILER-DAEMON@mx.example.com")

    assert dovecot.messages(user, "INBOX") == []
    assert len(dovecot.messages(user, "Processed")) == 7
    assert dovecot.messages(user, "Quarantine") == [POISON]
    quarantined = json.loads(cli(cfg, "quarantine", "list", "--json").output)
    assert len(quarantined) == 1 and "no usable sender" in quarantined[0]["error"]

    # The attachment and its metadata are on the ticket.
    shown = json.loads(
        cli(cfg, "ticket", str(found["Screenshot attached"]["id"]), "--json").output
    )[0]
    assert [e["kind"] for e in shown["timeline"] if e["type"] == "event"] == ["opened"]

    # Second run: nothing waiting, nothing changes.
    before = (tickets(cfg), cli(cfg, "outbox", "--json").output)
    assert cli(cfg, "run", "--once").exit_code == 0
    assert (tickets(cfg), cli(cfg, "outbox", "--json").output) == before
    assert len(sink.handler.received) == 10


def test_a_reply_to_the_acknowledgement_joins_its_ticket(setup):
    cfg, dovecot, user, sink = setup
    dovecot.append(user, mail(subject="Kettle", sender="Sam <sam@example.com>"))
    assert cli(cfg, "run", "--once").exit_code == 0
    [ack] = sink.handler.to("sam@example.com")
    dovecot.append(
        user,
        mail(
            subject=f"Re: {ack.msg['Subject']}",
            sender="Sam <sam@example.com>",
            to=str(ack.msg["Reply-To"]),
            In_Reply_To=ack.msg["Message-ID"],
            References=ack.msg["Message-ID"],
            text="Any news?",
        ),
    )
    assert cli(cfg, "run", "--once").exit_code == 0
    [ticket] = tickets(cfg)
    shown = json.loads(cli(cfg, "ticket", str(ticket["id"]), "--json").output)[0]
    texts = [e["text"] for e in shown["timeline"] if e["type"] == "message"]
    assert texts == ["Hello, my order did not arrive.", "Any news?"]
    assert len(sink.handler.to("sam@example.com")) == 1  # one acknowledgement only
    assert len(sink.handler.wait_for(3)) == 3  # and Dana heard of both mails


def test_uid_lists_longer_than_the_servers_line_limit_are_asked_in_parts(setup):
    """A waiting inbox of ~11,000 mails or more, listed one UID at a time, passes
    Dovecot's 64 kB command line: the inbox was refused on every try, forever."""
    cfg, dovecot, user, _sink = setup
    for raw in customer_mails()[:3]:
        dovecot.append(user, raw)
    box = config.load(str(cfg))[0].mailboxes[0]
    with open_mailbox(box, 0) as mailbox:
        uids = mailbox.pending()
        assert len(uids) == 3
        # UIDs that no mail has (yet) are answered with nothing, as a UID FETCH does
        sparse = sorted(set(range(uids[-1] + 2, uids[-1] + 40_000, 2)) | set(uids))
        assert sorted(mailbox.sizes(sparse)) == uids
        assert sorted(mailbox.sizes(list(range(1, 30_000)))) == uids


def test_a_crash_between_commit_and_move_loses_and_doubles_nothing(setup, monkeypatch):
    cfg, dovecot, user, _sink = setup
    for raw in customer_mails():
        dovecot.append(user, raw)
    real_move = ImapMailbox.move

    def crash(self, uids, folder):
        raise OSError("connection reset (simulated crash after commit)")

    monkeypatch.setattr(ImapMailbox, "move", crash)
    assert cli(cfg, "run", "--once").exit_code == 75
    assert len(tickets(cfg)) == 5  # committed
    assert len(dovecot.messages(user, "INBOX")) == 5  # but not moved

    monkeypatch.setattr(ImapMailbox, "move", real_move)
    assert cli(cfg, "run", "--once").exit_code == 0
    assert len(tickets(cfg)) == 5
    assert dovecot.messages(user, "INBOX") == []
    assert len(dovecot.messages(user, "Processed")) == 5
    outbox = json.loads(cli(cfg, "outbox", "--json").output)
    assert len(outbox) == 10 and {o["status"] for o in outbox} == {"sent"}


def test_killing_the_daemon_mid_batch_loses_nothing(setup):
    cfg, dovecot, user, sink = setup
    count = 60
    for n in range(count):
        dovecot.append(
            user, mail(subject=f"question {n}", sender=f"c{n}@example.com", msgid=f"<kill-{n}@x>")
        )
    env = {**os.environ, "TEST_IMAP_PASSWORD": dovecot.password}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "maild", "--config", str(cfg), "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        sink.handler.wait_for(1, timeout=30)
    finally:
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()
    assert cli(cfg, "run", "--once").exit_code == 0
    found = tickets(cfg)
    assert sorted(t["subject"] for t in found) == sorted(f"question {n}" for n in range(count))
    assert dovecot.messages(user, "INBOX") == []
    assert len(dovecot.messages(user, "Processed")) == count
    outbox = json.loads(cli(cfg, "outbox", "--json", "--limit", "1000").output)
    assert len(outbox) == 2 * count and "failed" not in {o["status"] for o in outbox}
    # Rows the killed sender had leased wait out the lease; move past it and send.
    settings, _ = config.load(str(cfg))
    suite = clocks.from_env()  # the daemon's and the CLI's clock
    later = build(settings, clock=lambda: suite() + LEASE + timedelta(seconds=1))
    later.sender.drain()
    later.db.engine.dispose()
    ids = {r.msg["Message-ID"] for r in sink.handler.received}
    assert ids == {o["message_id"] for o in outbox}  # all arrived; a resend is the same mail


def test_the_daemon_picks_up_mail_with_idle_and_survives_a_bad_reload(setup, tmp_path):
    cfg, dovecot, user, sink = setup
    with running(cfg) as daemon:
        time.sleep(1.0)  # let it connect and enter IDLE
        dovecot.append(user, mail(subject="idle one", sender="i1@example.com"))
        assert len(sink.handler.wait_for(2, timeout=10)) == 2
        cfg.write_text(cfg.read_text() + "\n[bogus]\n")
        daemon.reload.set()
        time.sleep(1.5)
        dovecot.append(user, mail(subject="idle two", sender="i2@example.com"))
        assert len(sink.handler.wait_for(4, timeout=10)) == 4  # still running, old settings


def test_the_daemon_reconnects_after_the_server_drops_it(setup):
    cfg, dovecot, user, sink = setup
    with running(cfg):
        dovecot.append(user, mail(subject="before", sender="r1@example.com"))
        assert len(sink.handler.wait_for(2, timeout=10)) == 2
        dovecot.restart()  # every connection dropped
        dovecot.append(user, mail(subject="after", sender="r2@example.com"))
        assert len(sink.handler.wait_for(4, timeout=30)) == 4
    assert sorted(t["subject"] for t in tickets(cfg)) == ["after", "before"]
    assert dovecot.messages(user, "INBOX") == []
