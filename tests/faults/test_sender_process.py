"""`maild run` sends from a process of its own: it delivers, it stops with the daemon
(SIGTERM, or the daemon killed), and a sender process killed on its own is said in
the log and started again, its leased mail sent once."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import mail
from tests.faults.conftest import Rig


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with open(task / "children") as f:
            found += [int(c) for c in f.read().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def children_running(pid: int, word: bytes) -> list[int]:
    """The processes `pid` started whose command line holds `word` (their program loaded)."""
    found = []
    for child in children(pid):
        try:
            if word in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except FileNotFoundError:
            continue
    return found


def senders(pid: int) -> list[int]:
    """The daemon's sender processes."""
    return children_running(pid, b"maild.sendproc")


def sender_pid(rig: Rig) -> int:
    assert rig.wait_until(lambda: len(senders(rig.maild.pid)) == 1, 30), rig.maild.logged()
    [pid] = senders(rig.maild.pid)
    return pid


@pytest.fixture(autouse=True)
def in_its_own_process(rig: Rig) -> None:
    """On SQLite "auto" keeps the sender in a thread: these tests ask for the process."""
    cfg = rig.maild.cfg
    cfg.write_text(cfg.read_text() + "[outgoing]\nprocess = true\n")


def test_the_sender_process_delivers_and_stops_with_sigterm(rig: Rig):
    rig.maild.start()
    child = sender_pid(rig)
    for n in range(20):
        rig.append(mail(subject=f"hello {n}", sender=f"c{n}@example.com", msgid=f"<h{n}@x>"))
    assert rig.wait_until(lambda: len(rig.sink.handler.received) >= 40, 60), rig.maild.logged()
    assert len(rig.acks_to("c19@example.com")) == 1
    rig.sink.handler.data_delay = 0.5  # a slow relay: the stop finds mail in hand
    for n in range(20, 60):
        rig.append(mail(subject=f"hello {n}", sender=f"c{n}@example.com", msgid=f"<h{n}@x>"))
    assert rig.wait_until(lambda: len(rig.sink.handler.received) >= 42, 60), rig.maild.logged()
    asked = time.monotonic()
    assert rig.maild.stop() == 0
    assert time.monotonic() - asked < 10
    assert not alive(child)
    outbox = rig.maild.json("outbox", "--limit", "1000")
    sent = [o for o in outbox if o["status"] == "sent"]
    assert len(sent) == len(rig.sink.handler.received)  # the mail in hand was recorded
    assert not [o for o in outbox if o["status"] == "queued" and o["attempts"]]


def test_a_killed_sender_process_is_reported_and_started_again(rig: Rig):
    rig.sink.handler.data_delay = 0.2
    rig.maild.start()
    first = sender_pid(rig)
    for n in range(30):
        rig.append(mail(subject=f"kill {n}", sender=f"k{n}@example.com", msgid=f"<k{n}@x>"))
    assert rig.wait_until(lambda: len(rig.sink.handler.received) >= 5, 60), rig.maild.logged()
    os.kill(first, signal.SIGKILL)  # in the middle of a batch, its rows leased
    assert rig.wait_until(
        lambda: f"sender process {first} exited (killed by SIGKILL)" in rig.maild.logged(), 10
    ), rig.maild.logged()
    assert rig.wait_until(lambda: senders(rig.maild.pid) not in ([], [first]), 10)
    assert rig.maild.alive()
    # The new process takes up at once what the killed one had leased (the same
    # instance's leases: no 15 s wait for a dead holder) and sends the rest. Each
    # mail once; those the killed one had sent but not yet recorded (its batch is
    # recorded in one transaction) go again with the same Message-ID.
    rig.sink.handler.data_delay = 0
    assert rig.wait_until(lambda: _unique(rig) >= 60, 10), rig.maild.logged()
    time.sleep(1)
    ids = [r.msg["Message-ID"] for r in rig.sink.handler.received]
    assert len(set(ids)) == 60
    assert len(ids) - len(set(ids)) <= 100  # at most one batch ([outgoing] batch_size)
    outbox = rig.maild.json("outbox", "--limit", "1000")
    assert {o["status"] for o in outbox} == {"sent"}
    status = json.loads(rig.maild.cli("status", "--json"))
    [instance] = status["instances"]
    said = instance["workers"]["outbox"]["error"]
    assert said == f"sender process {first} exited: killed by SIGKILL"


def _unique(rig: Rig) -> int:
    return len({r.msg["Message-ID"] for r in rig.sink.handler.received})


def test_the_sender_process_dies_with_the_daemon(rig: Rig):
    rig.maild.start()
    child = sender_pid(rig)
    rig.maild.kill()  # kill -9: no stop, no goodbye
    assert rig.wait_until(lambda: not alive(child), 10), "the sender process outlived the daemon"


def test_a_reload_starts_a_sender_process_with_the_new_settings(rig: Rig):
    rig.maild.start()
    first = sender_pid(rig)
    rig.maild.cfg.write_text(rig.maild.cfg.read_text().replace("[smtp]\n", "[smtp]\ntimeout = 7\n"))
    assert rig.maild.proc is not None
    rig.maild.proc.send_signal(signal.SIGHUP)
    assert rig.wait_until(lambda: senders(rig.maild.pid) not in ([], [first]), 20)
    assert not alive(first)
    rig.append(mail(subject="after reload", sender="r@example.com", msgid="<r1@x>"))
    assert rig.wait_until(lambda: rig.acks_to("r@example.com"), 30), rig.maild.logged()
    assert "exited" not in rig.maild.logged()  # a reload is no crash


def test_acknowledgements_leave_while_a_burst_is_still_being_taken(rig: Rig):
    """300 mails at once to a running daemon: the first batch is small and the sender
    process sends its acknowledgements while the rest is still in the mailbox
    (before, with SQLite's one writer, they waited for the whole drain)."""
    rig.maild.start()
    sender_pid(rig)
    rig.append(mail(subject="warm-up", sender="w@example.com", msgid="<w@x>"))
    assert rig.wait_until(lambda: len(rig.sink.handler.received) >= 2, 60), rig.maild.logged()
    client = rig.dovecot.client(rig.user)
    try:
        client.multiappend(
            "INBOX",
            [
                mail(subject=f"burst {n}", sender=f"q{n}@example.com", msgid=f"<q{n}@x>")
                for n in range(300)
            ],
        )
        waiting = 300
        while waiting and len(rig.sink.handler.received) <= 2:
            time.sleep(0.02)
            waiting = int(client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"])
        assert waiting > 0, "the first acknowledgement left only after the whole drain"
    finally:
        client.logout()
    # every mail's notice to the agent, and every customer's acknowledgement
    assert rig.wait_until(lambda: len(rig.sink.handler.to("dana@acme.example")) >= 301, 120)
    assert rig.wait_until(lambda: len(rig.sink.handler.received) >= 602, 60)
