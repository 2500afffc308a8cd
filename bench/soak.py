"""A million mails later, the same daemon? (issue 29, item 1)

  python bench/soak.py [--mails 100000] [--rate 50] [--sample-every N]
                       [--max-seconds S] [--csv soak.csv] [--png docs/soak.png]
  python bench/soak.py --plot soak.csv --png docs/soak.png   (a table and plot of a CSV,
                                                              a partial run's included)

Starts a private Dovecot, the SMTP sink of bench/sink.py in its own process (it
logs each mail's arrival, recipients and Message-ID), and `maild run` as its own
process, then APPENDs --mails mails (or for --max-seconds) at a steady --rate
(mails/s: 50 is ~40 % of what the daemon takes end to end on this 2-core
machine when it is quiet; 20 kept up at load 3-12), in small
MULTIAPPENDs every 50 ms, while everything is sent to the sink. The mix, in
every 20 mails: 14 customers' first mails (plain, HTML alternative, a 20 kB
attachment, a non-ASCII subject and name, in turn: bench/common's corpus), 3
customers' replies to their ticket, and 3 agents' replies to a ticket's
notification (to its Reply-To token address, as bench/latency.py's replies):
`#credit 5`, `#close`, `#priority high` and a plain answer in turn (a first
mail takes the place of an agent's reply while no notification is waiting).

Every --sample-every mails one row, to the CSV as it goes: the daemon's RSS,
open descriptors and threads (psutil, its child processes included), its CPU
share, the database's size per ticket, the interval's ingest rate (mails
written to the database per second), the backlog (appended, not yet
ingested), the interval's APPEND -> acknowledgement-at-the-sink p50/p99 (every
--tag-every-th first mail timed), and the machine's 1-minute load average (the
machine is shared: it explains dips).

The bench, not maild, rotates the mailbox: every --rotate-every mails (2,000)
it expunges what maild moved to Processed, so that Dovecot's Maildir of a
million files does not slow the run down (the bench measures maild, not
Dovecot). Expunging 10,000 files at once held maild's MOVE into that folder
for up to 25 s on a loaded machine: a spike in that interval's p99.

At the end it waits for the queue to drain, stops the daemon and counts:
mails appended against inbound rows, first mails against tickets and
acknowledgements (in the database and at the sink), the outbox against the
sink, and Message-IDs at the sink (none doubled). Targets (issue 29): RSS and
descriptors of the last tenth within 10 % of the second tenth; ingest rate of
the last tenth >= 0.95x the second tenth; p99 flat (last tenth within 1.5x the
second tenth, and under 2 s); nothing lost or doubled.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from tests.peers import free_port

N = "7777777"  # the number in a template mail, replaced by each mail's own
COMMANDS = (
    "#credit 5 USD late delivery\n\nHi, sorry for the wait: a $5 credit is on your account.",
    "#close\n\nHi, your parcel was delivered this morning, so I am closing this ticket.",
    "#priority high\n\nHi, I have asked the warehouse; I will write again today.",
    "Hi, your order left our warehouse yesterday; it should arrive tomorrow.",
)
OPENINGS_IN_20, REPLIES_IN_20 = 14, 3  # and 3 agents' replies
COLUMNS = (
    "mails", "seconds", "rss_mb", "fds", "threads", "cpu_pct", "db_mb", "tickets",
    "db_kb_per_ticket", "ingest_per_s", "sent_per_s", "backlog", "p50_ms", "p99_ms",
    "timed", "load1",
)  # fmt: skip


def templates() -> dict[str, bytes]:
    """One mail of each opening kind for customer N, to fill with each mail's number."""
    return {kind: common.customer_mail(int(N), kind) for kind in common.OPENING}


def message_id(n: int) -> str:
    return f"<soak-{n}@example.com>"


def customer_reply(k: int, i: int) -> bytes:
    """Customer k's reply to their own first mail (threaded by In-Reply-To)."""
    msg = EmailMessage()
    msg["From"] = f"Customer {k} <customer{k}@example.com>"
    msg["To"] = "support@acme.example"
    msg["Subject"] = f"Re: Order {k} has not arrived"
    msg["Message-ID"] = f"<soak-re-{i}@example.com>"
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    msg["In-Reply-To"] = msg["References"] = message_id(k)
    msg.set_content("Any news? It is still not here.\n\n> my order has not arrived yet.\n")
    return msg.as_bytes()


def agent_reply(notice: Notice, n: int) -> bytes:
    """Dana's answer to a notification: to its Reply-To, a command block or not."""
    msg = EmailMessage()
    msg["From"] = "Dana Agent <dana@acme.example>"
    msg["To"] = notice.reply_to
    msg["Subject"] = f"Re: {notice.subject}"
    msg["Message-ID"] = f"<soak-agent-{n}@acme.example>"
    msg["Date"] = "Mon, 23 Nov 2026 11:00:00 +0000"
    msg["In-Reply-To"] = msg["References"] = notice.message_id
    text = COMMANDS[n % len(COMMANDS)]
    msg.set_content(
        f"{text}\n\nDana\n\nOn Mon, 23 Nov 2026 at 09:00, Acme Support wrote:\n"
        "> A new ticket from a customer.\n"
    )
    return msg.as_bytes()


@dataclass
class Notice:
    ticket: str
    message_id: str
    reply_to: str
    subject: str


@dataclass
class Mix:
    """The mails in order; counts what it made."""

    made: dict[str, int] = field(default_factory=dict)
    notices: deque[Notice] = field(default_factory=deque)
    kinds: dict[str, bytes] = field(default_factory=templates)
    openings: int = 0  # customer numbers handed out

    def next(self, i: int) -> tuple[str, int, bytes]:
        slot = i % 20
        if slot >= OPENINGS_IN_20 + REPLIES_IN_20 and self.notices:
            n = self.made.get("agent", 0)
            return self._count("agent", n, agent_reply(self.notices.popleft(), n))
        if OPENINGS_IN_20 <= slot < OPENINGS_IN_20 + REPLIES_IN_20 and self.openings > 100:
            k = self.openings - 50 - 7 * (slot - OPENINGS_IN_20)  # a ticket opened earlier
            return self._count("reply", k, customer_reply(k, i))
        k = self.openings
        self.openings += 1
        raw = self.kinds[common.OPENING[k % len(common.OPENING)]]
        raw = raw.replace(f"bench-{N}-{os.getpid()}".encode(), f"soak-{k}".encode())
        return self._count("opening", k, raw.replace(N.encode(), str(k).encode()))

    def _count(self, kind: str, n: int, raw: bytes) -> tuple[str, int, bytes]:
        self.made[kind] = self.made.get(kind, 0) + 1
        if kind == "agent":
            self.made[f"agent {COMMANDS[n % len(COMMANDS)].split()[0]}"] = (
                self.made.get(f"agent {COMMANDS[n % len(COMMANDS)].split()[0]}", 0) + 1
            )
        return kind, n, raw


class SinkLog:
    """Reads the sink's log as it grows: acknowledgement times, Dana's notifications."""

    CUSTOMER = re.compile(r"customer(\d+)@example\.com")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = open(path, "a+")  # noqa: SIM115
        self.handle.seek(0)
        self.lines = 0
        self.rest = ""
        self.seen_tickets: set[str] = set()

    def poll(self, mix: Mix, timed: dict[int, float], latencies: list[float]) -> None:
        chunk = self.rest + self.handle.read()
        *complete, self.rest = chunk.split("\n")
        for line in complete:
            self.lines += 1
            at, rcpts, mid, ticket, reply_to, subject = line.split("\t")
            if rcpts == "dana@acme.example":
                if ticket and ticket not in self.seen_tickets:
                    self.seen_tickets.add(ticket)
                    mix.notices.append(Notice(ticket, mid, reply_to, subject))
                continue
            match = self.CUSTOMER.search(rcpts)
            if match and int(match.group(1)) in timed:
                latencies.append(float(at) - timed.pop(int(match.group(1))))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return [proc]


@dataclass
class Sampler:
    daemon: psutil.Process
    db_path: Path
    writer: csv.writer  # type: ignore[valid-type]
    started: float
    last_at: float = 0.0
    last_ingested: int = 0
    last_sent: int = 0
    last_cpu: float = 0.0
    rows: list[dict[str, float]] = field(default_factory=list)

    def counts(self) -> tuple[int, int]:
        db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        try:
            inbound = db.execute("SELECT count(*) FROM inbound").fetchone()[0]
            tickets = db.execute("SELECT max(id) FROM ticket").fetchone()[0] or 0
        finally:
            db.close()
        return inbound, tickets

    def sample(self, mails: int, sent: int, latencies: list[float]) -> dict[str, float]:
        now = time.monotonic()
        procs = tree(self.daemon)
        rss = sum(p.memory_info().rss for p in procs) / 2**20
        fds = sum(p.num_fds() for p in procs)
        threads = sum(p.num_threads() for p in procs)
        cpu = sum(sum(p.cpu_times()[:2]) for p in procs)
        ingested, tickets = self.counts()
        size = sum(
            os.path.getsize(p) for p in (self.db_path, *self._sidecars()) if os.path.exists(p)
        )
        span = max(now - (self.last_at or self.started), 1e-9)
        row = {
            "mails": mails,
            "seconds": round(now - self.started, 1),
            "rss_mb": round(rss, 1),
            "fds": fds,
            "threads": threads,
            "cpu_pct": round(100 * (cpu - self.last_cpu) / span, 1),
            "db_mb": round(size / 2**20, 1),
            "tickets": tickets,
            "db_kb_per_ticket": round(size / 1024 / max(tickets, 1), 2),
            "ingest_per_s": round((ingested - self.last_ingested) / span, 1),
            "sent_per_s": round((sent - self.last_sent) / span, 1),
            "backlog": mails - (ingested - 1),  # the warm-up mail is not counted in `mails`
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 0),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 0),
            "timed": len(latencies),
            "load1": round(os.getloadavg()[0], 2),
        }
        self.last_at, self.last_ingested, self.last_sent, self.last_cpu = now, ingested, sent, cpu
        self.writer.writerow([row[c] for c in COLUMNS])
        self.rows.append(row)
        return row

    def _sidecars(self) -> tuple[Path, Path]:
        return (Path(f"{self.db_path}-wal"), Path(f"{self.db_path}-shm"))


def rotate(server, user: str) -> int:  # type: ignore[no-untyped-def]
    """Expunge what maild has moved to Processed (done mail): Dovecot stays small."""
    client = server.client(user)
    try:
        if not client.folder_exists("Processed"):
            return 0
        client.select_folder("Processed")
        uids = client.search(["ALL"])
        if uids:
            client.delete_messages(uids)
            client.expunge()
        return len(uids)
    finally:
        client.logout()


def config(work: Path, server, user: str, port: int) -> Path:  # type: ignore[no-untyped-def]
    cfg = common.write_config(work / "maild.toml", server, user, smtp_port=port)
    text = cfg.read_text().replace(
        "acks_per_hour = 1000000\n",
        # Dana credits $5 on one ticket in twenty: her day's budget is the bench's.
        "acks_per_hour = 1000000\ncredit_per_day = 999999999\ncredit_per_month = 999999999\n",
    )
    cfg.write_text(text)
    return cfg


def run(opts: argparse.Namespace) -> tuple[list[dict[str, float]], dict[str, int]]:
    work = common.workdir()
    server = common.dovecot(work)
    port = free_port()
    sink_log = work / "sink.log"
    sink = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("sink.py")), str(port), str(sink_log)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    user = "soak"
    cfg = config(work, server, user, port)
    with open(work / "maild.log", "ab") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "maild", "--config", str(cfg), "run"],
            cwd=common.ROOT,
            env={**os.environ, "PYTHONPATH": str(common.ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    print(f"work folder {work} (maild.log, sink.log); daemon pid {daemon.pid}", flush=True)
    client = server.client(user)
    try:
        rows, made = feed(opts, work, server, client, daemon, sink_log)
        counts = finish(work, server, user, daemon, sink, sink_log, made)
    finally:
        client.logout()
        if daemon.poll() is None:
            daemon.terminate()
            daemon.wait(timeout=60)
        if sink.poll() is None:
            sink.terminate()
            sink.communicate(timeout=60)
        server.stop()
        if not opts.keep:
            common.cleanup(work)
    return rows, counts


def feed(opts, work, server, client, daemon, sink_log):  # type: ignore[no-untyped-def]
    """APPEND at the steady rate; a sample row every --sample-every mails."""
    log = SinkLog(sink_log)
    mix = Mix()
    timed: dict[int, float] = {}
    latencies: list[float] = []
    warm = common.customer_mail(10**8, "plain")
    client.append("INBOX", warm)
    deadline = time.monotonic() + 120
    while log.lines < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        log.poll(mix, timed, latencies)
    if log.lines < 2:
        raise SystemExit("maild did not answer the warm-up mail within 120 s")
    mix.notices.clear()
    handle = open(opts.csv, "w", newline="")  # noqa: SIM115
    writer = csv.writer(handle)
    writer.writerow(COLUMNS)
    handle.flush()
    started = time.monotonic()
    sampler = Sampler(psutil.Process(daemon.pid), work / "state" / "maild.db", writer, started)
    sampler.last_ingested = 1
    sent = 0
    stop_at = started + opts.max_seconds if opts.max_seconds else float("inf")
    while sent < opts.mails and time.monotonic() < stop_at:
        if daemon.poll() is not None:
            raise SystemExit(f"maild exited with {daemon.returncode}: see {work}/maild.log")
        due = min(opts.mails, int((time.monotonic() - started) * opts.rate) + 1)
        if due <= sent:
            time.sleep(0.05)
            log.poll(mix, timed, latencies)
            continue
        batch = []
        for i in range(sent, min(due, sent + 500)):
            kind, n, raw = mix.next(i)
            batch.append(raw)
            if kind == "opening" and n % opts.tag_every == 0:
                timed[n] = time.monotonic()
        client.multiappend("INBOX", batch)
        before, sent = sent, sent + len(batch)
        if sent // opts.rotate_every > before // opts.rotate_every:
            rotate(server, "soak")
        if sent // opts.sample_every > before // opts.sample_every:
            log.poll(mix, timed, latencies)
            row = sampler.sample(sent, log.lines - 2, latencies)
            handle.flush()
            latencies.clear()
            print(line(row), flush=True)
    handle.close()
    used = sum(os.times()[:2])
    print(f"the bench itself: {used:.0f} CPU-s in {time.monotonic() - started:.0f} s", flush=True)
    return sampler.rows, mix.made


def finish(work, server, user, daemon, sink, sink_log, made):  # type: ignore[no-untyped-def]
    """Wait for the queue to drain, stop, and count: nothing lost or doubled."""
    db_path = work / "state" / "maild.db"
    appended = sum(v for k, v in made.items() if k in ("opening", "reply", "agent")) + 1
    deadline = time.monotonic() + 900
    stable, last = 0, -1
    while time.monotonic() < deadline and stable < 5:
        time.sleep(1)
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
        inbound = db.execute("SELECT count(*) FROM inbound").fetchone()[0]
        queued = db.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0]
        db.close()
        with open(sink_log) as log:
            lines = sum(1 for _ in log)
        done = inbound >= appended and queued == 0 and lines == last
        stable = stable + 1 if done else 0
        last = lines
    daemon.terminate()
    daemon.wait(timeout=60)
    sink.terminate()
    sink_count = int(sink.communicate(timeout=60)[0].strip().splitlines()[-1])
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    counts = {"appended": appended, **{f"made {k}": v for k, v in sorted(made.items())}}
    counts["inbound rows"] = db.execute("SELECT count(*) FROM inbound").fetchone()[0]
    counts["tickets"] = db.execute("SELECT count(*) FROM ticket").fetchone()[0]
    for template, status, number in db.execute(
        "SELECT template, status, count(*) FROM outbox GROUP BY template, status ORDER BY 1"
    ):
        counts[f"outbox {template} {status}"] = number
    counts["outbox rows"] = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    counts["ledger rows (credits)"] = db.execute("SELECT count(*) FROM ledger").fetchone()[0]
    counts["closed tickets"] = db.execute(
        "SELECT count(*) FROM ticket WHERE status = 'closed'"
    ).fetchone()[0]
    db.close()
    counts["sink mails"] = sink_count
    counts.update(sink_counts(sink_log))
    client = server.client(user)
    try:
        for folder in ("INBOX", "Quarantine"):
            if client.folder_exists(folder):
                counts[f"left in {folder}"] = client.select_folder(folder)[b"EXISTS"]
    finally:
        client.logout()
    return counts


def sink_counts(path: Path) -> dict[str, int]:
    """Mails at the sink: to customers (distinct customers), to Dana, doubled Message-IDs."""
    ids: set[int] = set()
    doubled = customers = agent = 0
    distinct: set[str] = set()
    with open(path) as log:
        for text in log:
            _, rcpts, mid, *_ = text.split("\t")
            key = hash(mid)
            if key in ids:
                doubled += 1
            ids.add(key)
            if rcpts == "dana@acme.example":
                agent += 1
            elif "customer" in rcpts:
                customers += 1
                distinct.add(rcpts)
    return {
        "sink to customers": customers,
        "sink distinct customers": len(distinct),
        "sink to Dana": agent,
        "sink Message-IDs doubled": doubled,
    }


def line(row: dict[str, float]) -> str:
    return (
        f"{row['mails']:>9,} mails {row['seconds']:>8.0f} s  RSS {row['rss_mb']:>6.1f} MB  "
        f"fds {row['fds']:>4}  threads {row['threads']:>3}  CPU {row['cpu_pct']:>5.1f} %  "
        f"db {row['db_kb_per_ticket']:>6.2f} kB/ticket  ingest {row['ingest_per_s']:>6.1f}/s  "
        f"backlog {row['backlog']:>6}  p50 {row['p50_ms']:>5.0f} ms  p99 {row['p99_ms']:>5.0f} ms  "
        f"load {row['load1']:.2f}"
    )


def read_csv(path: str) -> list[dict[str, float]]:
    with open(path) as handle:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def tenth(rows: list[dict[str, float]], k: int) -> list[dict[str, float]]:
    """The rows of the k-th tenth (1-based) of the run."""
    size = len(rows) / 10
    return rows[round(size * (k - 1)) : max(round(size * k), round(size * (k - 1)) + 1)]


def mean(rows: list[dict[str, float]], column: str) -> float:
    values = [r[column] for r in rows if r[column] == r[column]]  # NaN-free
    return sum(values) / len(values) if values else float("nan")


def verdict(rows: list[dict[str, float]]) -> list[str]:
    if len(rows) < 10:
        return ["fewer than 10 samples: no tenths to compare"]
    second, last = tenth(rows, 2), tenth(rows, 10)
    out = []
    for column, label, ok in (
        ("rss_mb", "RSS MB", lambda a, b: b <= 1.10 * a),
        ("fds", "open fds", lambda a, b: b <= 1.10 * a),
        ("ingest_per_s", "ingest/s", lambda a, b: b >= 0.95 * a),
        ("p99_ms", "p99 ms", lambda a, b: b <= max(1.5 * a, a + 100) and b <= 2000),
    ):
        a, b = mean(second, column), mean(last, column)
        target = {
            "rss_mb": "last <= 1.10x second",
            "fds": "last <= 1.10x second",
            "ingest_per_s": "last >= 0.95x second",
            "p99_ms": "last <= 1.5x second, <= 2000",
        }[column]
        out.append(
            f"{label:>9}: second tenth {a:8.1f}, last tenth {b:8.1f} "
            f"(x{b / a if a else float('nan'):.2f}; target {target}): "
            f"{'ok' if ok(a, b) else 'MISSED'}"
        )
    return out


def table(rows: list[dict[str, float]], every: int = 1) -> None:
    print(
        f"{'mails':>9} {'s':>7} {'RSS MB':>7} {'fds':>4} {'thr':>4} {'CPU%':>6} "
        f"{'kB/tkt':>7} {'in/s':>6} {'backlog':>7} {'p50 ms':>6} {'p99 ms':>6} {'load1':>5}"
    )
    for i, r in enumerate(rows):
        if i % every and i != len(rows) - 1:
            continue
        print(
            f"{r['mails']:>9,.0f} {r['seconds']:>7.0f} {r['rss_mb']:>7.1f} {r['fds']:>4.0f} "
            f"{r['threads']:>4.0f} {r['cpu_pct']:>6.1f} {r['db_kb_per_ticket']:>7.2f} "
            f"{r['ingest_per_s']:>6.1f} {r['backlog']:>7.0f} {r['p50_ms']:>6.0f} "
            f"{r['p99_ms']:>6.0f} {r['load1']:>5.2f}"
        )


def plot(rows: list[dict[str, float]], png: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["mails"] / 1000 for r in rows]
    panels = (
        (("rss_mb", "daemon RSS (MB)"),),
        (("fds", "open fds"), ("threads", "threads")),
        (("ingest_per_s", "ingested mails/s"),),
        (("p50_ms", "APPEND -> ack p50 (ms)"), ("p99_ms", "APPEND -> ack p99 (ms)")),
        (("db_kb_per_ticket", "database kB per ticket"),),
    )
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 11), sharex=True)
    for ax, series in zip(axes, panels, strict=True):
        for column, label in series:
            ax.plot(x, [r[column] for r in rows], marker=".", label=label)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", fontsize=8)
    load = axes[2].twinx()  # the shared machine's load explains the dips
    load.plot(x, [r["load1"] for r in rows], color="grey", alpha=0.6, label="load average, 1 min")
    load.set_ylim(bottom=0)
    load.legend(loc="lower right", fontsize=8)
    axes[-1].set_xlabel("thousand mails appended")
    axes[0].set_title(title)
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    print(f"plot: {png}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=50.0, help="mails APPENDed per second")
    parser.add_argument(
        "--sample-every", type=int, default=0, help="default: a fiftieth of --mails, <= 10,000"
    )
    parser.add_argument("--tag-every", type=int, default=5, help="time every nth first mail")
    parser.add_argument("--rotate-every", type=int, default=2_000)
    parser.add_argument("--csv", default="soak.csv")
    parser.add_argument("--png", default=None, help="e.g. docs/soak.png")
    parser.add_argument("--plot", default=None, help="only the table and plot of this CSV")
    parser.add_argument(
        "--max-seconds", type=float, default=0, help="stop APPENDing after this long, then count"
    )
    parser.add_argument("--upto", type=int, default=0, help="with --plot: the rows up to N mails")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    opts = parser.parse_args()
    opts.sample_every = opts.sample_every or min(10_000, max(100, opts.mails // 50))
    if opts.plot:
        rows, counts = read_csv(opts.plot), {}
        rows = [r for r in rows if not opts.upto or r["mails"] <= opts.upto]
    else:
        rows, counts = run(opts)
    print(f"\n{len(rows)} samples, every {opts.sample_every:,} mails at {opts.rate:g} mails/s:")
    table(rows, max(1, len(rows) // 25))
    print("\ntargets (issue 29), last tenth of the run against the second:")
    for text in verdict(rows):
        print("  " + text)
    if counts:
        print("\ncounts at the end (nothing lost or doubled):")
        for key, value in counts.items():
            print(f"  {key:<40} {value:>10,}")
        print("  " + "; ".join(checks(counts)))
    if opts.png and rows:
        plot(rows, opts.png, f"maild soak: {rows[-1]['mails']:,.0f} mails at {opts.rate:g}/s")


def checks(c: dict[str, int]) -> list[str]:
    """The end's verdicts: each line says what was compared."""
    opened = c.get("made opening", 0) + 1  # and the warm-up mail
    acks = sum(v for k, v in c.items() if k.startswith("outbox customer/ack"))
    sent = sum(v for k, v in c.items() if k.startswith("outbox ") and k.endswith(" sent"))
    return [
        f"inbound rows {c['inbound rows']} = appended {c['appended']}: "
        f"{'ok' if c['inbound rows'] == c['appended'] else 'MISSED'}",
        f"tickets {c['tickets']} = first mails {opened}: "
        f"{'ok' if c['tickets'] == opened else 'MISSED'}",
        f"acknowledgements {acks} = first mails: {'ok' if acks == opened else 'MISSED'}",
        f"customers reached at the sink {c['sink distinct customers']} = first mails: "
        f"{'ok' if c['sink distinct customers'] == opened else 'MISSED'}",
        f"sink {c['sink mails']} = outbox sent {sent} = outbox rows {c['outbox rows']}: "
        f"{'ok' if c['sink mails'] == sent == c['outbox rows'] else 'MISSED'}",
        f"Message-IDs doubled at the sink {c['sink Message-IDs doubled']}: "
        f"{'ok' if c['sink Message-IDs doubled'] == 0 else 'MISSED'}",
        f"left in INBOX {c.get('left in INBOX', 0)}, Quarantine {c.get('left in Quarantine', 0)}",
    ]


if __name__ == "__main__":
    main()
