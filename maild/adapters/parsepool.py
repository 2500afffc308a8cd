"""Parsing ahead of the batch, in a process of its own: the intake's second core.

A mail's story has two halves. Reading its bytes (core.mail.parse: MIME, headers,
charsets, the text and its files) needs nothing but the bytes; everything after
(routing, rows, rendered notices) needs the database and happens in order. The
daemon's intake runs under one GIL, so on a machine with a core to spare the first
half of the batch's mails is done here while the daemon tells the second half of
the mails before them: the results come back in order, each a parsed mail or the
exception that parsing raised (its own type, the worker's traceback as its cause),
so a mail that cannot be read is quarantined as if it had been parsed in line.

A lone mail (IDLE's one new mail, an LMTP delivery) is parsed in line: it would only
wait for the other process. So is a big one (over INLINE_BYTES): its decoded files
would cross the pipe, in memory twice. If the worker dies (the kernel's OOM killer,
a signal), its mails are parsed in line and the next batch starts a new one.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from maild.adapters.children import die_with_parent
from maild.core.intake import Parsed, RawMail
from maild.core.mail import Limits
from maild.core.model import InboundMail

log = logging.getLogger(__name__)
AHEAD_FROM = 4  # mails in a batch; fewer are parsed in line
INLINE_BYTES = 1_000_000  # a bigger mail is parsed in line


def parse_in_line(limits: Limits, batch: Sequence[RawMail]) -> list[Parsed]:
    """Each mail parsed when its turn comes, in this process (the one path without a pool)."""
    return [_in_line(limits, item) for item in batch]


def _in_line(limits: Limits, item: RawMail) -> Parsed:
    return lambda: limits.parse(item.raw, item.size)


def _die_with_daemon(daemon: int) -> None:
    """The worker's first act: it must not outlive a daemon killed with kill -9 (its
    queues keep both ends of their pipes open, so it would wait for work for ever)."""
    die_with_parent(signal.SIGKILL)
    if os.getppid() != daemon:
        os._exit(0)  # the daemon died before that


class ParsePool:
    """One worker process parsing a batch's mails ahead; shared by the daemon's intakes."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the worker now (it imports the parser: a few hundred ms), not at the
        first burst."""
        with self._lock:
            pool = self._started()
        pool.submit(int)  # a first task makes it spawn its process

    def stop(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def __call__(self, batch: Sequence[RawMail]) -> list[Parsed]:
        if len(batch) < AHEAD_FROM:
            return parse_in_line(self.limits, batch)
        with self._lock:
            pool = self._started()
        ahead: list[Parsed] = []
        for n, item in enumerate(batch):
            if len(item.raw) > INLINE_BYTES:
                ahead.append(_in_line(self.limits, item))
                continue
            try:
                future = pool.submit(self.limits.parse, item.raw, item.size)
            except (BrokenProcessPool, RuntimeError):  # died, or stopped meanwhile
                self._lost(pool)
                return ahead + parse_in_line(self.limits, batch[n:])
            ahead.append(self._waiter(pool, future, item))
        return ahead

    def _waiter(
        self, pool: ProcessPoolExecutor, future: Future[InboundMail], item: RawMail
    ) -> Parsed:
        def result() -> InboundMail:
            try:
                return future.result()
            except BrokenProcessPool:
                self._lost(pool)
                return _in_line(self.limits, item)()

        return result

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a fork of a threaded daemon could inherit a lock held by another
            # thread (logging's, the database pool's) and hang on it
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=_die_with_daemon,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _lost(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                log.warning("the parsing process stopped; its mails are parsed in line")
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)
