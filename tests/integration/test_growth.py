"""A big history costs the hot paths nothing: what they read is an index of the rows
they are after, not a scan of every mail ever sent or taken.

The tables get 20,000 old rows (sent, their raw bytes dropped, as after retention)
and fresh statistics; then each statement the outbox lease and the housekeeping
run is explained by the database itself (SQLite and, in the second pass,
PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert

from maild.adapters.db.models import Inbound, Outbox
from maild.bootstrap import App
from maild.services.outbox import DEAD_AFTER
from tests.conftest import START

OLD = 20_000


def fill_history(app: App, status: str = "sent", analyze: bool = True) -> None:
    old = START - timedelta(days=400)
    inbound = [
        dict(
            source="imap:old",
            uidvalidity=1,
            uid=n,
            message_id=f"<old-{n}@example.com>",
            content_hash=f"{n:064d}",
            verdict="ignored",
            size=1500,
            raw=b"",
            received_at=old,
        )
        for n in range(OLD)
    ]
    outbox = [
        dict(
            message_id=f"<old-{n}@acme.example>",
            template="customer/ack",
            recipients=["x@example.com"],
            envelope_from="support@acme.example",
            raw=b"",
            status=status,
            attempts=1,
            next_attempt_at=old,
            results={},
            created_at=old,
            sent_at=old,
        )
        for n in range(OLD)
    ]
    with app.db.transaction() as store:
        conn = store.session.connection()
        conn.execute(insert(Inbound.__table__), inbound)  # type: ignore[attr-defined]
        conn.execute(insert(Outbox.__table__), outbox)  # type: ignore[attr-defined]
    if not analyze:
        return
    with app.db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def plans(app: App, work: Callable[[Any], object]) -> list[str]:
    """The database's plan for each SELECT that `work(store)` runs."""
    selects: list[tuple[str, Any]] = []

    def record(_conn, _cursor, statement, params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        # (on PostgreSQL, SELECT 1 waits for the pipeline: not a read of ours)
        if statement.lstrip().upper().startswith("SELECT") and "FROM" in statement.upper().split():
            selects.append((statement, params))

    event.listen(app.db.engine, "before_cursor_execute", record)
    try:
        with app.db.transaction() as store:
            work(store)
    finally:
        event.remove(app.db.engine, "before_cursor_execute", record)
    explain = "EXPLAIN QUERY PLAN " if app.db.engine.dialect.name == "sqlite" else "EXPLAIN "
    found = []
    with app.db.engine.connect() as conn:
        for statement, params in selects:
            found.append(str(conn.exec_driver_sql(explain + statement, params).all()))
    assert found, "nothing was read"
    return found


def test_finding_a_dead_senders_rows_reads_the_leased_rows_only(app):
    fill_history(app)
    orphaned, due = plans(app, lambda s: s.due_outbox(START, 50, START - DEAD_AFTER, "me"))
    # SQLite takes the leased rows' index (it was: SCAN outbox); PostgreSQL, which
    # knows from its statistics how rare queued rows are, may take the queued ones
    assert "ix_outbox_leased" in orphaned or "ix_outbox_due" in orphaned, orphaned
    assert "SCAN outbox" not in orphaned and "Seq Scan on outbox" not in orphaned
    assert "ix_outbox_due" in due, due


def test_a_backlog_without_statistics_still_reads_only_the_leased_rows(app):
    # a relay away for a day leaves 20,000 queued. Nothing ANALYZEs SQLite, and
    # without statistics its planner used to take the status index for the dead
    # sender's rows and read the whole backlog for each batch sent; PostgreSQL's
    # autovacuum analyzes a table once a tenth of it has changed
    fill_history(app, status="queued", analyze=app.db.engine.dialect.name != "sqlite")
    orphaned, due = plans(app, lambda s: s.due_outbox(START, 50, START - DEAD_AFTER, "me"))
    assert "ix_outbox_leased" in orphaned, orphaned
    assert "SCAN outbox" not in orphaned and "Seq Scan on outbox" not in orphaned, orphaned
    assert "SCAN outbox" not in due and "Seq Scan on outbox" not in due, due


def test_housekeeping_reads_only_mail_that_still_has_its_bytes(app):
    fill_history(app)
    cutoff = START - timedelta(days=90)
    inbound, outbox = plans(
        app, lambda s: (s.drop_raw_before(cutoff, 5000), s.drop_sent_raw_before(cutoff, 5000))
    )
    assert "ix_inbound_raw_kept" in inbound, inbound  # was: every mail before the cutoff
    assert "ix_outbox_raw_kept" in outbox, outbox  # was: SCAN outbox
