"""Forgetting a person in every table, those added later too.

The per-table erasure (store.erase_customer) knows what each row means; this
pass knows nothing of meanings and so misses nothing: every text, JSON and
byte column of every table in the metadata is searched. The address goes
from every row (a colleague's ticket may name it too); the person's names and
sentences go from the rows that belong to their tickets, or that name the
address. A row's raw bytes that still hold any of it are dropped whole: a mail
cut in the middle is no mail. SQLite keeps deleted bytes in free pages and
the WAL until they are overwritten: `compact()` after the commit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Engine,
    LargeBinary,
    String,
    Table,
    TypeDecorator,
    func,
    or_,
    text,
    update,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel, col, select

from maild.adapters.db.models import Message, Ticket

FORGOTTEN = "(forgotten)"
MIN_WORDS_CHARS = 12  # shorter lines ("Thanks,") are everybody's words, not theirs
MAX_SENTENCES = 500
# Keys and states, never a person's words: a name like "Sam" must not rewrite a
# Message-ID or a status (the address still goes from them, wherever it is).
KEYS = frozenset(
    {"message_id", "content_hash", "fingerprint", "status", "verdict", "kind", "template"}
    | {"currency", "source", "envelope_from", "text_source", "direction", "job", "period"}
)


@dataclass(frozen=True)
class Person:
    address: str
    alias: str
    names: tuple[str, ...]  # as they signed their mails (at least 3 characters)
    sentences: tuple[str, ...]  # lines of their own mails
    tickets: tuple[int, ...]


def sentences_of(texts: Sequence[str]) -> tuple[str, ...]:
    found = (line.strip() for t in texts for line in t.splitlines())
    keep = [s for s in found if len(s) >= MIN_WORDS_CHARS and not s.startswith(">")]
    return tuple(dict.fromkeys(keep))[:MAX_SENTENCES]


def scrub(session: Session, person: Person) -> int:
    """Every row of every table: returns how many values were changed."""
    changed = 0
    for table in SQLModel.metadata.sorted_tables:
        changed += _table(session, table, person)
    return changed


def _table(session: Session, table: Table, person: Person) -> int:
    keys = list(table.primary_key.columns)
    ticket = table.columns.get("ticket_id")
    changed = 0
    for column in table.columns:
        if column.primary_key or not isinstance(_kind(column), String | JSON | LargeBinary):
            continue
        changed += _column(session, table, keys, column, ticket, person)
    return changed


def _column(
    session: Session,
    table: Table,
    keys: list[Column[Any]],
    column: Column[Any],
    ticket: Column[Any] | None,
    person: Person,
) -> int:
    binary = isinstance(_kind(column), LargeBinary)
    searched = _searchable(session, column)
    words = [] if column.name in KEYS else [*person.names, *person.sentences]

    def holds(needles: list[str]) -> ColumnElement[bool]:
        forms = [_json_form(n) if isinstance(_kind(column), JSON) else n for n in needles]
        return or_(*(searched.contains(f.lower(), autoescape=True) for f in forms))

    where = holds([person.address])
    if ticket is not None and person.tickets and words:
        where = or_(where, col(ticket).in_(person.tickets) & holds(words))
    changed = 0
    for row in session.execute(table.select().with_only_columns(*keys, column).where(where)):
        *key, value = row
        new = b"" if binary else _replaced(value, column, person, words)
        if new != value:
            match = [k == v for k, v in zip(keys, key, strict=True)]
            session.execute(update(table).where(*match).values({column.name: new}))
            changed += 1
    return changed


def _kind(column: Column[Any]) -> Any:
    """The column's type under a decorator (SQLModel's AutoString is one over String)."""
    kind = column.type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _searchable(session: Session, column: Column[Any]) -> ColumnElement[str]:
    """The column as lower-case text, on both databases."""
    if isinstance(_kind(column), LargeBinary):
        if session.get_bind().dialect.name == "postgresql":
            return func.lower(func.encode(column, text("'escape'")))
        return func.lower(func.cast(column, String))
    return func.lower(func.cast(column, String))


def _json_form(value: str) -> str:
    """How a JSON column stores the words (non-ASCII as \\u escapes)."""
    return json.dumps(value)[1:-1]


def _replaced(value: Any, column: Column[Any], person: Person, words: list[str]) -> Any:
    if value is None:
        return None
    # longest first: a sentence holding the name goes whole
    needles = sorted([person.address, *words], key=len, reverse=True)
    if isinstance(_kind(column), JSON):
        said = json.dumps(value)
        for needle in needles:
            said = _sub(_json_form(needle), _json_form(_stand_in(needle, person)), said)
        return json.loads(said)
    said = str(value)
    for needle in needles:
        said = _sub(needle, _stand_in(needle, person), said)
    return said


def _stand_in(needle: str, person: Person) -> str:
    return person.alias if needle == person.address else FORGOTTEN


def _sub(needle: str, replacement: str, said: str) -> str:
    # whole words only: the name "Sam" is not in "Sample"
    pattern = r"(?<!\w)" + re.escape(needle) + r"(?!\w)"
    return re.sub(pattern, lambda _: replacement, said, flags=re.I)


def compact(engine: Engine) -> None:
    """SQLite: rewrite the file so erased bytes leave free pages and the WAL too."""
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's dead tuples go with (auto)vacuum; a dump never holds them
    raw = engine.raw_connection()  # outside the engine's BEGIN IMMEDIATE: VACUUM refuses one
    try:
        cursor = raw.cursor()
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


def person_of(session: Session, address: str, alias: str, tickets: Sequence[int]) -> Person:
    """What to look for, read before the per-table erasure blanks it: the names they
    used, the lines they wrote (on their tickets, and on others' they were copied on)."""
    on_theirs = col(Message.ticket_id).in_(list(tickets)) & (col(Message.kind) == "customer")
    written = session.exec(
        select(Message.ticket_id, Message.author_name, Message.text).where(
            or_(col(Message.author) == address, on_theirs)
        )
    ).all()
    named = session.exec(select(Ticket.customer_name).where(col(Ticket.id).in_(list(tickets))))
    names = {n.strip() for n in [*named, *(w[1] for w in written)] if len(n.strip()) >= 3}
    return Person(
        address=address,
        alias=alias,
        names=tuple(sorted(names, key=len, reverse=True)),
        sentences=sentences_of([w[2] for w in written]),
        tickets=tuple(sorted({*tickets, *(w[0] for w in written)})),
    )
