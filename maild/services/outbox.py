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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Event
from typing import Protocol

from sqlalchemy.exc import DBAPIError

from maild.adapters.db.engine import is_transient
from maild.adapters.db.models import Outbox
from maild.adapters.db.store import Database
from maild.adapters.db.store.files import blob_pieces
from maild.adapters.outgoing import Streamed
from maild.adapters.transport import Deferred, Refusals, Rejected, Unreachable
from maild.core.model import OutboxStatus
from maild.services import delivery
from maild.services.delivery import Attempt, Batch, RelayWatch
from maild.services.presence import DEAD_AFTER

log = logging.getLogger(__name__)
SETTLE_RETRIES = (0.2, 0.5, 1, 2, 4, 8)  # seconds: about 15 s for the database to come back
LEASE = timedelta(minutes=5)  # a lease whose holder is never named again (older rows)


class Transport(Protocol):
    def send(
        self, envelope_from: str, recipients: list[str], raw: bytes | Streamed
    ) -> Refusals: ...
    def close(self) -> None: ...


@dataclass
class Sender:
    db: Database
    transport: Callable[[], Transport]
    clock: Callable[[], datetime]
    retry_for: timedelta = timedelta(hours=48)
    batch_size: int = 100  # rows leased in one transaction
    instance: str = "-"  # this sender, as services.presence names it: one per process
    # The leased rows are recorded as sent in parts of this many: a kill -9 between
    # sending and recording resends at most these (the same Message-IDs), not the lease.
    record_every: int = 25
    # One connection kept while there is mail, closed after this long without any.
    idle_close_seconds: float = 10.0
    _open: Transport | None = field(default=None, init=False, repr=False)
    _used_at: float = field(default=0.0, init=False, repr=False)
    _relay: RelayWatch = field(default_factory=lambda: RelayWatch(), init=False)

    def send_due(self, stop: Event | None = None) -> int:
        """Send one batch of due mail, recorded in parts; returns how many rows were
        attempted. With the relay away, nothing until its next try; `stop` set: the
        mail in hand is finished, the rest of the batch goes back to the queue as it was."""
        now = self.clock()
        if not self._relay.may_try(now):
            return 0
        rows = self._lease(now)
        if not rows:
            return 0
        transport = self._connection()
        tried = 0
        while rows:
            part, rows = rows[: self.record_every], rows[self.record_every :]
            done, away = self._attempts(transport, part, stop)
            if away is not None or len(done) < len(part):  # the rest goes back untried
                part, rows = part + rows, []
            self._used_at = time.monotonic()
            self._relay.saw(away, now)
            self._settled(part, Batch(done, away, self._relay.next_try or now))
            tried += len(done)
        return tried

    def _attempts(
        self, transport: Transport, rows: list[Outbox], stop: Event | None
    ) -> tuple[list[Attempt], str | None]:
        """Send these rows in turn until done, `stop`, or the relay is away (why)."""
        done: list[Attempt] = []
        for row in rows:
            if stop is not None and stop.is_set():
                break
            attempt, away = self._attempt(transport, row)
            done.append(attempt)
            if away is not None:
                return done, away
        return done, None

    def drain(
        self,
        stop: Event | None = None,
        *,
        keep_open: bool = False,
        sent_batch: Callable[[], None] = lambda: None,
    ) -> int:
        """Send until nothing is due (or `stop`); the daemon keeps the connection.
        `sent_batch` after each batch: a long queue is work, not a hang (the daemon's
        health beat, which feeds systemd's watchdog)."""
        total = 0
        try:
            while (n := self.send_due(stop)) > 0:
                total += n
                sent_batch()
        finally:
            if not keep_open:
                self.close()
        return total

    def idle(self) -> None:
        """Close the kept connection once it has had no mail for a while."""
        if time.monotonic() - self._used_at > self.idle_close_seconds:
            self.close()

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    def _connection(self) -> Transport:
        if self._open is None:
            self._open = self.transport()
        return self._open

    def _lease(self, now: datetime) -> list[Outbox]:
        """The due rows, leased to this sender; the objects are ours (detached)."""
        with self.db.transaction() as store:
            rows = store.due_outbox(now, self.batch_size, now - DEAD_AFTER, self.instance)
            if rows:
                store.lease_outbox(rows, now + LEASE, self.instance)
        for row in rows:
            if row.leased_by not in (None, self.instance):
                log.info("outbox %s: its sender %s stopped; sending it", row.id, row.leased_by)
            row.next_attempt_at, row.leased_by = now + LEASE, self.instance
            row.attempts += 1
        return rows

    def _attempt(self, transport: Transport, row: Outbox) -> tuple[Attempt, str | None]:
        """One mail to the relay; the second value says the relay itself is away."""
        assert row.id is not None
        pending = [
            r
            for r in row.recipients
            if row.results.get(r, {}).get("status") not in {"accepted", "refused"}
        ]
        try:
            raw = Streamed(row.raw, row.files, self._blob) if row.files else row.raw
            refusals = transport.send(row.envelope_from, pending, raw)
        except Unreachable as exc:
            return Attempt(row.id, pending, {}, str(exc)), str(exc)
        except Deferred as exc:
            return Attempt(row.id, pending, {}, str(exc)), None
        except Rejected as exc:
            return Attempt(row.id, pending, {r: (550, str(exc)) for r in pending}, str(exc)), None
        return Attempt(row.id, pending, refusals), None

    def _blob(self, digest: str) -> Iterator[bytes] | None:
        """A file's bytes in pieces (None: erased), read as they are sent."""
        return blob_pieces(self.db.engine, digest)

    def _settled(self, rows: list[Outbox], batch: Batch) -> None:
        """Decide each row's state, then write the whole batch in one transaction.
        The mail has left: if the database is away for a moment, wait for it rather
        than send the same mail again later."""
        now = self.clock()
        tried = {a.row_id: a for a in batch.done}
        for row in rows:
            row.leased_by = None
            if row.id in tried:
                row.results = {**row.results, **delivery.results(tried[row.id])}
                delivery.settle(row, now, self.retry_for)
            else:
                delivery.put_back(row, batch, now, self.retry_for)
        for delay in SETTLE_RETRIES:
            try:
                self._write(rows, now)
                break
            except DBAPIError as exc:
                if not is_transient(exc):
                    raise
                log.warning(
                    "outbox: %d sent, not yet recorded (%s); retrying", len(tried), exc.orig
                )
                time.sleep(delay)
        else:
            self._write(rows, now)  # the last try raises
        self._tell(rows, batch, now)

    def _write(self, rows: list[Outbox], now: datetime) -> None:
        """The rows' new state; a failed mail is an event on its ticket, where an agent looks."""
        with self.db.transaction() as store:
            store.settle_outbox(rows)
            for row in rows:
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

    def _tell(self, rows: list[Outbox], batch: Batch, now: datetime) -> None:
        tried = {a.row_id for a in batch.done}
        for row in rows:
            if row.id in tried or row.status == OutboxStatus.FAILED:
                delivery.report(row, now)
        untried = len(rows) - len(tried)
        if batch.away is not None and untried:
            log.warning(
                "outbox: the relay is away (%s); %d more mails wait, next try at %s",
                batch.away,
                untried,
                f"{batch.next_try:%H:%M:%S}",
            )
