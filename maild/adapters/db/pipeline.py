"""PostgreSQL's pipeline mode: a mail's rows go to the server without waiting for
each answer.

In a transaction (`pipelined`), rows nobody reads back are sent by `append`
and not waited for; any statement SQLAlchemy runs (a SELECT, RETURNING, an
UPDATE's count, SAVEPOINT) waits for everything sent before it, so it sees the
same database as without the pipeline, and an appended row the server refuses
fails there, as a SQLAlchemy error. A mail then costs a round trip for what is
read, not one per row (~0.3 ms each on the 2-core machine). SQLite runs
in-process: nothing to do, `append` is a Core executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection, Insert, Select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.schema import ScalarElementColumnDefault

_PIPELINE = "maild_pipeline"
_PREBUILT = "maild_prebuilt"

Processors = dict[str, Callable[[Any], Any]]
Prebuilt = tuple[str, dict[str, Any], Processors]  # SQL, values left out, bind processors


def _no_wait() -> None:
    pass


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """The transaction on `conn` in pipeline mode (PostgreSQL; else as it is)."""
    if conn.dialect.name != "postgresql":
        yield
        return
    driver, info = conn.connection.driver_connection, conn.info
    assert driver is not None
    with driver.pipeline() as pipeline:
        info[_PIPELINE] = pipeline
        try:
            yield
            if not conn.closed:  # (a dry run rolls back and closes it first)
                settle(conn)
        finally:
            info.pop(_PIPELINE, None)


def append(conn: Connection, statement: Insert, rows: Sequence[dict[str, Any]]) -> None:
    """Rows nobody reads back (no RETURNING), all with the same keys. In the pipeline
    they go straight to psycopg (see _prebuilt) and nothing waits for them."""
    if not rows:
        return
    if _PIPELINE not in conn.info:
        conn.execute(statement, list(rows))
        return
    sql, fixed, processors = _prebuilt(conn, statement, tuple(rows[0]))
    _send(conn, sql, [_bound({**fixed, **row}, processors) for row in rows])


def one(conn: Connection, statement: Select[Any], params: dict[str, Any]) -> tuple[Any, ...]:
    """The one row of a read on the hot path (a mail's sender history), the same way."""
    pipeline = conn.info.get(_PIPELINE)
    if pipeline is None:
        return tuple(conn.execute(statement, params).one())
    sql, fixed, processors = _prebuilt(conn, statement, tuple(params))
    cursor = _send(conn, sql, [_bound({**fixed, **params}, processors)], wait=pipeline.sync)
    row = cursor.fetchone()
    assert row is not None
    return tuple(row)


def _prebuilt(conn: Connection, statement: Insert | Select[Any], keys: tuple[str, ...]) -> Prebuilt:
    """SQLAlchemy's execution costs ~0.09 ms a statement in the pipeline, psycopg's own
    ~0.026: SQLAlchemy compiles the statement once per connection and set of keys,
    and each value passes its type's bind processor, as SQLAlchemy would do. The
    values a caller leaves out are an INSERT's column defaults or a SELECT's
    literals, as SQLAlchemy would fill them in."""
    cache: dict[tuple[Any, tuple[str, ...]], Prebuilt] = conn.info.setdefault(_PREBUILT, {})
    found = cache.get((statement, keys))
    if found is None:
        dialect = conn.dialect
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        fixed = {
            name: _default(statement, name) if isinstance(statement, Insert) else bind.value
            for name, bind in compiled.binds.items()
            if name not in keys
        }
        processors: Processors = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors[name] = process
        found = cache[(statement, keys)] = (str(compiled), fixed, processors)
    return found


def _default(statement: Insert, column: str) -> Any:
    default = statement.table.c[column].default
    if not isinstance(default, ScalarElementColumnDefault):
        # a default computed at insert time needs SQLAlchemy's execution: pass a value
        raise TypeError(f"append() fills in plain defaults only; give {column} a value")
    return default.arg


def _bound(values: dict[str, Any], processors: Processors) -> dict[str, Any]:
    return {k: processors[k](v) if k in processors else v for k, v in values.items()}


def _send(
    conn: Connection, sql: str, params: list[dict[str, Any]], wait: Callable[[], None] = _no_wait
) -> Any:
    """psycopg's cursor, the statement sent; its error raised as SQLAlchemy's."""
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor, error = driver.cursor(), conn.dialect.loaded_dbapi.Error
    try:
        if len(params) == 1:
            cursor.execute(sql, params[0])
        else:
            cursor.executemany(sql, params)
        wait()
    except error as exc:
        lost = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
        raise DBAPIError.instance(
            sql, params, exc, error, dialect=conn.dialect, connection_invalidated=lost
        ) from exc
    return cursor


def settle(conn: Connection) -> None:
    """Wait for every appended row: before a savepoint ends, so what this savepoint
    sent fails inside it (and is rolled back with it), and before a commit."""
    if _PIPELINE in conn.info:
        conn.exec_driver_sql("SELECT 1")


def recover(conn: Connection) -> None:
    """After a refused row, before the savepoint rolls back. The refusal can reach
    us while a later row is being sent, before any Sync; until one comes the
    server skips everything, ROLLBACK TO SAVEPOINT too. Send it: what it reports
    again was raised already."""
    pipeline = conn.info.get(_PIPELINE)
    if pipeline is not None and not conn.closed:
        with suppress(conn.dialect.loaded_dbapi.Error):
            pipeline.sync()


def wait_for_answers(
    conn: Connection, _cursor: Any, _sql: str, _params: Any, _context: Any, _many: bool
) -> None:
    """After each statement SQLAlchemy runs (an event hook): its answer, and those of
    all rows appended before it."""
    pipeline = conn.info.get(_PIPELINE)
    if pipeline is not None:
        pipeline.sync()  # raised here, psycopg's error is wrapped by SQLAlchemy
