"""The daemon's parsing process (adapters.parsepool): a batch parsed ahead in a second
process is taken as one parsed in line; a mail that cannot be read is quarantined with
the worker's traceback; a worker killed meanwhile costs its speed, never a mail."""

from __future__ import annotations

import contextlib
import logging
import signal
import time

import psutil
import pytest

from maild.adapters.db.models import Quarantine, Ticket
from maild.adapters.parsepool import ParsePool
from maild.core.intake import RawMail
from tests.conftest import mail
from tests.integration.helpers import rows

POISON = b"From: undisclosed-sender:;\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\nbody\r\n"


def customers(first: int, count: int) -> list[RawMail]:
    return [
        RawMail(mail(subject=f"order {n}", sender=f"c{n}@example.com", msgid=f"<p{n}@x>"))
        for n in range(first, first + count)
    ]


@pytest.fixture
def pool(app):
    pool = ParsePool(app.settings.intake.reading())
    app.ingest.parse_ahead = pool
    yield pool
    pool.stop()
    gone(workers())  # before the next test looks for its own


def gone(processes: list[psutil.Process]) -> None:
    """Wait until these processes have ended, without reaping them: the pool reaps its
    own worker (taken from it by a wait here, the pool would count it alive for ever
    and spin at the interpreter's exit)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if all(p.status() == psutil.STATUS_ZOMBIE for p in processes):
                return
        except psutil.NoSuchProcess:
            processes = [p for p in processes if p.is_running()]
            continue
        time.sleep(0.02)
    raise AssertionError(f"still running: {processes}")


def workers() -> list[psutil.Process]:
    """The test's spawned parsing workers (not its Dovecot, daemons or the tracker)."""
    found = []
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.NoSuchProcess):
            cmdline = " ".join(child.cmdline())
            if "spawn_main" in cmdline and "resource_tracker" not in cmdline:
                found.append(child)
    return found


def worker() -> psutil.Process:
    """The pool's worker: the child spawned to run concurrent.futures' worker loop."""
    found = workers()
    assert len(found) == 1, [p.cmdline() for p in found]
    return found[0]


def test_a_batch_parsed_ahead_is_taken_as_one_parsed_in_line(app, pool):
    batch = [*customers(0, 3), RawMail(POISON), *customers(3, 3)]
    outcomes = app.ingest(batch)
    assert [o.verdict for o in outcomes] == ["ticket"] * 3 + ["quarantined"] + ["ticket"] * 3
    assert sorted(t.subject for t in rows(app, Ticket)) == [f"order {n}" for n in range(6)]
    [q] = rows(app, Quarantine)
    assert q.raw == POISON and "no usable sender" in q.error
    # parsed in the worker: its own traceback is the cause of the one in the quarantine
    assert "_process_worker" in q.traceback and "Unreadable" in q.traceback


def test_a_lone_mail_is_parsed_in_line(app, pool):
    assert [o.verdict for o in app.ingest(customers(0, 1))] == ["ticket"]
    assert pool._pool is None  # no process started for it


def test_a_killed_worker_costs_no_mail_and_is_replaced(app, pool, caplog):
    pool.start()
    first = worker()
    first.send_signal(signal.SIGKILL)
    gone([first])
    with caplog.at_level(logging.WARNING):
        outcomes = app.ingest(customers(0, 6))
    assert [o.verdict for o in outcomes] == ["ticket"] * 6
    assert "the parsing process stopped" in caplog.text
    assert [o.verdict for o in app.ingest(customers(6, 6))] == ["ticket"] * 6
    assert worker().pid != first.pid  # the next batch had a new one
    assert len(rows(app, Ticket)) == 12
