"""Mail-in to mail-out latency with `maild run` idling on IMAP, two figures.

  python bench/latency.py [--mails 100]

Starts a private Dovecot and an aiosmtpd sink, runs `maild run` (IDLE on the
mailbox, SMTP to the sink) as its own process, then
  1. APPENDs customer mails one at a time and times each from the APPEND until
     its acknowledgement reaches the sink;
  2. APPENDs the agent's answer to each notification (a command block, the
     reply text, the quoted notification, as a mail client writes it) and times
     it until the customer's copy reaches the sink.
  3. with --burst N (default 200), APPENDs N customer mails at once and times
     each from the APPEND until its acknowledgement reaches the sink.
Targets: p50 <= 1 s, p99 <= 2 s one at a time; p99 <= 1 s in a burst (issue 12).

  python bench/latency.py --compare [--rounds 3] [--burst 200]

only the burst, `rounds` times, alternating: `maild run` with its sender as a
thread of the daemon (`[outgoing] process = false`, as before issue 29), then
in a process of its own (`process = true`; "auto" picks it on PostgreSQL
only); each on a fresh mailbox and database, the load average beside each round.
Each mail is one of the corpus mix that opens a ticket (bench/common.opening_mail).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from tests.integration.staff import answer
from tests.peers import start_sink


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(client, sink, raw: bytes, target: str, nth: int, what: str) -> float:
    """Seconds from APPEND until the nth mail to target reaches the sink."""
    start = time.perf_counter()
    client.append("INBOX", raw)
    deadline = start + 10
    while time.perf_counter() < deadline:
        if len(sink.handler.to(target)) >= nth:
            return time.perf_counter() - start
        sink.handler.wait_for(len(sink.handler.received) + 1, timeout=0.01)
    raise SystemExit(f"no {what} for {target} within 10 s")


def report(title: str, latencies: list[float], p99_target_ms: int = 2000) -> None:
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(f"{title}, {len(latencies)} mails:")
    print(
        f"  p50 {p50 * 1000:.0f} ms (target <= 1000 ms), p99 {p99 * 1000:.0f} ms "
        f"(target <= {p99_target_ms} ms), max {max(latencies) * 1000:.0f} ms, "
        f"mean {statistics.mean(latencies) * 1000:.0f} ms"
    )


def compare(rounds: int, count: int) -> None:
    """The burst with the sender as a thread, then as a process, `rounds` times."""
    work = common.workdir()
    server = common.dovecot(work)
    sink = start_sink()
    try:
        for n in range(rounds):
            for process in (False, True):
                user = f"burst-{n}-{process}"
                cfg = common.write_config(work / user / "maild.toml", server, user, sink.port)
                cfg.write_text(cfg.read_text() + f"[outgoing]\nprocess = {str(process).lower()}\n")
                load = os.getloadavg()[0]
                taken, stopped = burst_daemon(cfg, server, sink, user, count, 2 * n + process)
                report(
                    f"round {n + 1}, sender {'process' if process else 'thread (before)'}, "
                    f"load {load:.1f}: a burst of {count} APPENDed at once -> each "
                    f"acknowledgement (SIGTERM to exit {stopped:.1f} s)",
                    taken,
                    p99_target_ms=1000,
                )
    finally:
        sink.controller.stop()
        server.stop()
        common.cleanup(work)


def burst_daemon(cfg: Path, server, sink, user: str, count: int, n: int):  # type: ignore[no-untyped-def]
    daemon = subprocess.Popen(
        [sys.executable, "-m", "maild", "--config", str(cfg), "run"],
        cwd=common.ROOT,
        env={**os.environ, "PYTHONPATH": str(common.ROOT)},
    )
    client = server.client(user)
    try:
        # Warm-up: the daemon is connected and idling once a first mail came through.
        before = len(sink.handler.received)
        client.append("INBOX", common.opening_mail(10**6 + n))
        if len(sink.handler.wait_for(before + 2, timeout=60)) < before + 2:
            raise SystemExit("maild did not answer the warm-up mail")
        time.sleep(1)
        taken = burst_latencies(client, sink, count, first=10**7 + n * 10**5)
    finally:
        client.logout()
        asked = time.perf_counter()
        daemon.terminate()
        daemon.wait(timeout=30)
    return taken, time.perf_counter() - asked


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=100)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args()
    if opts.compare:
        compare(opts.rounds, opts.burst)
        return
    work = common.workdir()
    server = common.dovecot(work)
    sink = start_sink()
    cfg = common.write_config(work / "maild.toml", server, "latency", smtp_port=sink.port)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "maild", "--config", str(cfg), "run"],
        cwd=common.ROOT,
        env={**os.environ, "PYTHONPATH": str(common.ROOT)},
    )
    client = server.client("latency")
    acks: list[float] = []
    replies: list[float] = []
    try:
        # Warm-up: the daemon is connected and idling once a first mail came through.
        client.append("INBOX", common.opening_mail(10**6))
        if len(sink.handler.wait_for(1, timeout=60)) < 1:
            raise SystemExit("maild did not answer the warm-up mail")
        sink.handler.wait_for(2, timeout=10)
        for n in range(opts.mails):
            expected = len(sink.handler.received) + 2  # acknowledgement + agent notice
            target = f"customer{n}@example.com"
            acks.append(timed(client, sink, common.opening_mail(n), target, 1, "acknowledgement"))
            sink.handler.wait_for(expected, timeout=5)
        notices = {
            r.msg["Subject"]: r.raw
            for r in sink.handler.to("dana@acme.example")
            if re.search(r"(Order |n°)\d+ ", str(r.msg["Subject"]))
        }
        for n in range(opts.mails):
            [raw] = [v for k, v in notices.items() if re.search(rf"(Order |n°){n} ", k)]
            reply = answer(raw, f"#priority high\n\nHi, order {n} is on its way again.\n\nDana")
            expected = len(sink.handler.received) + 1
            target = f"customer{n}@example.com"
            replies.append(timed(client, sink, reply, target, 2, "copy of the agent's reply"))
            sink.handler.wait_for(expected + 1, timeout=5)  # and Dana's receipt
        burst = burst_latencies(client, sink, opts.burst)
    finally:
        client.logout()
        daemon.terminate()
        daemon.wait(timeout=30)
        sink.controller.stop()
        server.stop()
        common.cleanup(work)
    report("customer mail APPENDed -> acknowledgement at the SMTP sink", acks)
    report("agent's reply APPENDed -> the customer's copy at the SMTP sink", replies)
    report(
        f"a burst of {opts.burst} customer mails APPENDed at once -> each acknowledgement",
        burst,
        p99_target_ms=1000,
    )


def burst_latencies(client, sink, count: int, first: int = 10**7) -> list[float]:  # type: ignore[no-untyped-def]
    """N mails in one MULTIAPPEND; each one's time until its acknowledgement arrived
    (the sink stamps each mail's arrival)."""
    wanted = {f"customer{first + n}@example.com" for n in range(count)}
    raws = [common.opening_mail(first + n) for n in range(count)]
    start = time.monotonic()
    client.multiappend("INBOX", raws)
    deadline = start + 60
    arrived: dict[str, float] = {}
    while len(arrived) < count and time.monotonic() < deadline:
        sink.handler.wait_for(len(sink.handler.received) + 1, timeout=0.2)
        for r in list(sink.handler.received):
            for rcpt in r.rcpt_tos:
                if rcpt in wanted and rcpt not in arrived:
                    arrived[rcpt] = r.at - start
    if len(arrived) < count:
        raise SystemExit(f"only {len(arrived)} of {count} burst acknowledgements within 60 s")
    return list(arrived.values())


if __name__ == "__main__":
    main()
