"""Mail in to mail out, against the naive floors, in one run.

  python bench/pipeline.py [--mails 5000] [--postgres URL] [--peer roundup]

Every figure here is measured in this run, on the same generated mails (the mix
of bench/common.py: plain, HTML alternatives, attachments, replies, encoded
subjects) and the same SMTP sink (its own process, bench/sink.py), each part
in its own process (its own peak RSS):

  sender   maild's outbox sender alone on the queued mails of N customer mails
           vs smtplib sending the same bytes on one kept connection
           (maild's pattern: one connection while there is mail)
  ingest   the naive ingest floor (imapclient fetch 200 at a time, `email`
           parse, one insert and commit per mail, MOVE per batch) vs maild
           taking the same mails (tickets, acks and notices queued)
  daemon   `maild run` started on the same number of waiting mails: seconds
           until all are tickets (its sender delivering meanwhile) vs the
           ingest floor, then the time from SIGTERM to exit
  in->out  `maild run --once` over N waiting mails, every ack and notice
           delivered, vs the combined floor: the ingest floor plus smtplib for
           the same number of outgoing mails
  files    one customer mail with a 25 MB file, notified to ten staff: the
           sender's peak RSS (files are streamed from the database, never held)
  deadrelay `maild run` for a minute with 10,000 mails queued and nothing
           listening on the relay's port: its CPU seconds in that minute
  postgres with --postgres URL: maild's ingest on PostgreSQL vs SQLite

Targets (issue 12): sender >= 0.8x smtplib; ingest >= 1.0x the floor;
daemon >= 1.0x the floor, stopping <= 10 s; in->out >= 0.6x the combined floor;
dead relay < 1 CPU-s a minute; PostgreSQL >= 0.9x SQLite. With --peer roundup,
Roundup's mail gateway takes the same mails from the same Dovecot
(bench/roundup.py): maild >= 50x.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import smtplib
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
import ingest as ingest_bench
import roundup

from tests.peers import free_port


def _settings(cfg: str):  # type: ignore[no-untyped-def]
    from maild import config

    return config.load(cfg)[0]


def part_queue(cfg: str) -> dict:
    """Take N customer mails in (the sink away): their acks and notices queue."""
    from sqlmodel import func, select

    from maild.adapters.db.models import Outbox
    from maild.bootstrap import build, prepare
    from maild.daemon import drain_mailbox, open_mailbox

    settings = _settings(cfg)
    prepare(settings)
    app = build(settings)
    with open_mailbox(settings.mailboxes[0], 0) as mailbox:
        drain_mailbox(app, mailbox)
    with app.db.transaction() as store:
        queued = store.session.exec(select(func.count()).select_from(Outbox)).one()
    return {"queued": queued}


def part_sender(cfg: str) -> dict:
    """maild's sender alone on the queue, in a process of its own as `maild run`'s is."""
    from maild.bootstrap import build

    app = build(_settings(cfg))
    start, cpu = time.perf_counter(), time.process_time()
    sent = app.sender.drain()
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "mails": sent}


def part_smtplib(port: str, raws_file: str) -> dict:
    """The floor: the same bytes, smtplib, one connection."""
    raws = json.loads(Path(raws_file).read_text())
    start, cpu = time.perf_counter(), time.process_time()
    conn = smtplib.SMTP("127.0.0.1", int(port), timeout=30)
    for item in raws:
        conn.sendmail(item["from"], item["to"], item["raw"].encode("latin-1"))
    conn.quit()
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "mails": len(raws),
    }


def part_dump(cfg: str, out: str) -> dict:
    """The outbox's bytes as they go on the wire (files streamed in), for the smtplib
    floor to send the very same mails."""
    from maild.adapters.db.models import Outbox
    from maild.adapters.outgoing import Streamed
    from maild.bootstrap import build

    app = build(_settings(cfg))
    with app.db.transaction() as store:
        rows = store.session.query(Outbox).all()
    raws = [
        {
            "from": r.envelope_from,
            "to": r.recipients,
            "raw": (
                Streamed(r.raw, r.files, app.sender._blob).whole() if r.files else r.raw
            ).decode("latin-1"),
        }
        for r in rows
    ]
    Path(out).write_text(json.dumps(raws))
    return {"mails": len(raws)}


def part_once(cfg: str) -> dict:
    from maild.bootstrap import build, prepare
    from maild.daemon import run_once

    settings = _settings(cfg)
    prepare(settings)
    app = build(settings)
    start, cpu = time.perf_counter(), time.process_time()
    status = run_once(app)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "status": status,
    }


def part_ingest(cfg: str) -> dict:
    return ingest_bench.maild(cfg)


def part_floor(port: str, user: str, password: str, db: str) -> dict:
    return ingest_bench.floor(int(port), user, password, db, move=True)


def part_bigfile_in(cfg: str, megabytes: str) -> dict:
    """One customer mail with a file of `megabytes` MB, taken in: ten staff notices."""
    from maild.bootstrap import build, prepare
    from maild.core.intake import RawMail
    from tests.conftest import mail

    settings = _settings(cfg)
    prepare(settings)
    app = build(settings)
    data = os.urandom(int(float(megabytes) * 1_000_000))
    raw = mail(subject="big file", attachments=(("capture.bin", "application/octet-stream", data),))
    start = time.perf_counter()
    [outcome] = app.ingest([RawMail(raw)])
    return {"seconds": time.perf_counter() - start, "verdict": outcome.verdict}


def part_bigfile_out(cfg: str) -> dict:
    """maild's sender alone on those notices: its peak RSS before and after sending."""
    from maild.bootstrap import build

    app = build(_settings(cfg))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, cpu = time.perf_counter(), time.process_time()
    sent = app.sender.drain()
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "mails": sent,
        "rss_before_mb": before,
    }


PARTS = {
    "bigfile_in": part_bigfile_in,
    "bigfile_out": part_bigfile_out,
    "queue": part_queue,
    "sender": part_sender,
    "smtplib": part_smtplib,
    "dump": part_dump,
    "once": part_once,
    "ingest": part_ingest,
    "floor": part_floor,
}


def child(name: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--part", name, "--args", *args], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark part {name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("sink.py")), str(self.port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> int:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        return int(out.strip().splitlines()[-1])


def rate(r: dict) -> float:
    return r["mails"] / r["seconds"]


def sender_figures(work: Path, server, mails: int, rounds: int = 3) -> None:  # type: ignore[no-untyped-def]
    """`rounds` times: the same queued bytes sent by maild's sender (its own process,
    as under `maild run`) and by smtplib, to one fresh sink per round, each side first
    in every other round (the second used to find the sink process warm)."""
    for n in range(rounds):
        sink = Sink()
        try:
            user = f"sender{n}"
            common.fill(server, user, mails)
            cfg = common.write_config(work / user / "maild.toml", server, user, sink.port)
            child("queue", str(cfg))
            child("dump", str(cfg), str(work / "raws.json"))
            load = os.getloadavg()[0]
            if n % 2:
                floor = child("smtplib", str(sink.port), str(work / "raws.json"))
            ours = child("sender", str(cfg))
            if not n % 2:
                floor = child("smtplib", str(sink.port), str(work / "raws.json"))
        finally:
            received = sink.stop()
        print(
            f"sender, round {n + 1} ({'smtplib' if n % 2 else 'maild'} first, load {load:.1f}): "
            f"maild {ours['mails']} mails in {ours['seconds']:.1f} s = {rate(ours):.0f}/s "
            f"({ours['cpu']:.1f} CPU-s); smtplib, one connection, same bytes: "
            f"{rate(floor):.0f}/s ({floor['cpu']:.1f} CPU-s); ratio "
            f"{rate(ours) / rate(floor):.2f} (target >= 0.8); the sink counted {received}"
        )


def _proc_figures(pid: int) -> tuple[float, float]:
    """CPU seconds and peak RSS (MB) of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    status = Path(f"/proc/{pid}/status").read_text()
    hwm = next(ln for ln in status.splitlines() if ln.startswith("VmHWM"))
    return cpu, int(hwm.split()[1]) / 1024


def _ready(sock: socket.socket, proc: subprocess.Popen) -> float:  # type: ignore[type-arg]
    """Wait for the daemon's sd_notify READY=1 (start-up done: imports, schema
    check, workers started); returns the time it came."""
    sock.settimeout(60)
    while b"READY=1" not in sock.recv(4096).split(b"\n"):
        if proc.poll() is not None:
            raise SystemExit("maild run exited before READY=1")
    return time.perf_counter()


def _progress(db: str) -> tuple[int, int]:
    """Mails taken, and outgoing mails not yet sent, from the daemon's SQLite file."""
    with (
        contextlib.suppress(sqlite3.OperationalError),  # not created yet
        contextlib.closing(sqlite3.connect(db, uri=True)) as conn,
    ):
        taken = conn.execute("SELECT count(*) FROM inbound").fetchone()[0]
        queued = conn.execute("SELECT count(*) FROM outbox WHERE status = 'queued'").fetchone()
        return int(taken), int(queued[0])
    return 0, 0


def daemon_figures(work: Path, server, mails: int, floor: dict, rounds: int = 2) -> None:  # type: ignore[no-untyped-def]
    """`maild run`, the daemon as systemd runs it, started on N waiting mails: the
    time from its READY=1 until every mail is a ticket (its sender delivering
    meanwhile; start-up is counted apart, as the floor's imports are), then until
    every acknowledgement and notice is delivered (end to end), then how long
    SIGTERM takes. Alternating, `rounds` times: the sender as a thread of the
    daemon (`[outgoing] process = false`, one core: as before issue 29), then in
    its own process (`process = true`; "auto" picks it on PostgreSQL only)."""
    ends: dict[bool, list[float]] = {False: [], True: []}
    for n in range(rounds):
        for process in (False, True):
            ends[process].append(daemon_round(work, server, mails, floor, process, n))
    for n in range(rounds):
        print(
            f"daemon, round {n + 1}: end to end, sender process {ends[True][n]:.0f} mails/s vs "
            f"sender thread {ends[False][n]:.0f}/s: ratio {ends[True][n] / ends[False][n]:.2f} "
            "(target >= 1.5)"
        )


def daemon_round(work: Path, server, mails: int, floor: dict, process: bool, n: int) -> float:  # type: ignore[no-untyped-def]
    name = f"daemon-{'process' if process else 'thread'}-{n}"
    sink = Sink()
    (work / "notify.sock").unlink(missing_ok=True)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(work / "notify.sock"))
    try:
        common.fill(server, name, mails)
        cfg = common.write_config(work / name / "maild.toml", server, name, sink.port)
        cfg.write_text(cfg.read_text() + f"[outgoing]\nprocess = {str(process).lower()}\n")
        db = f"file:{work / name / 'state' / 'maild.db'}?mode=ro"
        load = os.getloadavg()[0]
        launched = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "maild", "--config", str(cfg), "run"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "NOTIFY_SOCKET": str(work / "notify.sock")},
        )
        start = _ready(notify, proc)
        ticks = common.cpu_ticks()
        taken = queued = 0
        seconds = 0.0
        while (taken < mails or queued) and proc.poll() is None:
            time.sleep(0.02)
            taken, queued = _progress(db)
            if taken >= mails and not seconds:
                seconds = time.perf_counter() - start
        end_to_end = time.perf_counter() - start
        cores = common.busy_since(ticks)
        cpu, rss = _proc_figures(proc.pid)
        stop = time.perf_counter()
        proc.terminate()
        proc.wait(timeout=60)
        stopped = time.perf_counter() - stop
    finally:
        notify.close()
        received = sink.stop()
    how = "its own process" if process else "a thread (before)"
    print(
        f"daemon, sender in {how} (load {load:.1f}): maild run, started in "
        f"{start - launched:.1f} s, then {taken} mails taken in {seconds:.1f} s = "
        f"{taken / seconds:.0f}/s (floor {rate(floor):.0f}/s; ratio "
        f"{taken / seconds / rate(floor):.2f}, target >= 1.0); every ack and notice out "
        f"({received} at the sink) {end_to_end:.1f} s = {taken / end_to_end:.0f} mails/s end "
        f"to end ({cpu:.1f} CPU-s in the daemon, peak RSS {rss:.0f} MB, its sender process "
        f"apart; the machine's cores {cores:.0%} busy); SIGTERM to exit {stopped:.1f} s "
        "(target <= 10)"
    )
    return taken / end_to_end


def _copy_outbox(db: Path, queued: int) -> int:
    """Make the outbox `queued` rows long by copying its rows under new Message-IDs."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        have = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        cols = [c[1] for c in conn.execute("PRAGMA table_info(outbox)") if c[1] != "id"]
        picked = ", ".join(
            "replace(message_id, '@', '-' || k || '@')" if c == "message_id" else c for c in cols
        )
        conn.execute(
            f"WITH RECURSIVE c(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM c "
            f"WHERE k < {queued // max(have, 1)}) INSERT INTO outbox ({', '.join(cols)}) "
            f"SELECT {picked} FROM outbox, c"
        )
        conn.execute(f"DELETE FROM outbox WHERE id > (SELECT min(id) FROM outbox) + {queued - 1}")
        conn.commit()
        return int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])


def _attempts(db: Path) -> tuple[int, int]:
    """Rows tried at least once, and all tries, from the outbox."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT count(*) FILTER (WHERE attempts > 0), sum(attempts) FROM outbox")
        tried, tries = row.fetchone()
    return int(tried), int(tries or 0)


def deadrelay_figures(work: Path, server, mails: int, queued: int = 10_000) -> None:  # type: ignore[no-untyped-def]
    """`maild run` for a minute with `queued` mails waiting and the relay's port closed:
    its CPU seconds in that minute (after start-up) and how many rows it touched."""
    common.fill(server, "dead", mails)
    cfg = common.write_config(work / "dead" / "maild.toml", server, "dead", free_port())
    child("ingest", str(cfg))  # the notices queue; nothing listens on the SMTP port
    db = work / "dead" / "state" / "maild.db"
    queued = _copy_outbox(db, queued)
    proc = subprocess.Popen(
        [sys.executable, "-m", "maild", "--config", str(cfg), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(5)  # start-up: imports, schema check, the first IMAP login
        cpu_start, _ = _proc_figures(proc.pid)
        time.sleep(60)
        cpu_end, rss = _proc_figures(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    tried, tries = _attempts(db)
    print(
        f"dead relay: {queued} mails queued, maild run for a minute with the SMTP port closed: "
        f"{cpu_end - cpu_start:.2f} CPU-s in that minute (target < 1), peak RSS {rss:.0f} MB; "
        f"{tried} rows touched, {tries} tries recorded over its 65 s"
    )


def roundup_figures(work: Path, server, mails: int, ours: dict) -> None:  # type: ignore[no-untyped-def]
    if not roundup.available():
        print("roundup: roundup-mailgw is not on PATH; no peer figure (see bench/roundup.py)")
        return
    common.fill(server, "roundup", mails)
    peer = roundup.take(roundup.tracker(work / "roundup"), server.port, "roundup", server.password)
    print(
        f"roundup: roundup-mailgw (classic tracker, SQLite, IMAP) {peer['mails']} mails "
        f"({peer['issues']} issues) in {peer['seconds']:.1f} s = {rate(peer):.1f}/s; maild's "
        f"ingest {rate(ours):.0f}/s is "
        f"{rate(ours) / rate(peer):.0f}x (target >= 50x)"
    )


STAFF = "".join(
    f'[[agents]]\nemail = "a{n}@acme.example"\nname = "Agent {n}"\nteam = "tier1"\n'
    for n in range(9)
)


def files_figures(work: Path, server, megabytes: float = 25) -> None:  # type: ignore[no-untyped-def]
    """A customer mail with a 25 MB file, told to ten staff: the sender's peak RSS
    (its own process) against the same process before it sent anything."""
    sink = Sink()
    try:
        cfg = common.write_config(work / "files" / "maild.toml", server, "files", sink.port)
        big = int(megabytes * 1_000_000) * 2
        cfg.write_text(
            cfg.read_text()
            + STAFF
            + f"[intake]\nmax_message_bytes = {big}\nmax_attachment_bytes = {big}\n"
            + f"[attachments]\nmax_bytes = {big}\n"
        )
        taken = child("bigfile_in", str(cfg), str(megabytes))
        out = child("bigfile_out", str(cfg))
    finally:
        received = sink.stop()
    print(
        f"files: one customer mail with a {megabytes:.0f} MB file, its notification to ten "
        f"staff: taken in {taken['seconds']:.1f} s (peak RSS {taken['peak_rss_mb']:.0f} MB); "
        f"sent {out['mails']} mails ({received} at the sink, {megabytes * 1.37 * 10:.0f} MB on "
        f"the wire) in {out['seconds']:.1f} s, the sender's peak RSS {out['peak_rss_mb']:.0f} "
        f"MB against {out['rss_before_mb']:.0f} MB in the same process before it sent"
    )


def ingest_figures(work: Path, server, mails: int) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    common.fill(server, "floor", mails)
    common.fill(server, "maild", mails)
    floor = child("floor", str(server.port), "floor", server.password, str(work / "floor.db"))
    cfg = common.write_config(work / "ingest" / "maild.toml", server, "maild")
    ours = child("ingest", str(cfg))
    print(
        f"ingest: maild {ours['mails']} mails in {ours['seconds']:.1f} s = {rate(ours):.0f}/s "
        f"({ours['queued']} mails queued), peak RSS {ours['peak_rss_mb']:.0f} MB; floor (fetch, "
        f"parse, insert, move) {rate(floor):.0f}/s; ratio {rate(ours) / rate(floor):.2f} "
        "(target >= 1.0)"
    )
    return floor, ours


def once_figures(work: Path, server, mails: int, floor: dict) -> None:  # type: ignore[no-untyped-def]
    sink = Sink()
    try:
        common.fill(server, "once", mails)
        cfg = common.write_config(work / "once" / "maild.toml", server, "once", sink.port)
        ours = child("once", str(cfg))
        child("dump", str(cfg), str(work / "once-raws.json"))
        smtp = child("smtplib", str(sink.port), str(work / "once-raws.json"))
    finally:
        received = sink.stop()
    combined = floor["seconds"] / floor["mails"] * mails + smtp["seconds"]
    ours_rate, floor_rate = mails / ours["seconds"], mails / combined
    print(
        f"in->out: maild run --once {mails} mails, {smtp['mails']} delivered, in "
        f"{ours['seconds']:.1f} s = {ours_rate:.0f} customer mails/s ({ours['cpu']:.1f} CPU-s); "
        f"combined floor {floor_rate:.0f}/s; ratio {ours_rate / floor_rate:.2f} (target >= 0.6, "
        f"moonshot 0.9); the sink counted {received - smtp['mails']} from maild"
    )


def _pg_activity(admin: str, db: str) -> tuple[int, int]:
    """Checkpoints so far (the whole server), and autovacuum/autoanalyze passes on the
    bench database's tables: what a round's dip may come from."""
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute(
            "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"
        ).fetchone()
    with psycopg.connect(admin.rsplit("/", 1)[0] + "/" + db, autocommit=True) as conn:
        auto = conn.execute(
            "SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables"
        ).fetchone()
    return int(row[0]) if row else 0, int(auto[0]) if auto else 0


def postgres_figures(work: Path, server, mails: int, url: str, rounds: int = 5) -> None:  # type: ignore[no-untyped-def]
    """Alternating, `rounds` times: maild's ingest on a fresh PostgreSQL database and
    on SQLite, the same mails, each side first in every other round (the side that
    went second used to find the machine as the first left it: page cache, the
    other's dirty pages being written, the CPU's clock). Beside each round: the load,
    and the checkpoints and autovacuum passes during the PostgreSQL side."""
    import psycopg

    admin = url.replace("postgresql+psycopg://", "postgresql://")
    for n in range(rounds):
        name = f"maild_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        try:
            common.fill(server, f"pg{n}", mails)
            common.fill(server, f"lite{n}", mails)
            db_url = url.rsplit("/", 1)[0] + "/" + name
            pg_cfg = common.write_config(
                work / f"pg{n}" / "maild.toml", server, f"pg{n}", None, db_url
            )
            lite_cfg = common.write_config(work / f"lite{n}" / "maild.toml", server, f"lite{n}")
            load = os.getloadavg()[0]
            if n % 2:
                lite = child("ingest", str(lite_cfg))
            before = _pg_activity(admin, name)
            pg = child("ingest", str(pg_cfg))
            after = _pg_activity(admin, name)
            if not n % 2:
                lite = child("ingest", str(lite_cfg))
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        first = "SQLite" if n % 2 else "PostgreSQL"
        print(
            f"postgres, round {n + 1} ({first} first, load {load:.1f}): ingest {rate(pg):.0f}/s "
            f"vs SQLite {rate(lite):.0f}/s, same mails; ratio {rate(pg) / rate(lite):.2f} "
            f"(target >= 0.9); during PostgreSQL's run {after[0] - before[0]} checkpoints, "
            f"{after[1] - before[1]} autovacuum/analyze passes"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=5000)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--peer", choices=["roundup"])
    parser.add_argument("--rounds", type=int, default=3, help="of the sender and daemon parts")
    parser.add_argument(
        "--only", help="comma-separated: sender,files,ingest,daemon,once,deadrelay,postgres"
    )
    parser.add_argument("--part", choices=sorted(PARTS))
    parser.add_argument("--args", nargs="*", default=[])
    opts = parser.parse_args()
    if opts.part:
        result = PARTS[opts.part](*opts.args)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    wanted = set((opts.only or "sender,files,ingest,daemon,once,deadrelay,postgres").split(","))
    work = common.workdir()
    server = common.dovecot(work)
    try:
        if "sender" in wanted:
            sender_figures(work, server, opts.mails, opts.rounds)
        if "files" in wanted:
            files_figures(work, server)
        if wanted & {"ingest", "daemon", "once"} or opts.peer:
            floor, ours = ingest_figures(work, server, opts.mails)
            if "daemon" in wanted:
                daemon_figures(work, server, opts.mails, floor, opts.rounds)
            if "once" in wanted:
                once_figures(work, server, opts.mails, floor)
            if opts.peer == "roundup":
                roundup_figures(work, server, opts.mails, ours)
        if "deadrelay" in wanted:
            deadrelay_figures(work, server, opts.mails)
        if opts.postgres and "postgres" in wanted:
            postgres_figures(work, server, opts.mails, opts.postgres)
    finally:
        server.stop()
        common.cleanup(work)


if __name__ == "__main__":
    main()
