"""Take everything waiting in a mailbox: fetch a batch, commit it, then move it.

Only after the batch's commit are its mails moved: a crash between the two
leaves them in place, and the next pass finds their UIDs (or, after a
UIDVALIDITY change, their Message-ID and content) already taken and only
moves them. Batches keep memory flat however long the backlog: at most two
batches are held, the one being committed and the one being fetched.

A drain ends only when a SEARCH finds nothing new: mail that arrived while a
batch was being taken is taken in the same drain, never left to wait for the
next mail to wake the IDLE.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from maild.core.intake import Outcome, RawMail, Verdict
from maild.core.model import Fetched

log = logging.getLogger(__name__)


class MailboxPort(Protocol):
    uidvalidity: int

    @property
    def key(self) -> str: ...

    def pending(self) -> list[int]: ...
    def sizes(self, uids: Sequence[int]) -> dict[int, int]: ...
    def fetch(
        self, uids: Sequence[int], sizes: Mapping[int, int], max_bytes: int
    ) -> Iterator[Fetched]: ...
    def move(self, uids: Sequence[int], folder: str) -> None: ...


@dataclass(frozen=True)
class Plan:
    """How a drain takes mail: batches bounded in count and in bytes (memory stays
    proportional to one mail, not to a batch of big ones), and where mail goes."""

    batch_size: int = 200
    max_message_bytes: int = 25_000_000  # of a bigger mail, only this much is read
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    # A drain's first batch is this small, each next one twice as big up to batch_size:
    # the first acknowledgements of a burst are committed (and sent, by the sender's
    # own process) while the rest is taken in, and a backlog still goes in big batches.
    first_batch: int = 25

    def chunks(self, uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
        chunk: list[int] = []
        total = 0
        size_now = min(self.first_batch, self.batch_size)
        for uid in uids:
            size = min(sizes.get(uid, 0), self.max_message_bytes)
            if chunk and (len(chunk) == size_now or total + size > self.max_message_bytes):
                yield chunk
                chunk, total = [], 0
                size_now = min(size_now * 2, self.batch_size)
            chunk.append(uid)
            total += size
        if chunk:
            yield chunk


Ingest = Callable[[Sequence[RawMail]], list[Outcome]]


def drain(box: MailboxPort, ingest: Ingest, plan: Plan) -> Counter[str]:
    """Take every waiting mail, searching again until a SEARCH finds nothing new."""
    counts: Counter[str] = Counter()
    done: set[int] = set()  # a UID whose move did not take is not taken twice in a drain
    while uids := [uid for uid in box.pending() if uid not in done]:
        counts.update(_take(box, ingest, uids, plan))
        done.update(uids)
    if counts:
        log.info("%s: %s", box.key, dict(counts))
    return counts


def _take(box: MailboxPort, ingest: Ingest, uids: list[int], plan: Plan) -> Counter[str]:
    """Fetch batch n+1 while batch n is parsed and committed; move n after its commit.

    The IMAP connection is used by one thread at a time: the next fetch runs
    while ingest works on the database, and each move waits for that fetch.
    """
    counts: Counter[str] = Counter()
    sizes = box.sizes(uids)
    chunks = list(plan.chunks(uids, sizes))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="imap-fetch") as pool:
        ahead: Future[list[Fetched]] = pool.submit(_fetch, box, chunks[0], sizes, plan)
        for index in range(len(chunks)):
            fetched = ahead.result()
            if index + 1 < len(chunks):
                ahead = pool.submit(_fetch, box, chunks[index + 1], sizes, plan)
            try:
                outcomes = ingest(
                    [RawMail(f.raw, box.key, box.uidvalidity, f.uid, f.size) for f in fetched]
                )
            finally:
                if index + 1 < len(chunks):
                    wait([ahead])  # the connection is free again
            pairs = list(zip(fetched, outcomes, strict=True))
            held = {f.uid for f, o in pairs if o.verdict is Verdict.QUARANTINED}
            box.move([f.uid for f in fetched if f.uid not in held], plan.processed_folder)
            box.move([f.uid for f in fetched if f.uid in held], plan.quarantine_folder)
            counts.update(o.verdict for o in outcomes)
    return counts


def _fetch(
    box: MailboxPort, uids: list[int], sizes: Mapping[int, int], plan: Plan
) -> list[Fetched]:
    return list(box.fetch(uids, sizes, plan.max_message_bytes))
