"""This process, seen by the others: a row in `instance` refreshed every few seconds.

An outbox lease names its holder. While the holder is seen, nobody else takes
the row, however slow its SMTP conversation; once it is not seen for
DEAD_AFTER (killed, the machine gone), any instance, or the same service
restarted, takes the row and sends the same bytes again.

The beat looks every EVERY_SECONDS (a worker's new state reaches `maild
status` that fast) but writes only what is new: a changed row at once, an
unchanged one every REFRESH_SECONDS, three refreshes within DEAD_AFTER. An
idle daemon's database sees this write and no other (bench/rest.py).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError

from maild.adapters.db.models import Instance
from maild.adapters.db.store import Database
from maild.health import Health

log = logging.getLogger(__name__)
EVERY_SECONDS = 2.5
REFRESH_SECONDS = 5.0
DEAD_AFTER = timedelta(seconds=15)  # three missed refreshes
FORGET_AFTER = timedelta(days=1)


def new_instance_id() -> str:
    """A sender's name in `instance` and on the leases it holds: new for each process
    and each reload (a restart is a new process: the old one is dead)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Presence:
    db: Database
    clock: Callable[[], datetime]
    instance: str
    stop: threading.Event = field(default_factory=threading.Event)
    started_at: datetime | None = None
    health: Health | None = None  # the daemon's workers, shown by `maild status`
    key_fingerprint: str | None = None  # so status can tell two processes' keys apart
    written: tuple[datetime, dict[str, Any]] | None = None  # the row's last write

    def beat(self) -> bool:
        """Write the row if it says something new or is due a refresh; True if written."""
        now = self.clock()
        self.started_at = self.started_at or now
        status = {
            "workers": self.health.snapshot() if self.health else {},
            "token_key": self.key_fingerprint,
        }
        last = self.written
        if last and last[1] == status and (now - last[0]).total_seconds() < REFRESH_SECONDS:
            return False  # nothing new, and seen recently enough
        row = Instance(
            id=self.instance,
            host=socket.gethostname(),
            pid=os.getpid(),
            started_at=self.started_at,
            seen_at=now,
            status=status,
        )
        with self.db.transaction() as store:
            if self.started_at == now:  # the first beat: sweep the long dead
                store.forget_instances(now - FORGET_AFTER)
            store.seen(row)
        self.written = (now, status)
        return True

    def __enter__(self) -> Presence:
        self._beat_quietly()
        threading.Thread(target=self._loop, name="presence", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        try:
            with self.db.transaction() as store:
                store.gone(self.instance)
        except DBAPIError as err:
            log.warning("could not sign off instance %s: %s", self.instance, err)

    def _loop(self) -> None:
        while not self.stop.wait(EVERY_SECONDS):
            self._beat_quietly()

    def _beat_quietly(self) -> None:
        try:
            self.beat()
        except DBAPIError as err:  # the database is down: every worker says so already
            log.debug("presence: %s", err)
