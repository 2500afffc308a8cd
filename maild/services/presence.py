"""This process, seen by the others: a row in `instance` refreshed every few seconds.

An outbox lease names its holder. While the holder is seen, nobody else takes
the row, however slow its SMTP conversation; once it is not seen for
DEAD_AFTER (killed, the machine gone), any instance, or the same service
restarted, takes the row and sends the same bytes again.
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

from sqlalchemy.exc import DBAPIError

from maild.adapters.db.models import Instance
from maild.adapters.db.store import Database
from maild.health import Health

log = logging.getLogger(__name__)
EVERY_SECONDS = 3.0
DEAD_AFTER = timedelta(seconds=15)  # five missed beats
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

    def beat(self) -> None:
        now = self.clock()
        self.started_at = self.started_at or now
        row = Instance(
            id=self.instance,
            host=socket.gethostname(),
            pid=os.getpid(),
            started_at=self.started_at,
            seen_at=now,
            status={
                "workers": self.health.snapshot() if self.health else {},
                "token_key": self.key_fingerprint,
            },
        )
        with self.db.transaction() as store:
            if self.started_at == now:  # the first beat: sweep the long dead
                store.forget_instances(now - FORGET_AFTER)
            store.seen(row)

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
