"""Several instances on PostgreSQL: one at a time reads a mailbox (an advisory lock)."""

from __future__ import annotations

import pytest

from maild import config
from maild.adapters.db.engine import mailbox_lock
from maild.bootstrap import build, prepare
from maild.daemon import run_once
from tests.conftest import mail
from tests.peers import maild_config

pytestmark = pytest.mark.dovecot


def subjects(app) -> list[str]:
    with app.db.transaction() as store:
        return [t.subject for t in store.tickets()]


def test_one_instance_at_a_time_reads_a_mailbox(tmp_path, dovecot, imap_user, pg_url):
    cfg = maild_config(
        tmp_path / "maild.toml", dovecot, imap_user, extra=f'[database]\nurl = "{pg_url}"\n'
    )
    settings = config.load(str(cfg))[0]
    prepare(settings)
    first, second = build(settings), build(settings)
    key = settings.mailboxes[0].key
    dovecot.append(imap_user, mail(subject="Waiting"))
    with mailbox_lock(first.db.engine, key) as mine:
        assert mine
        with mailbox_lock(second.db.engine, key) as theirs:
            assert not theirs  # the lock is taken: the second instance stands by
        assert run_once(second) == 0  # skips the mailbox the first one reads
        assert subjects(second) == []
        assert len(dovecot.messages(imap_user, "INBOX")) == 1
    assert run_once(second) == 0  # released: now it reads
    assert subjects(second) == ["Waiting"]
    for app in (first, second):
        app.db.engine.dispose()


def test_sqlite_needs_no_lock(app):
    with mailbox_lock(app.db.engine, "box") as mine, mailbox_lock(app.db.engine, "box") as too:
        assert mine and too
