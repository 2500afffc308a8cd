"""Rows appended without waiting (on PostgreSQL straight to psycopg's pipeline, past
SQLAlchemy's execution) are the rows SQLAlchemy would have written, and a row the
database refuses fails as SQLAlchemy's error. Both databases, in the second pass."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from maild.adapters.db.engine import is_transient
from maild.adapters.db.models import Outbox, Ticket
from maild.bootstrap import App
from tests.conftest import START


def a_ticket(app: App) -> int:
    with app.db.transaction() as store:
        return store.insert(Ticket, customer="sam@example.com", created_at=START, updated_at=START)


def outbox_row(n: int, ticket_id: int) -> dict[str, object]:
    return {
        "message_id": f"<n{n}@acme.example>",
        "ticket_id": ticket_id,
        "template": "customer/ack",
        "recipients": ["sam@example.com", "kim@example.com"],
        "envelope_from": "support@acme.example",
        "raw": b"Subject: x\r\n\r\n\x00\xff bytes",
        "next_attempt_at": START,
        "last_error": None,
        "results": {"sam@example.com": {"status": "deferred", "code": 451}},
        "created_at": START,
        "sent_at": None,
    }


def test_appended_rows_read_back_as_written_with_the_columns_defaults(app):
    ticket = a_ticket(app)
    with app.db.transaction() as store:
        store.event(ticket, START, "opened", "sam@example.com", note="ünïcode", n=[1, 2])
        store.insert_many(Outbox, [outbox_row(1, ticket), outbox_row(2, ticket)])
    with app.db.transaction() as store:
        [event] = [e for e in store.events(ticket)]
        rows = sorted(store.outbox(), key=lambda r: r.message_id)
    assert (event.kind, event.actor, event.at) == ("opened", "sam@example.com", START)
    assert event.detail == {"note": "ünïcode", "n": [1, 2]}
    assert [r.message_id for r in rows] == ["<n1@acme.example>", "<n2@acme.example>"]
    for row in rows:
        assert row.raw == b"Subject: x\r\n\r\n\x00\xff bytes"
        assert row.recipients == ["sam@example.com", "kim@example.com"]
        assert row.results == {"sam@example.com": {"status": "deferred", "code": 451}}
        assert (row.status, row.attempts) == ("queued", 0)  # the columns' defaults
        assert row.next_attempt_at == START and row.sent_at is None


def test_a_refused_row_fails_as_the_databases_error_and_nothing_of_it_stays(app):
    ticket = a_ticket(app)
    with app.db.transaction() as store:
        store.insert_many(Outbox, [outbox_row(1, ticket)])
    with pytest.raises(IntegrityError) as refused, app.db.transaction() as store:
        store.event(ticket, START, "kept?", None)
        store.insert_many(Outbox, [outbox_row(2, ticket), outbox_row(1, ticket)])
        store.event(ticket, START, "after", None)
    assert not is_transient(refused.value)  # the same mail would be refused again
    with app.db.transaction() as store:
        assert [e.kind for e in store.events(ticket)] == []
        assert [r.message_id for r in store.outbox()] == ["<n1@acme.example>"]
