from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from sqlalchemy import event
from sqlmodel import select

from maild.adapters.db.models import Inbound, Message, Outbox, Quarantine, Ticket
from maild.adapters.outgoing import Streamed
from maild.bootstrap import App


def rows(app: App, model: type) -> list:
    order = list(model.__table__.primary_key.columns)  # type: ignore[attr-defined]
    with app.db.transaction() as store:
        return list(store.session.exec(select(model).order_by(*order)).all())


def on_the_wire(app: App, row: Outbox) -> bytes:
    """The bytes the sender would send for this row: its files streamed in."""
    if not row.files:
        return row.raw
    sender = app.sender  # reads the blobs as it does when it sends
    return Streamed(row.raw, row.files, sender._blob).whole()


def outbox(app: App) -> list[Outbox]:
    return rows(app, Outbox)


def parsed(raw: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    return msg


def counts(app: App) -> dict[str, int]:
    return {m.__name__: len(rows(app, m)) for m in (Ticket, Message, Inbound, Outbox, Quarantine)}


DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@contextmanager
def writes(app: App) -> Iterator[list[str]]:
    """The statements that changed rows while inside (an INSERT, or an UPDATE or
    DELETE that touched at least one row; a driver that cannot tell counts it)."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().split(None, 1)[0].upper() in DML and cursor.rowcount != 0:
            seen.append(statement)

    event.listen(app.db.engine, "after_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(app.db.engine, "after_cursor_execute", note)
