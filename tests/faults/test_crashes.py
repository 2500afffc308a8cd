"""kill -9 of `maild run` at random points during ingest and delivery, again and again."""

from __future__ import annotations

import time
from collections import Counter

from tests.conftest import mail
from tests.faults.conftest import Rig, figure, scale

AGENT = "dana@acme.example"


def test_kill_9_during_ingest_and_delivery_loses_and_doubles_nothing(rig: Rig, rng):
    count, kills = scale(80, 300), scale(6, 30)
    client = rig.dovecot.client(rig.user)
    for n in range(count):
        address = f"k{n}@example.com"
        client.append("INBOX", mail(subject=f"crash {n}", sender=address, msgid=f"<k{n}@x>"))
    client.logout()
    expected = 2 * count  # an acknowledgement and the agent's notification per mail
    rig.maild.start()
    for _ in range(kills):
        time.sleep(rng.uniform(0.3, 2.5))
        rig.maild.kill()
        rig.maild.start()
    restarted = time.monotonic()
    assert rig.wait_until(lambda: len(_distinct(rig)) >= expected, 60), rig.maild.logged()
    settled = time.monotonic() - restarted
    time.sleep(1.0)  # anything doubled would arrive now
    received = rig.sink.handler.received
    distinct = _distinct(rig)
    resent = len(received) - len(distinct)
    figure(
        f"kill -9 x{kills} during ingest and delivery of {count} mails: "
        f"{len(distinct)} of {expected} distinct mails delivered, 0 lost, "
        f"{resent} resent with the same Message-ID; the last restart delivered "
        f"everything within {settled:.1f} s"
    )
    assert len(distinct) == expected
    assert settled <= 30
    acks = Counter(r.rcpt_tos[0] for r in distinct.values() if r.rcpt_tos[0] != AGENT)
    assert acks == Counter({f"k{n}@example.com": 1 for n in range(count)})
    tickets = rig.maild.json("tickets", "--limit", "10000")
    assert sorted(t["subject"] for t in tickets) == sorted(f"crash {n}" for n in range(count))
    assert rig.dovecot.messages(rig.user, "INBOX") == []
    assert len(rig.dovecot.messages(rig.user, "Processed")) == count


def test_mail_a_killed_sender_had_in_hand_goes_out_within_seconds_of_the_restart(rig: Rig):
    rig.sink.handler.data_delay = 20  # a slow relay: the sender holds its batch under lease
    client = rig.dovecot.client(rig.user)
    for n in range(20):
        client.append("INBOX", mail(subject=f"held {n}", sender=f"h{n}@example.com"))
    client.logout()
    rig.maild.start()
    assert rig.sink.handler.data_started.wait(60), rig.maild.logged()
    time.sleep(1.0)  # every row is taken and leased by now
    rig.maild.kill()  # in the middle of the SMTP conversation
    rig.sink.handler.data_delay = 0
    rig.maild.start()
    restarted = time.monotonic()
    assert rig.wait_until(lambda: len(_distinct(rig)) >= 40, 60), rig.maild.logged()
    took = time.monotonic() - restarted
    figure(f"mail leased by a killed sender: all 40 delivered {took:.1f} s after the restart")
    assert took <= 30


def _distinct(rig: Rig) -> dict[str, object]:
    return {str(r.msg["Message-ID"]): r for r in list(rig.sink.handler.received)}
