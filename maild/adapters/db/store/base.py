"""The session, the reserved ids and the row-writing primitives every concern shares."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, insert, text
from sqlmodel import Session, SQLModel

from maild.adapters.db import pipeline
from maild.adapters.db.models import Event

_RESERVE = text(
    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"
)


@cache
def _insert(model: type[SQLModel]) -> Insert:
    return insert(model.__table__)  # type: ignore[attr-defined]


@cache
def _append(model: type[SQLModel]) -> Insert:
    """An INSERT that asks nothing back (no RETURNING): PostgreSQL need not answer it
    before the next statement (pipeline.append)."""
    return insert(model.__table__).inline()  # type: ignore[attr-defined]


class StoreBase:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._numbers: dict[type[SQLModel], list[int]] = {}  # reserved ids, see reserve()

    def insert(self, model: type[SQLModel], **values: Any) -> int:
        """A Core INSERT: no ORM object to build or flush on the hot path."""
        result = self.session.connection().execute(_insert(model), values)
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def reserve(self, model: type[SQLModel], count: int) -> None:
        """PostgreSQL: take `count` ids from the table's sequence in one round trip, for
        insert_numbered() to give out (the ones left unused are gaps, as after any
        rollback). SQLite hands out ids in-process: nothing to reserve."""
        conn = self.session.connection()
        if count <= 0 or conn.dialect.name != "postgresql":
            return
        table = model.__tablename__
        self._keep(model, conn.execute(_RESERVE, {"table": table, "count": count}).scalars())

    def _keep(self, model: type[SQLModel], numbers: Iterable[int]) -> None:
        """Reserved ids, the smallest given out first: ids keep the order rows came."""
        kept = self._numbers.setdefault(model, [])
        kept.extend(numbers)
        kept.sort(reverse=True)

    def insert_numbered(self, model: type[SQLModel], **values: Any) -> int:
        """insert(), with a reserved id when there is one: the row is then appended,
        so nothing waits for the server."""
        reserved = self._numbers.get(model)
        if not reserved:
            return self.insert(model, **values)
        number = reserved.pop()
        self.append(model, id=number, **values)
        return number

    def append(self, model: type[SQLModel], **values: Any) -> None:
        """A row whose id nobody needs: with PostgreSQL, no wait for the server."""
        pipeline.append(self.session.connection(), _append(model), [values])

    def insert_many(self, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
        """Rows whose ids nobody needs (a mail's notices), appended as one executemany:
        one statement compiled once, no wait for PostgreSQL's answer."""
        pipeline.append(self.session.connection(), _append(model), rows)

    def add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row

    def event(
        self, ticket_id: int, at: datetime, kind: str, actor: str | None, **detail: Any
    ) -> None:
        self.append(Event, ticket_id=ticket_id, at=at, kind=kind, actor=actor, detail=detail)

    def _update(self, statement: Any) -> int:
        return int(getattr(self.session.execute(statement), "rowcount", 0) or 0)
