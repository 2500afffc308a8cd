"""SMTP relays that answer 4xx, 5xx, nothing at all, or go away: the daemon keeps taking
mail at its usual speed, says why in the log, and records a failure on the ticket."""

from __future__ import annotations

import time

from aiosmtpd.controller import Controller

from tests.conftest import mail
from tests.faults.conftest import Rig


def _ticket_count(rig: Rig) -> int:
    return len(rig.maild.json("tickets", "--limit", "10000"))


def _taken(rig: Rig, n: int, timeout: float = 10) -> float:
    sent = rig.append(mail(subject=f"relay {n}", sender=f"r{n}@example.com"))
    assert rig.wait_until(lambda: _ticket_count(rig) >= n, timeout, step=0.2), rig.maild.logged()
    return time.monotonic() - sent


def test_a_relay_that_refuses_stalls_or_vanishes_never_holds_up_intake(rig: Rig):
    cfg = rig.maild.cfg
    cfg.write_text(cfg.read_text().replace("[smtp]\n", "[smtp]\ntimeout = 2\n"))
    handler = rig.sink.handler
    rig.maild.start()
    # Started (two processes importing maild on a loaded machine can take seconds):
    # what is timed below is the intake beside a failing relay.
    assert rig.wait_until(lambda: "maild running" in rig.maild.logged(), 30), rig.maild.logged()

    handler.data_reply = "451 4.7.1 greylisted"
    assert _taken(rig, 1) < 5
    assert rig.wait_until(lambda: "451 4.7.1 greylisted" in rig.maild.logged(), 10)

    handler.data_reply, handler.data_delay = None, 30  # accepts DATA, then says nothing
    assert _taken(rig, 2) < 5
    assert rig.wait_until(lambda: "timed out" in rig.maild.logged(), 20), rig.maild.logged()

    handler.data_delay = 0
    rig.sink.controller.stop()  # the relay goes away: connection refused
    assert _taken(rig, 3) < 5

    back = Controller(handler, hostname="127.0.0.1", port=rig.sink.port)
    back.start()  # and comes back (the fixture stops it)
    rig.sink.controller = back
    assert rig.maild.alive()
    log = rig.maild.logged()
    assert "WARNING" in log and "deferred" in log
    queued = rig.maild.json("outbox", "--status", "queued")
    assert {o["template"] for o in queued} >= {"customer/ack", "agent/new"}
    # Each tried mail says why it waits; while the relay is away the rest of the
    # queue is left alone (one try per cycle), untried and unchanged.
    assert any(o["last_error"] for o in queued)
    assert all(o["last_error"] or o["attempts"] == 0 for o in queued)


def test_a_5xx_fails_the_mail_and_its_ticket_says_so(rig: Rig):
    rig.sink.handler.data_reply = "554 5.7.1 rejected by policy"
    rig.maild.start()
    _taken(rig, 1)
    assert rig.wait_until(lambda: "554 5.7.1" in rig.maild.logged(), 10), rig.maild.logged()
    [ticket] = rig.maild.json("ticket", "1")
    failed = [e for e in ticket["timeline"] if e.get("kind") == "delivery_failed"]
    assert failed and "554 5.7.1 rejected by policy" in str(failed[0])


def test_a_stop_is_prompt_whatever_waits_in_the_outbox(rig: Rig):
    """SIGTERM with hundreds of mails queued and a relay taking half a second a
    mail: the sender finishes the mail in hand and leaves the rest queued, and the
    process exits well within systemd's stop timeout."""
    for n in range(100):  # 200 mails to send: an ack and the agent's notice each
        rig.append(mail(subject=f"stop {n}", sender=f"s{n}@example.com", msgid=f"<s{n}@x>"))
    rig.sink.handler.data_delay = 0.5
    rig.maild.start()
    assert rig.wait_until(lambda: len(rig.sink.handler.received) >= 3, 60), rig.maild.logged()
    asked = time.monotonic()
    assert rig.maild.stop() == 0
    took = time.monotonic() - asked
    assert took < 10, f"stopping took {took:.1f} s"
    outbox = rig.maild.json("outbox", "--limit", "1000")
    sent = [o for o in outbox if o["status"] == "sent"]
    waiting = [o for o in outbox if o["status"] == "queued"]
    assert len(outbox) == 200 and len(waiting) > 150, len(waiting)
    assert len(sent) == len(rig.sink.handler.received)  # the mail in hand was recorded
    # Started again, it sends the rest at once (nothing leased away), each mail once.
    rig.sink.handler.data_delay = 0
    rig.maild.start()
    assert rig.wait_until(lambda: len(rig.sink.handler.received) >= 200, 60), rig.maild.logged()
    time.sleep(1)
    ids = [r.msg["Message-ID"] for r in rig.sink.handler.received]
    assert len(ids) == len(set(ids)) == 200
