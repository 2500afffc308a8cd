"""Time the desk in the inbox on a generated database, beside a bare SELECT floor.

  python bench/desk.py [--tickets 1000000] [--no-pg] [--pg URL]

Fills a fresh database (SQLite, then PostgreSQL when reachable) with TICKETS
tickets of 200 agents in 10 teams (90% closed), one customer message each
(about 40 words from a pool of 20,000, some English and German words planted at
known rates), 200 open tickets for the agent whose queue is timed and 50 open
ones of their team that nobody has taken; customers write 5 times on average.
Then times, best and worst of 5:

  #queue     the agent's queue built (targets, links) and rendered to bytes;
             floor: SELECT of the same tickets (agent, not closed) by a bare query
  #find      a full-text search (the 25 newest of the agent's team, with the count);
             floor: SELECT of those 25 rows by id
  history    the customer's history line of a new ticket;
             floor: SELECT of the customer's ticket ids

The target is <= 200 ms each. The machine may be shared: compare with the floor
printed beside it, from the same run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from sqlalchemy import text
from summary import pg_database

from maild import config
from maild.adapters.clock import ManualClock
from maild.adapters.db.store.desk_views import Scope
from maild.bootstrap import build, prepare
from maild.core import desk, notices
from maild.core.model import Person, Role
from maild.services.customers import customer_history

search = importlib.import_module("maild.adapters.db.migrations.versions.0016_search")

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
AGENTS = [f"agent{i:03d}@acme.example" for i in range(200)]
TEAM = {a: f"t{i // 20}" for i, a in enumerate(AGENTS)}
READER = AGENTS[0]
PLANTED = {"kettle": 0.01, "refund": 0.02, "rechnung": 0.001, "zahlungserinnerung": 0.00002}
FINDS = ("rechnung", "kettle refund", "zahlungserinnerung", "refu*")


def settings(state: Path, url: str | None) -> config.Settings:
    data = {
        "state_dir": str(state),
        "log_level": "WARNING",
        "support": {"address": "support@acme.example"},
        "intake": {"smtp": {"enabled": False}},
        "teams": [{"name": f"t{i}"} for i in range(10)],
        "agents": [{"email": a, "name": a.split("@")[0], "team": TEAM[a]} for a in AGENTS],
        "targets": {"first_response": {"normal": "4h"}, "next_response": {"normal": "1d"}},
    }
    if url:
        data["database"] = {"url": url}
    return config.parse(data, "bench")


def rows(tickets: int) -> tuple[list[tuple], list[tuple]]:
    rnd = random.Random(5)
    pool = [f"w{rnd.randrange(10**9):x}" for _ in range(20_000)]
    customers = max(1, tickets // 5)
    ticket_rows, message_rows = [], []
    for i in range(1, tickets + 1):
        mine = i > tickets - 200  # the newest 200: the reader's open ones
        nobodys = tickets - 250 < i <= tickets - 200  # 50 more: open, nobody's yet
        agent = READER if mine else None if nobodys else rnd.choice(AGENTS[1:])
        created = NOW - timedelta(seconds=rnd.randrange(365 * 86400) if not mine else i % 7200)
        closed = None if mine or nobodys or rnd.random() >= 0.9 else created + timedelta(hours=5)
        words = rnd.choices(pool, k=40)
        for word, rate in PLANTED.items():
            if rnd.random() < rate:
                words[rnd.randrange(40)] = word
        customer = f"c{rnd.randrange(customers)}@example.com"
        ticket_rows.append(
            ("closed" if closed else "open", "normal", customer, "Sam", f"Ticket {i}", agent,
             TEAM[agent or READER], created, closed or created, None, closed,
             None if closed else created)
        )  # fmt: skip
        message_rows.append((i, "customer", customer, f"Ticket {i}", " ".join(words), created))
    return ticket_rows, message_rows


TICKET_COLS = (
    "status, priority, customer, customer_name, subject, agent, team, created_at, updated_at,"
    " first_response_at, closed_at, awaiting_since"
)
MESSAGE_COLS = (
    "ticket_id, kind, author, subject, text, created_at, direction, author_name, text_source"
)


SEARCH_INDEXES = [
    f"CREATE INDEX ix_ticket_search ON ticket USING gin ({search.TICKET_TSV})",
    f"CREATE INDEX ix_message_search ON message USING gin ({search.MESSAGE_TSV})",
]


def load(app, ticket_rows: list[tuple], message_rows: list[tuple]) -> None:
    engine = app.db.engine
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            # the search indexes are built after the load (faster than row by row)
            cur.execute("DROP INDEX ix_ticket_search")
            cur.execute("DROP INDEX ix_message_search")
            with cur.copy(f"COPY ticket ({TICKET_COLS}) FROM STDIN") as copy:
                for r in ticket_rows:
                    copy.write_row(r)
            with cur.copy(f"COPY message ({MESSAGE_COLS}, notes) FROM STDIN") as copy:
                for r in message_rows:
                    copy.write_row((*r, "in", "", "plain", "[]"))
            cur.execute("SET maintenance_work_mem = '256MB'")
            for statement in SEARCH_INDEXES:
                cur.execute(statement)
            raw.commit()
        else:
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.execute("BEGIN")

            def iso(r: tuple) -> tuple:
                return tuple(
                    v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                    if isinstance(v, datetime)
                    else v
                    for v in r
                )

            cur.executemany(
                f"INSERT INTO ticket ({TICKET_COLS}) VALUES ({', '.join('?' * 12)})",
                (iso(r) for r in ticket_rows),
            )  # the triggers fill the search index as ingest would
            cur.executemany(
                f"INSERT INTO message ({MESSAGE_COLS}, notes) VALUES ({', '.join('?' * 10)})",
                ((*iso(r), "in", "", "plain", "[]") for r in message_rows),
            )
            cur.execute("COMMIT")
            cur.execute("ANALYZE")
    finally:
        raw.close()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def best_worst(work: Callable[[], object], rounds: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times) * 1000, max(times) * 1000


def show(label: str, measured: tuple[float, float], floor: tuple[float, float]) -> None:
    print(
        f"  {label:<34} best {measured[0]:7.1f} ms, worst {measured[1]:7.1f} ms"
        f"   | floor best {floor[0]:6.1f} ms, worst {floor[1]:6.1f} ms  (target <= 200 ms)"
    )


def measure(app, tickets: int) -> None:
    views = app.ingest.desk.views
    reader = Person(READER, "Agent 0", Role.AGENT, TEAM[READER])
    scope = Scope(READER, (TEAM[READER],))

    def queue() -> None:
        with app.db.transaction() as store:
            view = views.queue_view(store, reader, NOW, digest=False)
            out = notices.notice("agent/queue", reader, 0, "bench", views.addressing, view)
            app.ingest.queue.renderer.render(out, NOW)

    def queue_floor() -> None:
        with app.db.transaction() as store:
            store.session.execute(
                text(
                    "SELECT * FROM ticket WHERE agent = :a AND closed_at IS NULL "
                    "UNION ALL SELECT * FROM ticket WHERE agent IS NULL AND closed_at IS NULL "
                    "AND team = :t"
                ),
                {"a": READER, "t": TEAM[READER]},
            ).all()

    with app.db.transaction() as store:
        count = len(store.desk_tickets(scope, False))
    show(f"#queue ({count} tickets, rendered)", best_worst(queue), best_worst(queue_floor))
    for words in FINDS:
        found: list[int] = []

        def find(words: str = words, found: list[int] = found) -> None:
            with app.db.transaction() as store:
                page = store.search(desk.search_words(words), scope, desk.FOUND_MAX)
                found[:] = [t.id for t in page.tickets] + [page.count]

        def find_floor(found: list[int] = found) -> None:
            with app.db.transaction() as store:
                ids = found[:-1] or [0]
                listed = ", ".join(str(int(i)) for i in ids)
                store.session.execute(text(f"SELECT * FROM ticket WHERE id IN ({listed})")).all()

        measured = best_worst(find)
        show(
            f"#find {words} ({desk.count_shown(found[-1])} hits)", measured, best_worst(find_floor)
        )
    rnd = random.Random(3)
    customers = [f"c{rnd.randrange(max(1, tickets // 5))}@example.com" for _ in range(5)]
    state = iter(customers * 2)

    def history() -> None:
        with app.db.transaction() as store:
            customer_history(store, next(state), "Sam", tickets + 1, NOW)

    state_floor = iter(customers * 2)

    def history_floor() -> None:
        with app.db.transaction() as store:
            store.session.execute(
                text("SELECT id FROM ticket WHERE customer = :c"), {"c": next(state_floor)}
            ).all()

    show("history line (a known customer)", best_worst(history), best_worst(history_floor))


def run(label: str, url: str | None, tickets: int, data: tuple[list, list]) -> None:
    work = common.workdir()
    try:
        chosen = settings(work / "state", url)
        prepare(chosen)
        app = build(chosen, ManualClock(NOW))
        start = time.perf_counter()
        load(app, *data)
        took = time.perf_counter() - start
        print(f"{label}: loaded {tickets:,} tickets and messages in {took:.0f} s")
        measure(app, tickets)
        app.db.engine.dispose()
    finally:
        common.cleanup(work)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "MAILD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    opts = parser.parse_args()
    data = rows(opts.tickets)
    if not opts.no_sqlite:
        run("SQLite", None, opts.tickets, data)
    if not opts.no_pg:
        url = pg_database(opts.pg)
        if url:
            try:
                run("PostgreSQL", url, opts.tickets, data)
            finally:
                drop(opts.pg, url)


def drop(admin_url: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
