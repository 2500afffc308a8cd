"""Does maild stay as fast, and as small, as its inbox and its database grow?

  python bench/growth.py [--waiting 1000,5000,20000] [--history 1000000] [--mails 2000]

Each figure is `maild run --once` in its own process (its own peak RSS), every
acknowledgement and notice delivered to the SMTP sink (bench/sink.py):

  waiting  1,000 to 20,000 mails waiting in the inbox, on an empty database;
  history  --mails mails on a database that already holds --history tickets,
           each with its customer mail, its message, its event and two sent
           mails (the raw bytes of those old mails dropped, as retention does),
           against the same number of mails on an empty database, same run.

Targets (issue 12): the same mails/s whatever the size; peak RSS <= 150 MB.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from pipeline import Sink, child

# One statement per table, each row made from its number: a million tickets and
# five million rows around them in well under a minute.
HISTORY = [
    """INSERT INTO ticket (id, status, priority, customer, customer_name, subject, agent,
         team, created_at, updated_at, closed_at, target_stage)
       SELECT n, 'closed', 'normal', 'old' || (n % 50000) || '@example.com', 'Old Customer',
         'Order ' || n, NULL, NULL, datetime('2025-11-01', '+' || (n % 360) || ' days'),
         datetime('2025-11-02', '+' || (n % 360) || ' days'),
         datetime('2025-11-02', '+' || (n % 360) || ' days'), 0
       FROM n""",
    """INSERT INTO inbound (id, source, uidvalidity, uid, message_id, content_hash, sender,
         subject, verdict, ticket_id, size, raw, received_at)
       SELECT n, 'imap:old', 1, n, '<old-' || n || '@example.com>', printf('%064d', n),
         'old' || (n % 50000) || '@example.com', 'Order ' || n, 'ticket', n, 1500, x'',
         datetime('2025-11-01', '+' || (n % 360) || ' days')
       FROM n""",
    """INSERT INTO message (id, ticket_id, inbound_id, direction, kind, author, author_name,
         subject, text, text_source, notes, created_at)
       SELECT n, n, n, 'in', 'customer', 'old' || (n % 50000) || '@example.com', '',
         'Order ' || n, 'my order has not arrived', 'plain', '[]',
         datetime('2025-11-01', '+' || (n % 360) || ' days')
       FROM n""",
    """INSERT INTO event (ticket_id, at, kind, actor, detail)
       SELECT n, datetime('2025-11-01', '+' || (n % 360) || ' days'), 'opened',
         'old' || (n % 50000) || '@example.com', '{}'
       FROM n""",
    """INSERT INTO outbox (message_id, ticket_id, template, recipients, envelope_from, raw,
         status, attempts, next_attempt_at, results, created_at, sent_at)
       SELECT '<old-' || n || '-' || k || '@acme.example>', n,
         CASE k WHEN 0 THEN 'customer/ack' ELSE 'agent/new' END, '["x@example.com"]',
         'support@acme.example', x'', 'sent', 1,
         datetime('2025-11-01', '+' || (n % 360) || ' days'), '{}',
         datetime('2025-11-01', '+' || (n % 360) || ' days'),
         datetime('2025-11-01', '+' || (n % 360) || ' days')
       FROM n, (SELECT 0 AS k UNION ALL SELECT 1)""",
]


def fill_history(cfg: Path, tickets: int) -> float:
    """The schema as maild makes it, then `tickets` old tickets; returns seconds."""
    from maild import config
    from maild.bootstrap import prepare

    settings, _ = config.load(str(cfg))
    prepare(settings)
    start = time.perf_counter()
    db = sqlite3.connect(settings.database_url().removeprefix("sqlite:///"))
    db.execute(
        f"CREATE TEMP TABLE n AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL "
        f"SELECT n + 1 FROM c WHERE n < {tickets}) SELECT n FROM c"
    )
    for statement in HISTORY:
        db.execute(statement)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - start


def once(work: Path, server, name: str, mails: int, history: int = 0) -> dict:  # type: ignore[no-untyped-def]
    sink = Sink()
    try:
        common.fill(server, name, mails)
        cfg = common.write_config(work / name / "maild.toml", server, name, sink.port)
        filled = fill_history(cfg, history) if history else 0.0
        result = child("once", str(cfg))
    finally:
        delivered = sink.stop()
    result.update(mails=mails, delivered=delivered, filled=filled)
    return result


def line(label: str, r: dict) -> str:
    return (
        f"{label}: {r['mails'] / r['seconds']:.0f} customer mails/s ({r['mails']} in "
        f"{r['seconds']:.1f} s, {r['delivered']} delivered, {r['cpu']:.1f} CPU-s), "
        f"peak RSS {r['peak_rss_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", default="1000,5000,20000")
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--mails", type=int, default=2000)
    opts = parser.parse_args()
    work = common.workdir()
    server = common.dovecot(work)
    try:
        for n, waiting in enumerate(int(w) for w in opts.waiting.split(",") if w):
            print(line(f"waiting {waiting}", once(work, server, f"w{n}", waiting)), flush=True)
        if opts.history:
            empty = once(work, server, "empty", opts.mails)
            full = once(work, server, "full", opts.mails, opts.history)
            print(line(f"history 0, {opts.mails} mails", empty))
            print(
                line(f"history {opts.history} tickets ({full['filled']:.0f} s to fill)", full)
                + f"; ratio to the empty database {empty['seconds'] / full['seconds']:.2f}"
            )
        print("targets: the same mails/s whatever the size; peak RSS <= 150 MB")
    finally:
        server.stop()
        common.cleanup(work)


if __name__ == "__main__":
    main()
