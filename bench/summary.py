"""Time one manager's daily summary on a year of data.

  python bench/summary.py [--tickets 1000000] [--credits 100000] [--ratings 300000] [--pg URL]

Fills a fresh database (SQLite, and PostgreSQL when --pg or $MAILD_TEST_PG is
given and reachable) with 200 agents in 10 teams of 20, TICKETS tickets and
CREDITS credits spread over the year before the reported day (90% of tickets
solved, first responses within a day), then times building the summary
(every query and the computation, not the mail) for a manager of one team
(20 agents) and for a manager of all ten (200 agents). Each is timed 3 times;
the best and the worst are printed. Target: <= 2 s each. RATINGS (300,000)
answered surveys on solved tickets feed the 30-day latitude-against-outcome part.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # puts the project on sys.path; also used for the work folder

from maild import config
from maild.adapters.clock import ManualClock
from maild.bootstrap import build, prepare

DAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
AGENTS = [f"agent{i:03d}@acme.example" for i in range(200)]
TEAM = {a: f"t{i // 20}" for i, a in enumerate(AGENTS)}


def settings(state: Path, url: str | None) -> config.Settings:
    data = {
        "state_dir": str(state),
        "log_level": "WARNING",
        "support": {"address": "support@acme.example"},
        "intake": {"smtp": {"enabled": False}},
        "teams": [
            {"name": f"t{i}", "manager": "small@acme.example" if i == 0 else "big@acme.example"}
            for i in range(10)
        ],
        "agents": [{"email": a, "name": a.split("@")[0], "team": TEAM[a]} for a in AGENTS],
        "summary": {"timezone": "Europe/Berlin"},
    }
    if url:
        data["database"] = {"url": url}
    return config.parse(data, "bench")


def survey_rows(ticket_rows: list[tuple], ratings: int) -> list[tuple]:
    """Answered surveys on distinct solved tickets: mostly good, some bad."""
    rnd = random.Random(11)
    solved = [i for i, t in enumerate(ticket_rows, start=1) if t[10] is not None]
    out = []
    for ticket in rnd.sample(solved, min(ratings, len(solved))):
        t = ticket_rows[ticket - 1]
        answered = t[10] + timedelta(hours=rnd.randrange(1, 72))
        out.append(
            (ticket, t[2], t[5], f"<s{ticket}@x>", t[10], rnd.choice((1, 2, 4, 5, 5)), "", answered)
        )
    return out


SURVEY_COLS = "ticket_id, customer, agent, message_id, sent_at, score, comment, answered_at"


def rows(tickets: int, credits: int) -> tuple[list[tuple], list[tuple]]:
    rnd = random.Random(7)
    start = datetime.combine(DAY, datetime.min.time(), UTC) - timedelta(days=364)
    span = 365 * 86400
    ticket_rows = []
    for i in range(tickets):
        agent = rnd.choice(AGENTS)
        created = start + timedelta(seconds=rnd.randrange(span))
        first = created + timedelta(seconds=rnd.randrange(300, 86400))
        solved = rnd.random() < 0.9
        closed = created + timedelta(seconds=rnd.randrange(3600, 5 * 86400)) if solved else None
        ticket_rows.append(
            (
                "closed" if solved else "open",
                "normal",
                f"c{rnd.randrange(200000)}@example.com",
                "",
                f"Ticket {i}",
                agent,
                TEAM[agent],
                created,
                closed or first,
                first,
                closed,
            )
        )
    credit_rows = []
    for _ in range(credits):
        ticket = rnd.randrange(1, tickets + 1)
        t = ticket_rows[ticket - 1]
        credit_rows.append(
            (
                ticket,
                1,
                t[5],
                t[2],
                rnd.randrange(100, 5000),
                "USD",
                "bench",
                None,
                "<b@x>",
                "h",
                "{}",
                t[7] + timedelta(hours=2),
            )
        )
    return ticket_rows, credit_rows


TICKET_COLS = (
    "status, priority, customer, customer_name, subject, agent, team, created_at, updated_at,"
    " first_response_at, closed_at"
)
LEDGER_COLS = (
    "ticket_id, action_id, agent, customer, amount_cents, currency, reason, approved_by,"
    " message_id, content_hash, auth, created_at"
)


def load(app, ticket_rows: list[tuple], credit_rows: list[tuple], surveys: list[tuple]) -> None:
    engine = app.db.engine
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        pg = engine.dialect.name == "postgresql"
        # one inbound mail and one action for every ledger row to point at
        if pg:
            cur.execute(
                "INSERT INTO inbound (source, message_id, content_hash, subject, verdict, size,"
                " raw, received_at) VALUES ('bench', '<b@x>', 'h', '', 'staff', 0, %s, %s)",
                (b"", NOW),
            )
            cur.execute(
                "INSERT INTO action (inbound_id, actor, message_id, fingerprint, status, lines,"
                " auth, created_at, updated_at) VALUES (1, 'x', '<b@x>', 'f', 'applied', '[]',"
                " '{}', %s, %s)",
                (NOW, NOW),
            )
            with cur.copy(f"COPY ticket ({TICKET_COLS}) FROM STDIN") as copy:
                for r in ticket_rows:
                    copy.write_row(r)
            with cur.copy(f"COPY ledger ({LEDGER_COLS}) FROM STDIN") as copy:
                for r in credit_rows:
                    copy.write_row(r)
            with cur.copy(f"COPY survey ({SURVEY_COLS}) FROM STDIN") as copy:
                for r in surveys:
                    copy.write_row(r)
            raw.commit()
        else:
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.execute("BEGIN")

            def iso(r: tuple) -> tuple:
                # the format SQLAlchemy stores on SQLite: naive UTC with microseconds
                return tuple(
                    v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                    if isinstance(v, datetime)
                    else v
                    for v in r
                )

            cur.executemany(
                f"INSERT INTO ticket ({TICKET_COLS}) VALUES ({', '.join('?' * 11)})",
                (iso(r) for r in ticket_rows),
            )
            cur.executemany(
                f"INSERT INTO ledger ({LEDGER_COLS}) VALUES ({', '.join('?' * 12)})",
                (iso(r) for r in credit_rows),
            )
            cur.executemany(
                f"INSERT INTO survey ({SURVEY_COLS}) VALUES ({', '.join('?' * 8)})",
                (iso(r) for r in surveys),
            )
            cur.execute("COMMIT")
            cur.execute("ANALYZE")
    finally:
        raw.close()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def timed(app, manager: str) -> tuple[float, float, int]:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        with app.db.transaction() as store:
            built = app.summaries.build(store, manager, DAY, NOW)
        times.append(time.perf_counter() - start)
    return min(times), max(times), len(built.agents)


def run(label: str, url: str | None, tickets: int, credits: int, data) -> None:
    work = common.workdir()
    try:
        chosen = settings(work / "state", url)
        prepare(chosen)
        app = build(chosen, ManualClock(NOW))
        app.summaries.teams["big@acme.example"] = [f"t{i}" for i in range(10)]
        start = time.perf_counter()
        load(app, *data)
        print(
            f"{label}: loaded {tickets:,} tickets, {credits:,} credits, "
            f"{len(data[2]):,} ratings in {time.perf_counter() - start:.0f} s"
        )
        for manager in ("small@acme.example", "big@acme.example"):
            best, worst, agents = timed(app, manager)
            print(
                f"  summary for a manager of {agents} agents: best {best:.2f} s, "
                f"worst {worst:.2f} s (target <= 2 s)"
            )
        app.db.engine.dispose()
    finally:
        common.cleanup(work)


def pg_database(admin_url: str) -> str | None:
    import psycopg

    name = f"maild_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL: not reachable ({exc}); skipped")
        return None
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--credits", type=int, default=100_000)
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "MAILD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--ratings", type=int, default=300_000)
    parser.add_argument("--no-pg", action="store_true")
    opts = parser.parse_args()
    tickets, credits = rows(opts.tickets, opts.credits)
    data = (tickets, credits, survey_rows(tickets, opts.ratings))
    run("SQLite", None, opts.tickets, opts.credits, data)
    if not opts.no_pg:
        url = pg_database(opts.pg)
        if url:
            run("PostgreSQL", url, opts.tickets, opts.credits, data)


if __name__ == "__main__":
    main()
