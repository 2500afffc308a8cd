"""Prometheus metrics, with `[metrics] listen = "127.0.0.1:9464"` and prometheus-client
installed (the extra `maild[metrics]`). Without them every call here does nothing.

One registry for the process, as Prometheus clients have it; the services count
where things happen (ingest, the sender, the desk, the IMAP workers).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

prom: Any
try:  # an optional extra: maild runs without it
    import prometheus_client as prom
except ImportError:  # pragma: no cover - depends on the installation
    prom = None

_metrics: dict[str, Any] = {}


def available() -> bool:
    return prom is not None


def enable(listen: str, quarantined: Callable[[], float]) -> bool:
    """Serve /metrics on listen ("host:port"); False (and an ERROR) without the extra."""
    if prom is None:
        log.error(
            "[metrics] listen is set but prometheus-client is missing: pip install 'maild[metrics]'"
        )
        return False
    if not _metrics:
        _metrics.update(
            taken=prom.Counter(
                "maild_mails_taken_total", "Mails taken in, by verdict", ["verdict"]
            ),
            staff=prom.Counter("maild_staff_mails_total", "Staff mails, by outcome", ["outcome"]),
            outbox=prom.Counter("maild_outbox_total", "Delivery attempts, by result", ["result"]),
            reconnects=prom.Counter(
                "maild_imap_reconnects_total", "IMAP connections lost", ["mailbox"]
            ),
            ack=prom.Histogram(
                "maild_ack_latency_seconds",
                "From taking a customer's mail to its acknowledgement accepted by the relay",
                buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800),
            ),
        )
        prom.Gauge("maild_quarantine_held", "Quarantined mails held").set_function(quarantined)
    host, _, port = listen.rpartition(":")
    prom.start_http_server(int(port), addr=host or "127.0.0.1")
    log.info("metrics on http://%s/metrics", listen)
    return True


def _inc(name: str, label: str) -> None:
    if name in _metrics:
        _metrics[name].labels(label).inc()


def taken(verdict: str) -> None:
    _inc("taken", verdict)


def staff(outcome: str) -> None:
    _inc("staff", outcome)


def delivery(result: str) -> None:
    _inc("outbox", result)


def reconnect(mailbox: str) -> None:
    _inc("reconnects", mailbox)


def ack_latency(seconds: float) -> None:
    if "ack" in _metrics:
        _metrics["ack"].observe(seconds)
