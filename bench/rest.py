"""Cheap at rest? An idle daemon with three mailboxes: CPU, memory, database writes.

  python bench/rest.py [--seconds 600] [--maild-root DIR]

Starts a private Dovecot (three mailboxes), the SMTP sink of bench/sink.py, and
`maild run` on SQLite with the three mailboxes as its own process; one mail in
each mailbox warms it up (acknowledged and notified at the sink), then the
daemon is left alone for two windows of --seconds each:

  1. untraced: its CPU seconds and RSS (psutil), the bytes it writes
     (/proc/PID/io write_bytes, what reaches the disk), and the database's
     commits (PRAGMA data_version, polled every 50 ms from another connection:
     it changes once for each other connection's commit, so two commits within
     50 ms count as one);
  2. under strace: its write(2)/pwrite64(2) calls to the database and its WAL,
     and its fsync(2)/fdatasync(2) calls (what an SD card or a cloud disk pays
     for).

Each figure is scaled to an hour. The floor: the presence beat alone (one
commit, a page written to the WAL, every REFRESH_SECONDS; every EVERY_SECONDS
before issue 29). --maild-root runs another checkout's maild (e.g. `git
archive` of the commit before) with the same bench, for a before/after.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from pipeline import Sink

USERS = ("rest0", "rest1", "rest2")
CALL = re.compile(r"^(?:\[pid\s+\d+\] |\d+\s+)?(\w+)\((\d+)<([^>]*)>")


def config(work: Path, server, port: int) -> Path:  # type: ignore[no-untyped-def]
    cfg = common.write_config(work / "maild.toml", server, USERS[0], smtp_port=port)
    boxes = "".join(
        f'[[mailboxes]]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
        f'username = "{user}"\npassword = "{server.password}"\n'
        for user in USERS[1:]
    )
    cfg.write_text(cfg.read_text() + boxes)
    return cfg


class Commits:
    """Counts other connections' commits to the database (PRAGMA data_version)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.count = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        last = self.db.execute("PRAGMA data_version").fetchone()[0]
        while not self.stop.wait(0.05):
            now = self.db.execute("PRAGMA data_version").fetchone()[0]
            if now != last:
                self.count, last = self.count + 1, now

    def __enter__(self) -> Commits:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.db.close()


def written(pid: int) -> int:
    text = Path(f"/proc/{pid}/io").read_text()
    return int(re.search(r"^write_bytes: (\d+)", text, re.M).group(1))  # type: ignore[union-attr]


def untraced(proc: psutil.Process, db: Path, seconds: float) -> dict[str, float]:
    cpu0, bytes0 = sum(proc.cpu_times()[:2]), written(proc.pid)
    with Commits(db) as commits:
        time.sleep(seconds)
    scale = 3600 / seconds
    return {
        "cpu_s_per_hour": (sum(proc.cpu_times()[:2]) - cpu0) * scale,
        "rss_mb": proc.memory_info().rss / 2**20,
        "disk_kb_per_hour": (written(proc.pid) - bytes0) / 1024 * scale,
        "commits_per_hour": commits.count * scale,
    }


def traced(pid: int, work: Path, seconds: float) -> dict[str, float]:
    """strace's count of writes to the database files and of fsyncs, per hour."""
    if not shutil.which("strace"):
        return {}
    out = work / "strace.txt"
    calls = "write,pwrite64,fsync,fdatasync"
    tracer = subprocess.Popen(
        ["strace", "-f", "-y", "-e", f"trace={calls}", "-o", str(out), "-p", str(pid)],
        stderr=subprocess.DEVNULL,
    )
    time.sleep(seconds)
    tracer.terminate()
    tracer.wait(timeout=30)
    counts: Counter[str] = Counter()
    for line in out.read_text(errors="replace").splitlines():
        match = CALL.match(line)
        if not match:
            continue
        call, path = match.group(1), match.group(3)
        target = "wal" if path.endswith("-wal") else "db" if path.endswith(".db") else "other"
        kind = "sync" if "sync" in call else "write"
        counts[f"{kind} {target}"] += 1
    scale = 3600 / seconds
    return {key: value * scale for key, value in counts.items()}


def warm_up(db: Path, mails: int) -> None:
    """Until the warm-up mails' acknowledgements and notices are sent."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if not db.exists():
            continue
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                sent = conn.execute("SELECT count(*) FROM outbox WHERE status = 'sent'")
                if sent.fetchone()[0] >= mails:
                    return
        except sqlite3.OperationalError:
            continue  # not migrated yet
    raise SystemExit("maild did not answer the warm-up mails within 120 s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600, help="each window")
    parser.add_argument("--settle", type=float, default=30, help="after the warm-up mails")
    parser.add_argument("--maild-root", default=str(common.ROOT), help="the maild to run")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    opts = parser.parse_args()
    work = common.workdir()
    server = common.dovecot(work)
    sink = Sink()
    cfg = config(work, server, sink.port)
    print(f"work folder {work} (maild.log)", flush=True)
    root = Path(opts.maild_root).resolve()
    sys.path.insert(0, str(root))
    from maild.services import presence

    # the presence beat alone: one commit every REFRESH_SECONDS (every beat before it)
    every = getattr(presence, "REFRESH_SECONDS", presence.EVERY_SECONDS)

    with open(work / "maild.log", "ab") as log:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "maild", "--config", str(cfg), "run"],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        for n, user in enumerate(USERS):
            server.append(user, common.opening_mail(n))
        db = work / "state" / "maild.db"
        warm_up(db, 2 * len(USERS))
        time.sleep(opts.settle)
        proc = psutil.Process(daemon.pid)
        calm = untraced(proc, db, opts.seconds)
        trace = traced(daemon.pid, work, opts.seconds)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        delivered = sink.stop()
        server.stop()
        if not opts.keep:
            common.cleanup(work)
    beats = 3600 / every
    print(
        f"maild from {root}, idle with {len(USERS)} mailboxes (IDLE), SQLite; "
        f"{delivered} warm-up mails delivered; two windows of {opts.seconds:.0f} s, "
        "scaled to an hour:"
    )
    print(f"  CPU {calm['cpu_s_per_hour']:.1f} s/hour, RSS {calm['rss_mb']:.0f} MB")
    print(
        f"  database commits {calm['commits_per_hour']:.0f}/hour "
        f"(floor: the presence beat alone, a write every {every:g} s = {beats:.0f}/hour)"
    )
    print(f"  written to disk (/proc/PID/io write_bytes) {calm['disk_kb_per_hour']:.0f} kB/hour")
    if trace:
        print(
            "  under strace: "
            + ", ".join(f"{k} {v:.0f}/hour" for k, v in sorted(trace.items()))
            + f" (floor: {2 * beats:.0f} WAL writes/hour, a frame's header and its page"
            " a commit; no fsync: synchronous=NORMAL syncs at a checkpoint)"
        )
    else:
        print("  (strace is not installed: no count of write and fsync calls)")


if __name__ == "__main__":
    main()
