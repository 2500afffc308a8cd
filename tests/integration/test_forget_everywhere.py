"""`maild forget` forgets everything: the whole database file is searched after.

The SQLite file itself (with its WAL) and a pg_dump of PostgreSQL are grepped
for the address, the name and a sentence of the customer's, after every kind
of row that can hold them was written: tickets, messages, raw mail, the
outbox's recipients and per-recipient results, the staff mail's stored lines,
events, participants on someone else's ticket, a #spam mark, spam held.
"""

import subprocess
from pathlib import Path

import pytest

from maild.adapters.db.erase import compact
from maild.services.retention import forget
from tests.conftest import ON_POSTGRES, mail
from tests.integration.staff import answer, last, take

ADDRESS = b"xavier@example.com"
NAME = b"Xavier Quint"
SENTENCE = b"My cat Ferdinand chewed through the router cable"


def a_week_of_xavier(app):
    xavier = "Xavier Quint <Xavier@Example.com>"
    text = f"{SENTENCE.decode()} on Tuesday.\nPlease send a new one."
    take(app, mail(subject="Router cable", sender=xavier, text=text))
    note = last(app, "agent/new", "dana@acme.example")
    take(app, answer(note, "#credit 10 cable\n\nDear Xavier Quint, a new cable is on its way."))
    # a colleague's ticket with Xavier on copy, by an agent's command
    take(app, mail(subject="Office move", sender="Olga <olga@example.com>"))
    olga = last(app, "agent/new", "dana@acme.example")
    take(app, answer(olga, "#cc add xavier@example.com\n\nHi Olga, noted."))
    app.sender.drain()  # sent: recipients and results hold the address
    # another of his mails, marked spam by an agent, then one held as spam
    take(app, mail(subject="Another", sender=xavier, text=f"{SENTENCE.decode()} again."))
    spam_note = last(app, "agent/new", "lee@acme.example")
    take(app, answer(spam_note, "#spam"))
    take(app, mail(subject="And another", sender=xavier, text="Xavier Quint here."))
    app.sender.drain()


def test_forget_leaves_nothing_in_the_sqlite_file(make_app):
    if ON_POSTGRES:
        pytest.skip("the SQLite file: the PostgreSQL twin below")
    app = make_app()
    a_week_of_xavier(app)
    path = Path(app.db.engine.url.database or "")
    assert ADDRESS in _sqlite_bytes(path).lower() and SENTENCE in _sqlite_bytes(path)
    with app.db.transaction() as store:
        forget(store, "xavier@example.com", app.ingest.clock())
    compact(app.db.engine)  # as `maild forget --yes` does
    app.db.engine.dispose()
    everything = _sqlite_bytes(path)
    assert ADDRESS not in everything.lower()
    assert NAME not in everything and SENTENCE not in everything
    assert b"olga@example.com" in everything  # the others stay


def _sqlite_bytes(path: Path) -> bytes:
    return b"".join(
        p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def test_forget_leaves_nothing_in_a_pg_dump(make_app, pg_url):
    app = make_app(database={"url": pg_url})
    from maild.adapters.db.engine import migrate

    migrate(app.db.engine)
    a_week_of_xavier(app)
    assert ADDRESS in _dump(pg_url).lower()
    with app.db.transaction() as store:
        forget(store, "xavier@example.com", app.ingest.clock())
    dumped = _dump(pg_url)
    assert ADDRESS not in dumped.lower()
    assert NAME not in dumped and SENTENCE not in dumped
    assert b"olga@example.com" in dumped


def _dump(url: str) -> bytes:
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run(["pg_dump", plain], capture_output=True, check=True).stdout
