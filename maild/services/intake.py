"""Take everything waiting in a mailbox: fetch a batch, commit it, then move it.

Only after the batch's commit are its mails moved: a crash between the two
leaves them in place, and the next pass finds their UIDs (or, after a
UIDVALIDITY change, their Message-ID and content) already taken and only
moves them. Batches keep memory flat however long the backlog.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Protocol

from maild.services.ingest import Ingest, RawMail

log = logging.getLogger(__name__)


class MailboxPort(Protocol):
    key: str
    uidvalidity: int

    def pending(self) -> list[int]: ...
    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]: ...
    def move(self, uids: Sequence[int], folder: str) -> None: ...


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def drain(
    box: MailboxPort, ingest: Ingest, batch_size: int, processed_folder: str, quarantine_folder: str
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for chunk in _chunks(box.pending(), batch_size):
        fetched = list(box.fetch(chunk))
        outcomes = ingest([RawMail(raw, box.key, box.uidvalidity, uid) for uid, raw in fetched])
        done = [
            uid for (uid, _), o in zip(fetched, outcomes, strict=True) if o.verdict != "quarantined"
        ]
        poisoned = [
            uid for (uid, _), o in zip(fetched, outcomes, strict=True) if o.verdict == "quarantined"
        ]
        box.move(done, processed_folder)
        box.move(poisoned, quarantine_folder)
        counts.update(o.verdict for o in outcomes)
    if counts:
        log.info("%s: %s", box.key, dict(counts))
    return counts
