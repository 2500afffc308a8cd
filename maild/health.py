"""Is every worker alive? What each one says it is doing, and by when it will speak again.

A worker beats with its state and the time within which it promises its next
beat (a second while idling on IMAP, the SMTP timeout while sending, the
backoff while a server is down). The daemon feeds systemd's watchdog only
while no worker is late, so a hung thread gets the process restarted, and
puts each worker's state in STATUS= for `systemctl status`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

GRACE_SECONDS = 30.0  # how late a beat may be before the worker counts as stuck


@dataclass
class Beat:
    state: str
    due: float  # time.monotonic() by which the next beat is promised


@dataclass
class Health:
    grace: float = GRACE_SECONDS
    beats: dict[str, Beat] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # for `maild status`
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, worker: str, **facts: Any) -> None:
        """What `maild status` shows of a worker (a mailbox's last check, its mode)."""
        with self.lock:
            self.facts.setdefault(worker, {}).update(facts)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        late = set(self.stuck())
        with self.lock:
            return {
                w: {"state": b.state, "stuck": w in late, **self.facts.get(w, {})}
                for w, b in sorted(self.beats.items())
            }

    def beat(self, worker: str, state: str, within: float) -> None:
        with self.lock:
            self.beats[worker] = Beat(state, time.monotonic() + within)

    def forget(self, worker: str) -> None:
        with self.lock:
            self.beats.pop(worker, None)
            self.facts.pop(worker, None)

    def stuck(self, now: float | None = None) -> list[str]:
        at = time.monotonic() if now is None else now
        with self.lock:
            return sorted(w for w, b in self.beats.items() if at > b.due + self.grace)

    def status(self) -> str:
        """One line for STATUS=: each worker and its state, stuck ones marked."""
        late = set(self.stuck())
        with self.lock:
            parts = [
                f"{w}: {'STUCK, ' if w in late else ''}{b.state}"
                for w, b in sorted(self.beats.items())
            ]
        return "; ".join(parts)
