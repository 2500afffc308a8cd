"""Engines and migrations.

SQLite runs in WAL mode with a busy timeout, and every transaction starts
with BEGIN IMMEDIATE: a write that reads a budget first can never be
overtaken between its read and its write.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    NotSupportedError,
    ProgrammingError,
)

from maild.adapters.db.pipeline import wait_for_answers

MIGRATIONS = Path(__file__).parent / "migrations"


# What the database refuses for this data, whenever it is tried: retrying the
# same mail can never succeed. Everything else (connection lost, locked, timed
# out, serialization failure, deadlock) may pass on the next try.
_PERMANENT = (DataError, IntegrityError, ProgrammingError, NotSupportedError)


def is_transient(exc: DBAPIError) -> bool:
    """Connection trouble, a lock, a timeout: try again. Data refused: never."""
    return exc.connection_invalidated or not isinstance(exc, _PERMANENT)


def db_cause(exc: DBAPIError) -> str:
    """The driver's first line (connection refused, no such database): the traceback
    of a missing server says nothing an administrator needs."""
    text = str(exc.orig or exc).strip()
    return text.splitlines()[0] if text else type(exc.orig or exc).__name__


def ping(url: str) -> tuple[bool, str]:
    """Does the database answer, and in one line what was found. A SQLite file that
    does not exist yet is left uncreated: the service's own user creates it (a check
    run as root must not leave a root-owned database behind)."""
    parsed = make_url(url)
    sqlite_file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if sqlite_file and not Path(sqlite_file).exists():
        return True, "not created yet: the first maild run creates it"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True, "reachable"
    except DBAPIError as exc:
        return False, db_cause(exc)
    finally:
        engine.dispose()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A server that does not answer must not hang a start or an MTA's pipe.
        args = {"connect_timeout": 10} if parsed.get_backend_name() == "postgresql" else {}
        engine = create_engine(url, pool_pre_ping=True, connect_args=args)
        event.listen(engine, "after_cursor_execute", wait_for_answers)
        return engine
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            "busy_timeout=30000",
            "foreign_keys=ON",
            "synchronous=NORMAL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    turns = Turns()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        turns.wait()
        begin_immediate(conn.connection.dbapi_connection)
        conn.info["began_at"] = time.monotonic()

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(conn: Any) -> None:
        turns.ended(conn.info.pop("began_at", None))

    return engine


BEGIN_POLL_SECONDS = (0.001, 0.002, 0.005)  # then every 5 ms
LONG_WRITE_SECONDS = 0.1  # an intake batch (25 mails and up); not the sender's lease or record
TURN_SECONDS = 0.006  # more than a waiting writer's poll


class Turns:
    """After a long write transaction (an intake batch), this process lets another
    one's waiting writer (the sender process's lease or record) have the database
    before it begins the next: without this pause it began again within a
    millisecond and won every time."""

    def __init__(self) -> None:
        self.long_ended_at = 0.0

    def ended(self, began_at: float | None) -> None:
        now = time.monotonic()
        if began_at is not None and now - began_at > LONG_WRITE_SECONDS:
            self.long_ended_at = now

    def wait(self) -> None:
        left = self.long_ended_at + TURN_SECONDS - time.monotonic()
        if left > 0:
            time.sleep(left)


BEGIN_WAIT_SECONDS = 30.0


def begin_immediate(dbapi_conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, asking again every few ms while another writer holds the
    database. SQLite's own busy handler sleeps up to 100 ms between tries: a writer
    that commits and begins again at once (the intake taking a burst batch after
    batch) kept the sender's short transactions waiting for the whole drain, its
    acknowledgements with them. After BEGIN_WAIT_SECONDS the busy timeout decides."""
    deadline = time.monotonic() + BEGIN_WAIT_SECONDS
    tries = 0
    dbapi_conn.execute("PRAGMA busy_timeout=0")
    try:
        while time.monotonic() < deadline:
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            time.sleep(BEGIN_POLL_SECONDS[min(tries, len(BEGIN_POLL_SECONDS) - 1)])
            tries += 1
    finally:
        dbapi_conn.execute("PRAGMA busy_timeout=30000")
    dbapi_conn.execute("BEGIN IMMEDIATE")


@contextmanager
def mailbox_lock(engine: Engine, key: str) -> Iterator[bool]:
    """PostgreSQL: an advisory lock per mailbox, held while this instance reads it, so
    one of several instances polls each mailbox (two would be harmless thanks to the
    unique keys, only wasteful). True when this instance holds it. On its own
    autocommit connection: a server-side session lock, released if the process dies.
    SQLite has one instance by design: always True."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    name = f"maild-mailbox:{key}"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        held = bool(
            conn.execute(text("SELECT pg_try_advisory_lock(hashtext(:k))"), {"k": name}).scalar()
        )
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": name})


def backup(engine: Engine, target: Path) -> int:
    """SQLite's online backup into target (written beside it, then renamed): a
    consistent copy while the daemon writes. Returns the pages copied."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = engine.raw_connection()
    try:
        copy = sqlite3.connect(partial)
        try:
            source.driver_connection.backup(copy)  # type: ignore[union-attr]
            pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)
    return pages


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def make_room(url: str) -> None:
    """The folder an SQLite file goes in (prepare's: making an engine creates nothing)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision shipped with this package."""
    command.upgrade(alembic_config(engine), "head")


def schema_problem(engine: Engine) -> str | None:
    """Why this database cannot serve this maild yet (none made, or an older
    schema), or None. Never creates anything: an SQLite file that does not exist
    is reported, not made."""
    url = engine.url
    on_disk = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if on_disk and not Path(str(url.database)).exists():
        return f"there is no database at {url.database} yet"
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    wanted = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    if not current:
        return "the database has no maild tables yet"
    if current != wanted:
        return f"the database schema is at {sorted(current)}, this maild needs {sorted(wanted)}"
    return None
