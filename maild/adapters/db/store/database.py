"""One Store per transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from maild.adapters.db import pipeline
from maild.adapters.db.store.compose import Store


class Database:
    """Hands out one Store per transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        # No autoflush: rows that later queries must see are flushed by add().
        with (
            Session(self.engine, expire_on_commit=False, autoflush=False) as session,
            session.begin(),
            pipeline.pipelined(session.connection()),
        ):
            yield Store(session)

    @contextmanager
    def savepoint(self, store: Store) -> Iterator[Store]:
        with store.session.begin_nested():
            try:
                yield store
            except BaseException:
                pipeline.recover(store.session.connection())
                raise
            pipeline.settle(store.session.connection())
