"""What became of a leased outbox row: the relay's answers per recipient, the row's
new state (sent, failed, due again with backoff), and the watch on the relay itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from maild import metrics
from maild.adapters.db.models import Outbox
from maild.adapters.transport import Refusals
from maild.core.model import OutboxStatus
from maild.core.retry import backoff_seconds

log = logging.getLogger("maild.services.outbox")  # the sender's log, as before


@dataclass(frozen=True)
class Attempt:
    """What the relay said of one row's mail."""

    row_id: int
    pending: list[str]  # the recipients tried
    refusals: Refusals
    deferred_by: str | None = None  # the whole mail waits: why


def settle(row: Outbox, now: datetime, retry_for: timedelta) -> None:
    """A tried row's state from its recipients' answers: sent, failed, or due again."""
    statuses = [row.results[r]["status"] for r in row.recipients]
    if "deferred" not in statuses:
        accepted = "accepted" in statuses
        row.status = OutboxStatus.SENT if accepted else OutboxStatus.FAILED
        row.sent_at = now if accepted else None
        refused = [
            f"{r}: {row.results[r]['reply']}"
            for r in row.recipients
            if row.results[r]["status"] == "refused"
        ]
        row.last_error = "; ".join(refused) or None
        return
    deferred = [
        f"{r}: {row.results[r]['reply']}"
        for r in row.recipients
        if row.results[r]["status"] == "deferred"
    ]
    row.last_error = "; ".join(deferred)
    if now - row.created_at >= retry_for:
        row.status = OutboxStatus.FAILED
        row.last_error = f"gave up after {row.attempts} attempts: {row.last_error}"
    else:
        row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))


def put_back(row: Outbox, batch: Batch, now: datetime, retry_for: timedelta) -> None:
    """A leased row not tried: as it was, due at the relay's next try."""
    row.attempts -= 1
    row.next_attempt_at = batch.next_try if batch.away is not None else now
    if batch.away is None:
        return  # stopped: nothing happened to it
    row.last_error = f"not tried: the relay is away: {batch.away}"
    if now - row.created_at >= retry_for:
        row.status = OutboxStatus.FAILED
        tries = f"after {row.attempts} attempts" if row.attempts else "untried"
        row.last_error = f"gave up {tries}: {row.last_error}"


def report(row: Outbox, now: datetime) -> None:
    """Sent is INFO; anything else is a WARNING with the server's answer."""
    what = "deferred" if row.status == OutboxStatus.QUEUED else row.status
    metrics.delivery(what)
    if row.status == OutboxStatus.SENT and row.template == "customer/ack" and row.created_at:
        metrics.ack_latency((now - row.created_at).total_seconds())
    if row.status == OutboxStatus.SENT and not row.last_error:
        log.info("outbox %s (%s): sent", row.id, row.message_id)
        return
    log.warning(
        "outbox %s (%s, %s to %s): %s: %s",
        row.id,
        row.template,
        row.message_id,
        ", ".join(row.recipients),
        what,
        row.last_error,
    )


def results(attempt: Attempt) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for rcpt in attempt.pending:
        if attempt.deferred_by is not None and rcpt not in attempt.refusals:
            out[rcpt] = {"status": "deferred", "code": None, "reply": attempt.deferred_by}
        elif rcpt in attempt.refusals:
            code, reply = attempt.refusals[rcpt]
            status = "refused" if code >= 500 else "deferred"
            out[rcpt] = {"status": status, "code": code, "reply": reply}
        else:
            out[rcpt] = {"status": "accepted", "code": 250, "reply": ""}
    return out


@dataclass(frozen=True)
class Batch:
    done: list[Attempt]  # the rows tried; the others of the lease were not (away, stop)
    away: str | None  # the relay is away: why
    next_try: datetime  # when the relay is tried again


@dataclass
class RelayWatch:
    """One failed try per cycle while the relay is away: after a refused or timed-out
    connection the sender waits 2 s, 4 s ... at most a minute before trying again,
    and leaves the queue alone meanwhile."""

    failures: int = 0
    next_try: datetime | None = None

    def may_try(self, now: datetime) -> bool:
        return self.next_try is None or now >= self.next_try

    def saw(self, away: str | None, now: datetime) -> None:
        if away is None:
            self.failures, self.next_try = 0, None
            return
        self.failures += 1
        self.next_try = now + timedelta(seconds=backoff_seconds(self.failures, base=2, cap=60))
