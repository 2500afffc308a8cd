"""Politeness while idling: IMAP commands per idle hour, beside the latency of the same run.

  python bench/idle.py [--idle-seconds 300] [--mails 30]

Starts a private Dovecot that keeps a raw log of every IMAP session (rawlog_dir) and
an aiosmtpd sink, then for each setting of `idle_check_seconds`:
  - "2": every idle mailbox leaves IDLE for a NOOP every 2 s (maild before issue 26);
  - "auto": NOOP every 2 s until the server has pushed 3 mails in IDLE, then every 300 s;
runs `maild run` as its own process, sends 3 warm-up mails, times --mails customer
mails APPENDed one at a time at random 0.5-2.5 s gaps (APPEND -> acknowledgement at
the sink), then leaves the mailbox idle for --idle-seconds and counts the commands
maild sent in that window from Dovecot's raw log of maild's session (tagged commands
and IDLE's DONE lines), scaled to an hour. The floor is one IDLE renewed at the RFC
2177 limit (29 minutes): about 2 commands an hour.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from tests.peers import maild_config, start_dovecot, start_sink

TAGGED = re.compile(rb"^[A-Za-z0-9.]+ [A-Za-z]+")
STAMP = re.compile(rb"^\d+\.\d+ ")  # Dovecot's rawlog starts each line with a timestamp


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def maild_commands(rawlog: Path) -> tuple[int, int]:
    """(tagged commands, DONE lines) maild sent so far: the sessions that IDLEd."""
    tagged = done = 0
    for path in rawlog.rglob("*.in"):
        lines = [STAMP.sub(b"", line, count=1) for line in path.read_bytes().splitlines()]
        if not any(b" IDLE" in line for line in lines):
            continue  # the bench's own APPEND sessions
        tagged += sum(1 for line in lines if TAGGED.match(line))
        done += sum(1 for line in lines if line.strip() == b"DONE")
    return tagged, done


def run(setting: str, server, sink, work: Path, opts) -> dict[str, float]:
    user = f"idle{setting}"
    (server.root / "rawlog" / user).mkdir(parents=True, exist_ok=True)
    os.chmod(server.root / "rawlog" / user, 0o777)
    value = setting if setting != "auto" else '"auto"'
    (work / setting).mkdir(parents=True, exist_ok=True)
    cfg = maild_config(
        work / setting / "maild.toml", server, user, sink.port, extra='log_level = "WARNING"\n'
    )
    (work / setting).mkdir(parents=True, exist_ok=True)
    cfg.write_text(
        cfg.read_text().replace(
            f'username = "{user}"',
            f'username = "{user}"\nidle_check_seconds = {value}',
        )
    )
    daemon = subprocess.Popen(
        [sys.executable, "-m", "maild", "--config", str(cfg), "run"],
        cwd=common.ROOT,
        env={**os.environ, "PYTHONPATH": str(common.ROOT)},
    )
    client = server.client(user)
    latencies: list[float] = []
    try:
        for n in range(3):  # warm-up: connected, and (auto) the server has pushed thrice
            client.append("INBOX", common.opening_mail(n))
            wanted = 2 * (n + 1) + opts.base
            wait_until(lambda wanted=wanted: len(sink.handler.received) >= wanted, 60)
            time.sleep(1)
        opts.base += 6
        for n in range(opts.mails):
            time.sleep(random.uniform(0.5, 2.5))
            target = f"customer{10_000 * (1 + len(setting)) + n}@example.com"
            raw = common.opening_mail(10_000 * (1 + len(setting)) + n)
            start = time.perf_counter()
            client.append("INBOX", raw)
            wait_until(lambda target=target: bool(sink.handler.to(target)), 10)
            latencies.append(time.perf_counter() - start)
        opts.base += 2 * opts.mails
        time.sleep(3)  # the notifications go out; the mailbox settles into IDLE
        rawlog = server.root / "rawlog" / user
        before = maild_commands(rawlog)
        time.sleep(opts.idle_seconds)
        after = maild_commands(rawlog)
    finally:
        client.logout()
        daemon.terminate()
        daemon.wait(timeout=30)
    scale = 3600 / opts.idle_seconds
    return {
        "tagged": (after[0] - before[0]) * scale,
        "done": (after[1] - before[1]) * scale,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
    }


def wait_until(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.005)
    raise SystemExit("maild did not answer in time")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle-seconds", type=float, default=300)
    parser.add_argument("--mails", type=int, default=30)
    opts = parser.parse_args()
    opts.base = 0
    work = common.workdir()
    root = work / "dovecot"
    (root / "rawlog").mkdir(parents=True)
    server = start_dovecot(root, extra=f"rawlog_dir = {root}/rawlog/%u\n")
    sink = start_sink()
    results = {}
    try:
        for setting in ("2", "auto"):
            results[setting] = run(setting, server, sink, work, opts)
    finally:
        sink.controller.stop()
        server.stop()
        common.cleanup(work)
    print(
        f"idle window {opts.idle_seconds:.0f} s per setting, scaled to an hour; "
        f"{opts.mails} mails one at a time for the latency (shared machine: noisy)"
    )
    print("floor: one IDLE renewed at the RFC 2177 limit (29 min): ~2 commands/hour")
    for setting, r in results.items():
        print(
            f"idle_check_seconds = {setting:>6}: {r['tagged']:.0f} commands/idle hour "
            f"(+{r['done']:.0f} DONE lines); APPEND -> ack p50 {r['p50'] * 1000:.0f} ms, "
            f"p99 {r['p99'] * 1000:.0f} ms, max {r['max'] * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
