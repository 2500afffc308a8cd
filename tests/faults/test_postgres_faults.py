"""PostgreSQL cut mid-batch; two daemons on one database; a standby taking over a mailbox
whose reader was killed."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from tests.conftest import mail
from tests.faults.conftest import RIG_SETTINGS, Maild, Rig, figure, scale
from tests.peers import Proxy, maild_config

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_rig(tmp_path: Path, dovecot, imap_user, sink, pg_url):
    proxy = Proxy(dovecot.port)
    extra = f'{RIG_SETTINGS}[database]\nurl = "{pg_url}"'
    cfg = maild_config(
        tmp_path / "maild.toml", dovecot, imap_user, sink.port, extra=extra, imap_port=proxy.port
    )
    rig = Rig(dovecot, proxy, sink, imap_user, Maild(cfg, tmp_path / "a.log"))
    rig.pg_url = pg_url  # type: ignore[attr-defined]
    yield rig
    rig.maild.kill()
    proxy.close()


def _append_many(rig: Rig, tag: str, count: int) -> None:
    client = rig.dovecot.client(rig.user)
    for n in range(count):
        client.append("INBOX", mail(subject=f"{tag} {n}", sender=f"{tag}{n}@example.com"))
    client.logout()


def _exactly_once(rig: Rig, tag: str, count: int) -> int:
    tickets = rig.maild.json("tickets", "--limit", "10000")
    subjects = Counter(t["subject"] for t in tickets if t["subject"].startswith(tag))
    assert subjects == Counter({f"{tag} {n}": 1 for n in range(count)})
    # One acknowledgement each: a resend of the same mail (the same Message-ID, after a
    # crash between sending and recording) is counted apart and reported.
    distinct = {str(r.msg["Message-ID"]): r for r in rig.sink.handler.received}
    acks = Counter(r.rcpt_tos[0] for r in distinct.values())
    assert all(acks[f"{tag}{n}@example.com"] == 1 for n in range(count))
    return len(rig.sink.handler.received) - len(distinct)


def test_postgresql_cut_mid_batch_loses_and_doubles_nothing(pg_rig: Rig):
    count = scale(100, 400)
    _append_many(pg_rig, "pgcut", count)
    pg_rig.maild.start()
    assert pg_rig.wait_until(lambda: len(pg_rig.sink.handler.received) >= 4, 60)
    name = pg_rig.pg_url.rsplit("/", 1)[1]  # type: ignore[attr-defined]
    admin = pg_rig.pg_url.replace("+psycopg", "").rsplit("/", 1)[0] + "/postgres"  # type: ignore[attr-defined]
    for _ in range(2):  # every connection maild has, cut twice in the middle of the work
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        time.sleep(0.5)
    assert pg_rig.wait_until(lambda: len(pg_rig.sink.handler.received) >= 2 * count, 90), (
        pg_rig.maild.logged()[-3000:]
    )
    time.sleep(1.0)
    assert pg_rig.maild.alive()
    resent = _exactly_once(pg_rig, "pgcut", count)
    figure(f"PostgreSQL cut twice mid-batch, {count} mails: 0 lost, 0 doubled, {resent} resent")
    assert pg_rig.dovecot.messages(pg_rig.user, "INBOX") == []


def test_two_daemons_share_one_database_and_a_standby_takes_over_within_10_s(
    pg_rig: Rig, tmp_path: Path
):
    first = pg_rig.maild.start()
    assert pg_rig.wait_until(lambda: "connected to" in first.logged(), 30), first.logged()
    second = Maild(first.cfg, tmp_path / "b.log").start()
    try:
        count = scale(40, 200)
        _append_many(pg_rig, "two", count)
        assert pg_rig.wait_until(lambda: len(pg_rig.sink.handler.received) >= 2 * count, 60)
        time.sleep(1.0)
        _exactly_once(pg_rig, "two", count)
        assert "connected to" not in second.logged()  # standing by
        first.kill()  # the reader dies; its advisory lock goes with its connection
        killed = time.monotonic()
        sent = pg_rig.append(mail(subject="after the kill", sender="after@example.com"))
        assert pg_rig.wait_until(lambda: pg_rig.acks_to("after@example.com"), 30), second.logged()
        took = pg_rig.acks_to("after@example.com")[0] - killed
        figure(
            f"standby takeover of a mailbox after kill -9 of its reader: the next mail "
            f"acknowledged {took:.1f} s after the kill ({took - (sent - killed):.1f} s "
            "after its APPEND)"
        )
        assert took <= 10
    finally:
        second.kill()
