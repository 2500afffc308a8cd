"""`maild run` parses each batch ahead in a process of its own (adapters.parsepool): the
process dies with the daemon (kill -9 included), and nothing the daemon was taking in is
lost or taken twice."""

from __future__ import annotations

import time

import pytest

from tests.conftest import mail
from tests.faults.conftest import Rig
from tests.faults.test_sender_process import alive, children_running


def parsers(pid: int) -> list[int]:
    """The daemon's spawned helper processes (the parser and multiprocessing's tracker)."""
    return children_running(pid, b"multiprocessing")


@pytest.fixture(autouse=True)
def parsing_ahead(rig: Rig) -> None:
    """ "auto" parses ahead only with a second core: these tests ask for it."""
    cfg = rig.maild.cfg
    cfg.write_text(cfg.read_text() + "[intake]\nparse_process = true\n")


def test_the_parsing_process_dies_with_a_killed_daemon_and_no_mail_is_lost(rig: Rig):
    client = rig.dovecot.client(rig.user)
    for n in range(150):
        client.append(
            "INBOX", mail(subject=f"p {n}", sender=f"p{n}@example.com", msgid=f"<p{n}@x>")
        )
    client.logout()
    rig.maild.start()
    assert rig.wait_until(lambda: parsers(rig.maild.pid), 30), rig.maild.logged()
    helpers = parsers(rig.maild.pid)
    assert rig.wait_until(lambda: len(rig.sink.handler.received) >= 20, 60), rig.maild.logged()
    rig.maild.kill()  # in the middle of the backlog
    deadline = time.monotonic() + 10
    while any(alive(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in helpers if alive(p)], "a helper outlived the killed daemon"
    rig.maild.start()
    acks = lambda: {r.rcpt_tos[0] for r in rig.sink.handler.received}  # noqa: E731
    wanted = {f"p{n}@example.com" for n in range(150)}
    assert rig.wait_until(lambda: wanted <= acks(), 60), rig.maild.logged()
    tickets = rig.maild.json("tickets", "--limit", "1000")
    assert sorted(t["subject"] for t in tickets) == sorted(f"p {n}" for n in range(150))
    assert rig.maild.stop() == 0
