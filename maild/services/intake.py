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
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
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
    box: MailboxPort,
    ingest: Ingest,
    batch_size: int,
    processed_folder: str,
    quarantine_folder: str,
) -> Counter[str]:
    """Take every waiting mail, searching again until a SEARCH finds nothing new."""
    counts: Counter[str] = Counter()
    done: set[int] = set()  # a UID whose move did not take is not taken twice in a drain
    while uids := [uid for uid in box.pending() if uid not in done]:
        counts.update(_take(box, ingest, uids, batch_size, (processed_folder, quarantine_folder)))
        done.update(uids)
    if counts:
        log.info("%s: %s", box.key, dict(counts))
    return counts


def _take(
    box: MailboxPort,
    ingest: Ingest,
    uids: list[int],
    batch_size: int,
    folders: tuple[str, str],
) -> Counter[str]:
    """Fetch batch n+1 while batch n is parsed and committed; move n after its commit.

    The IMAP connection is used by one thread at a time: the next fetch runs
    while ingest works on the database, and each move waits for that fetch.
    """
    processed_folder, quarantine_folder = folders
    counts: Counter[str] = Counter()
    chunks = list(_chunks(uids, batch_size))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="imap-fetch") as pool:
        ahead: Future[list[tuple[int, bytes]]] = pool.submit(_fetch, box, chunks[0])
        for index in range(len(chunks)):
            fetched = ahead.result()
            if index + 1 < len(chunks):
                ahead = pool.submit(_fetch, box, chunks[index + 1])
            try:
                outcomes = ingest(
                    [RawMail(raw, box.key, box.uidvalidity, uid) for uid, raw in fetched]
                )
            finally:
                if index + 1 < len(chunks):
                    wait([ahead])  # the connection is free again
            pairs = list(zip(fetched, outcomes, strict=True))
            box.move([uid for (uid, _), o in pairs if o.verdict != "quarantined"], processed_folder)
            box.move(
                [uid for (uid, _), o in pairs if o.verdict == "quarantined"], quarantine_folder
            )
            counts.update(o.verdict for o in outcomes)
    return counts


def _fetch(box: MailboxPort, uids: list[int]) -> list[tuple[int, bytes]]:
    return list(box.fetch(uids))
