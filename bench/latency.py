"""Mail-in to acknowledgement-out latency with `maild run` idling on IMAP.

  python bench/latency.py [--mails 100]

Starts a private Dovecot and an aiosmtpd sink, runs `maild run` (IDLE on the
mailbox, SMTP to the sink) as its own process, then APPENDs customer mails
one at a time and times each from the APPEND until its acknowledgement
reaches the sink. Targets: p50 <= 1 s, p99 <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from tests.peers import start_sink


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=100)
    opts = parser.parse_args()
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
    latencies = []
    try:
        # Warm-up: the daemon is connected and idling once a first mail came through.
        client.append("INBOX", common.customer_mail(10**6))
        if len(sink.handler.wait_for(1, timeout=60)) < 1:
            raise SystemExit("maild did not answer the warm-up mail")
        for n in range(opts.mails):
            expected = len(sink.handler.received) + 2  # acknowledgement + agent notice
            raw = common.customer_mail(n)
            start = time.perf_counter()
            client.append("INBOX", raw)
            target = f"customer{n}@example.com"
            deadline = start + 10
            while time.perf_counter() < deadline:
                if any(target in r.rcpt_tos for r in sink.handler.received[-3:]):
                    break
                sink.handler.wait_for(len(sink.handler.received) + 1, timeout=0.01)
            else:
                raise SystemExit(f"no acknowledgement for mail {n} within 10 s")
            latencies.append(time.perf_counter() - start)
            sink.handler.wait_for(expected, timeout=5)
    finally:
        client.logout()
        daemon.terminate()
        daemon.wait(timeout=30)
        sink.controller.stop()
        server.stop()
        common.cleanup(work)
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(f"customer mail APPENDed -> acknowledgement at the SMTP sink, {len(latencies)} mails:")
    print(
        f"  p50 {p50 * 1000:.0f} ms (target <= 1000 ms), p99 {p99 * 1000:.0f} ms "
        f"(target <= 2000 ms), max {max(latencies) * 1000:.0f} ms, "
        f"mean {statistics.mean(latencies) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
