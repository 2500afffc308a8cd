"""Send what is due. Each mail keeps its Message-ID, so a retry is the same mail.

A row is leased (its next attempt pushed ahead, its holder named) in a short
transaction before the network is touched, so neither a slow server nor a
second instance makes two senders take the same row; the outcome is written
in another short transaction. A crash between the two resends the same bytes
(the same Message-ID) as soon as the holder is seen no more: services.presence
keeps each live process seen every few seconds, so a restarted process or a
standby takes a dead one's leases within seconds, never a live one's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import DBAPIError

from maild import metrics
from maild.adapters.db.engine import is_transient
from maild.adapters.db.models import Outbox
from maild.adapters.db.store import Database, Store
from maild.adapters.transport import Deferred, Refusals, Rejected
from maild.core.model import OutboxStatus
from maild.core.retry import backoff_seconds
from maild.services.presence import DEAD_AFTER

log = logging.getLogger(__name__)
SETTLE_RETRIES = (0.2, 0.5, 1, 2, 4, 8)  # seconds: about 15 s for the database to come back
LEASE = timedelta(minutes=5)  # a lease whose holder is never named again (older rows)


class Transport(AbstractContextManager["Transport"], Protocol):
    def send(self, envelope_from: str, recipients: list[str], raw: bytes) -> Refusals: ...


@dataclass
class Sender:
    db: Database
    transport: Callable[[], Transport]
    clock: Callable[[], datetime]
    retry_for: timedelta = timedelta(hours=48)
    batch_size: int = 50
    instance: str = "-"  # this sender, as services.presence names it: one per process

    def send_due(self) -> int:
        """Send one batch of due mail; returns how many rows were attempted."""
        now = self.clock()
        with self.db.transaction() as store:
            rows = store.due_outbox(now, self.batch_size, now - DEAD_AFTER, self.instance)
            for row in rows:
                if row.leased_by not in (None, self.instance):
                    log.info("outbox %s: its sender %s stopped; sending it", row.id, row.leased_by)
                row.next_attempt_at = now + LEASE
                row.leased_by = self.instance
                row.attempts += 1
        if not rows:
            return 0
        with self.transport() as transport:
            for row in rows:
                self._attempt(transport, row)
        return len(rows)

    def drain(self) -> int:
        total = 0
        while (n := self.send_due()) > 0:
            total += n
        return total

    def _attempt(self, transport: Transport, row: Outbox) -> None:
        pending = [
            r
            for r in row.recipients
            if row.results.get(r, {}).get("status") not in {"accepted", "refused"}
        ]
        try:
            refusals = transport.send(row.envelope_from, pending, row.raw)
        except Deferred as exc:
            self._settled(row.id, pending, {}, str(exc))
        except Rejected as exc:
            self._settled(row.id, pending, {r: (550, str(exc)) for r in pending}, str(exc))
        else:
            self._settled(row.id, pending, refusals, None)

    def _settled(
        self, row_id: int | None, pending: list[str], refusals: Refusals, deferred_by: str | None
    ) -> None:
        """Record what the relay said. The mail has left: if the database is away for
        a moment, wait for it rather than send the same mail again later."""
        for delay in SETTLE_RETRIES:
            try:
                self._record(row_id, pending, refusals, deferred_by)
                return
            except DBAPIError as exc:
                if not is_transient(exc):
                    raise
                log.warning("outbox %s: sent, not yet recorded (%s); retrying", row_id, exc.orig)
                time.sleep(delay)
        self._record(row_id, pending, refusals, deferred_by)  # the last try raises

    def _record(
        self, row_id: int | None, pending: list[str], refusals: Refusals, deferred_by: str | None
    ) -> None:
        now = self.clock()
        with self.db.transaction() as store:
            row = store.session.get(Outbox, row_id)
            assert row is not None
            results = dict(row.results)
            for rcpt in pending:
                if deferred_by is not None and rcpt not in refusals:
                    results[rcpt] = {"status": "deferred", "code": None, "reply": deferred_by}
                elif rcpt in refusals:
                    code, reply = refusals[rcpt]
                    status = "refused" if code >= 500 else "deferred"
                    results[rcpt] = {"status": status, "code": code, "reply": reply}
                else:
                    results[rcpt] = {"status": "accepted", "code": 250, "reply": ""}
            row.results = results
            row.leased_by = None
            self._settle(row, now)
            self._report(store, row, now)

    @staticmethod
    def _report(store: Store, row: Outbox, now: datetime) -> None:
        """Sent is INFO; anything else is a WARNING with the server's answer, and a
        failed mail is an event on its ticket, where an agent looks."""
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
        if row.status == OutboxStatus.FAILED and row.ticket_id is not None:
            store.event(
                row.ticket_id,
                now,
                "delivery_failed",
                None,
                template=row.template,
                recipients=row.recipients,
                reason=row.last_error,
            )

    def _settle(self, row: Outbox, now: datetime) -> None:
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
        if now - row.created_at >= self.retry_for:
            row.status = OutboxStatus.FAILED
            row.last_error = f"gave up after {row.attempts} attempts: {row.last_error}"
        else:
            row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))
