"""IMAP connections cut under IDLE and mid-batch; mail in bursts while the daemon idles."""

from __future__ import annotations

import threading
import time

from tests.conftest import mail
from tests.faults.conftest import Rig, describe, figure, percentile, scale


def customer(n: int, tag: str = "c") -> tuple[str, bytes]:
    address = f"{tag}{n}@example.com"
    return address, mail(subject=f"{tag} question {n}", sender=address, msgid=f"<{tag}{n}@x>")


def warm_up(rig: Rig) -> None:
    """The daemon is connected and idling once a first mail came through."""
    address, raw = customer(0, "warm")
    rig.maild.start()
    rig.append(raw)
    assert rig.wait_until(lambda: rig.acks_to(address), 60), rig.maild.logged()
    time.sleep(1.0)  # back in IDLE


def test_a_connection_cut_under_idle_is_noticed_within_seconds(rig: Rig):
    warm_up(rig)
    waits = []
    for n in range(3):  # three cuts in a row: the backoff starts again after each success
        before = rig.proxy.connections
        rig.proxy.cut()  # no BYE, no RST from the server: just EOF
        time.sleep(0.5)
        cpu_before, _ = rig.maild.usage()
        address, raw = customer(n, "cut")
        sent = rig.append(raw)
        assert rig.wait_until(lambda a=address: rig.acks_to(a), 5), rig.maild.logged()
        waits.append(rig.acks_to(address)[0] - sent)
        cpu_after, _ = rig.maild.usage()
        assert rig.proxy.connections > before  # it reconnected
        assert cpu_after - cpu_before < 2.0  # no spinning on a dead socket
        time.sleep(1.0)
    assert "reconnecting in" in rig.maild.logged()
    figure(f"IMAP connection cut under IDLE, x3: next mail acknowledged in {describe(waits)}")


def test_a_connection_cut_mid_batch_loses_and_doubles_nothing(rig: Rig):
    count = scale(120, 400)
    client = rig.dovecot.client(rig.user)
    for n in range(count):
        client.append("INBOX", customer(n, "batch")[1])
    client.logout()
    rig.maild.start()
    assert rig.wait_until(lambda: len(rig.sink.handler.received) >= 5, 60)
    rig.proxy.cut()  # in the middle of taking the backlog
    assert rig.wait_until(lambda: len(rig.sink.handler.received) >= 2 * count, 90)
    time.sleep(1.0)  # anything doubled would arrive now
    tickets = rig.maild.json("tickets", "--limit", "10000")
    assert sorted(t["subject"] for t in tickets) == sorted(
        f"batch question {n}" for n in range(count)
    )
    for n in range(count):
        assert len(rig.acks_to(f"batch{n}@example.com")) == 1
    assert rig.dovecot.messages(rig.user, "INBOX") == []


def test_mail_in_bursts_is_never_left_waiting_for_the_next_mail(rig: Rig, rng):
    warm_up(rig)
    count = scale(60, 200)
    sent: dict[str, float] = {}
    client = rig.dovecot.client(rig.user)

    def appender() -> None:
        for n in range(count):
            time.sleep(rng.uniform(0, 0.3))
            address, raw = customer(n, "burst")
            client.append("INBOX", raw)
            sent[address] = time.monotonic()

    thread = threading.Thread(target=appender)
    thread.start()
    thread.join()
    client.logout()
    assert rig.wait_until(lambda: all(rig.acks_to(a) for a in sent), 15), rig.maild.logged()
    latencies = [rig.acks_to(a)[0] - t for a, t in sent.items()]
    figure(f"{count} mails at random 0-300 ms intervals, APPEND -> ack: {describe(latencies)}")
    assert max(latencies) <= 5.0
    assert percentile(latencies, 0.99) <= 2.0


def test_a_mail_arriving_during_a_drain_is_taken_in_that_drain(rig: Rig):
    # Small batches: the drain of the backlog spans many commits and moves.
    text = rig.maild.cfg.read_text()
    rig.maild.cfg.write_text(text.replace("username =", "batch_size = 10\nusername =", 1))
    warm_up(rig)
    client = rig.dovecot.client(rig.user)
    backlog = scale(150, 400)
    for n in range(backlog):  # one APPEND wakes the IDLE; the rest arrive under the drain
        client.append("INBOX", customer(n, "drain")[1])
    assert rig.wait_until(lambda: rig.acks_to("drain0@example.com"), 30)
    address, raw = customer(0, "late")
    client.append("INBOX", raw)  # after the drain's SEARCH, before its next IDLE
    sent = time.monotonic()
    client.logout()
    assert rig.wait_until(lambda: rig.acks_to(address), 30), rig.maild.logged()
    # Taken right after the backlog it arrived under, never left for the next mail.
    backlog_done = max(rig.acks_to(f"drain{n}@example.com")[0] for n in range(backlog))
    late = rig.acks_to(address)[0]
    figure(
        f"a mail arriving during a drain of {backlog}: acknowledged {late - sent:.1f} s after "
        f"its APPEND, {late - backlog_done:+.2f} s after the backlog's last"
    )
    assert late - backlog_done <= 2.0
