"""Personal data and growth: raw mail ages out, a customer can be forgotten, a live backup."""

from __future__ import annotations

import sqlite3
import threading

from maild import config
from maild.adapters.db.models import (
    Attachment,
    Blob,
    Event,
    Inbound,
    JobRun,
    Ledger,
    Message,
    Outbox,
    Quarantine,
    Ticket,
)
from maild.bootstrap import build, prepare
from maild.core.intake import RawMail
from maild.services.retention import forget
from tests.conftest import mail
from tests.integration.helpers import rows
from tests.integration.staff import answer, last, take
from tests.integration.test_cli import make_config, run

PDF = (("invoice.pdf", "application/pdf", b"%PDF-1.4 secret"),)
OLD_ONLY = ("scan.png", "image/png", b"\x89PNG old scan")


def test_raw_mail_older_than_raw_days_loses_its_bytes_not_its_ticket(make_app, clock):
    app = make_app(retention={"raw_days": 30})
    take(app, mail(subject="old", attachments=(*PDF, OLD_ONLY)))
    app.sender.drain()
    clock.advance(days=31)
    take(app, mail(subject="new", sender="new@example.com", attachments=PDF))
    app.scheduler.run_due()
    old, new = sorted(rows(app, Inbound), key=lambda i: i.id)
    assert old.raw == b"" and new.raw != b""
    # The names stay; bytes only the old mail carried are gone; the PDF's bytes
    # stay, since the new mail carries the same (stored once, by their hash).
    files = {(a.filename, a.message_id): a.blob for a in rows(app, Attachment)}
    assert sorted(files) == [("invoice.pdf", 1), ("invoice.pdf", 2), ("scan.png", 1)]
    kept = {b.hash: b.content for b in rows(app, Blob)}
    assert kept[files["scan.png", 1]] is None
    assert kept[files["invoice.pdf", 1]] == b"%PDF-1.4 secret" == kept[files["invoice.pdf", 2]]
    assert {m.text for m in rows(app, Message)} == {"Hello, my order did not arrive."}
    assert all(o.raw == b"" for o in rows(app, Outbox) if o.ticket_id == 1)
    [event] = [e for e in rows(app, Event) if e.kind == "raw_dropped"]
    assert event.ticket_id == 1 and event.detail["mails"] == 1
    assert len(rows(app, Ticket)) == 2


def test_old_job_runs_are_pruned(make_app, clock):
    app = make_app()
    with app.db.transaction() as store:  # periods that had work (a quiet one leaves no row)
        for hour in range(3):
            store.claim_job("escalations", f"2026-11-23T0{hour}", clock())
    clock.advance(days=40)
    app.scheduler.run_due()
    # the old ones went; pruning them was this hour's housekeeping, claimed with it
    assert [(r.job, r.period) for r in rows(app, JobRun)] == [("housekeeping", "2027-01-02T09")]


def test_forget_erases_a_customer_and_keeps_the_audit(make_app):
    app = make_app()
    take(app, mail(subject="My address is 1 Elm St", attachments=PDF))
    note = last(app, "agent/new", "dana@acme.example")
    take(app, answer(note, "#credit 10 sorry\n\nHi Sam, here is a credit."))
    take(app, mail(sender="Other <other@example.com>"))
    assert len(rows(app, Ledger)) == 1
    with app.db.transaction() as store:  # a mail of Sam's that once crashed the intake
        store.add(Quarantine(source="box", error="boom", raw=mail(), created_at=app.ingest.clock()))
    with app.db.transaction() as store:
        erased = forget(store, "Sam@Example.com", app.ingest.clock())
    assert erased["tickets"] == 1 and erased["credits"] == 1
    assert erased["quarantined mails"] == 1 and rows(app, Quarantine)[0].raw == b""
    mine = next(t for t in rows(app, Ticket) if t.id == 1)
    assert mine.customer.startswith("forgotten-") and mine.customer_name == ""
    assert mine.subject == "(forgotten)"
    texts = {m.ticket_id: m.text for m in rows(app, Message)}
    assert texts[1] == "" and texts[2] == "Hello, my order did not arrive."
    [pdf] = rows(app, Attachment)  # its name stays, shown as removed; its bytes go
    assert pdf.filename == "invoice.pdf" and rows(app, Blob)[0].content is None
    assert all(i.raw == b"" for i in rows(app, Inbound) if i.ticket_id == 1)
    [credit] = rows(app, Ledger)
    assert credit.customer == mine.customer and credit.amount_cents == 1000
    left = [
        (model.__name__, key, value)
        for model in (Ticket, Message, Inbound, Ledger, Event)
        for r in rows(app, model)
        for key, value in r.model_dump().items()
        if "sam@example.com" in str(value).lower() or "Elm St" in str(value)
    ]
    assert left == []
    assert [e.kind for e in rows(app, Event) if e.ticket_id == 1][-1] == "forgotten"


def test_forget_without_yes_changes_nothing_and_backup_copies_a_live_database(tmp_path):
    cfg = make_config(tmp_path)
    run("--config", cfg, "ingest", "-", input=mail())
    dry = run("--config", cfg, "forget", "sam@example.com")
    assert dry.exit_code == 0 and "would erase sam@example.com: 1 tickets" in dry.output
    listed = run("--config", cfg, "tickets").output
    assert "sam@example.com" in listed
    done = run("--config", cfg, "forget", "sam@example.com", "--yes")
    assert done.exit_code == 0 and "erased sam@example.com" in done.output
    assert "sam@example.com" not in run("--config", cfg, "tickets").output

    # Another process's worth of writes while the backup runs (not through CliRunner,
    # which swaps sys.stdout and is no place for two threads).
    settings = config.load(cfg)[0]
    prepare(settings)
    writer_app = build(settings)

    def keep_writing() -> None:
        for n in range(30):
            writer_app.ingest([RawMail(mail(sender=f"w{n}@example.com"))])

    writer = threading.Thread(target=keep_writing)
    writer.start()
    copy = tmp_path / "backup.db"
    result = run("--config", cfg, "backup", str(copy))
    writer.join()
    writer_app.db.engine.dispose()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM ticket").fetchone()[0] >= 1
