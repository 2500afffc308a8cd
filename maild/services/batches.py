"""A batch of mails in one transaction: the UIDs taken already skipped, ids reserved,
each mail's story told by take_one (services.ingest), one commit for all. A mail that
fails aborts the try; the batch is then taken again, each mail in a savepoint, so
that mail alone is quarantined."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import DBAPIError

from maild import metrics
from maild.adapters.db.engine import is_transient
from maild.adapters.db.models import Inbound, Message
from maild.adapters.db.store import Database, Store
from maild.core.intake import Outcome, Parsed, RawMail, TransientError, Verdict


class Isolate(Exception):
    """A mail failed in a batch taken without savepoints: take it again, isolated."""


class Batches(ABC):
    db: Database
    clock: Callable[[], datetime]
    on_queued: Callable[[], None]

    # The batch's mails parsed ahead (adapters.parsepool, the daemon's second core):
    # each one's parse to ask for in turn; None: each parsed in line when its turn comes.
    parse_ahead: Callable[[Sequence[RawMail]], Sequence[Parsed]] | None

    @abstractmethod
    def take_one(
        self, store: Store, item: RawMail, *, isolated: bool = True, parsed: Parsed | None = None
    ) -> Outcome:
        """One mail's story (services.ingest.Ingest tells it)."""

    def __call__(self, batch: Sequence[RawMail]) -> list[Outcome]:
        ahead = self.parse_ahead(batch) if self.parse_ahead is not None else None
        try:
            try:
                outcomes = self._take(batch, ahead, isolated=False)
            except Isolate:
                # One mail failed: the batch again, each mail in its own savepoint, so
                # that mail alone goes to the quarantine and the others are taken.
                outcomes = self._take(batch, ahead, isolated=True)
            except DBAPIError as exc:
                # On PostgreSQL's pipeline a refused row (a repeat's unique key) may be
                # reported only when the batch commits, past every mail's own try.
                if is_transient(exc):
                    raise
                outcomes = self._take(batch, ahead, isolated=True)
        except DBAPIError as exc:
            raise TransientError(f"database: {exc.orig or exc}") from exc
        for outcome in outcomes:
            metrics.taken(outcome.verdict)
            if outcome.status is not None:
                metrics.staff(outcome.status)
        queued = {Verdict.TICKET, Verdict.JOINED, Verdict.STAFF, Verdict.BOUNCE}
        if any(o.verdict in queued for o in outcomes):
            self.on_queued()
        return outcomes

    def _take(
        self, batch: Sequence[RawMail], ahead: Sequence[Parsed] | None, *, isolated: bool
    ) -> list[Outcome]:
        """The batch in one transaction. Not isolated: no savepoint per mail (two
        round trips each saved); the first failure aborts the try (Isolate). A mail
        parsed ahead keeps its result for the second try (parsing is pure)."""
        with self.db.transaction() as store:
            taken = self._taken_uids(store, batch)
            fresh = len(batch) - len(taken)
            store.reserve(Inbound, fresh)  # each mail's row, unwaited
            # and one for the message each mail may record (attachments need its id);
            # the ones left unused are gaps in an id nobody sees
            store.reserve(Message, fresh)
            return [
                Outcome(Verdict.DUPLICATE, reason="this UID was taken already")
                if (item.source, item.uidvalidity, item.uid) in taken
                else self.take_one(
                    store, item, isolated=isolated, parsed=ahead[n] if ahead else None
                )
                for n, item in enumerate(batch)
            ]

    @staticmethod
    def _taken_uids(store: Store, batch: Sequence[RawMail]) -> set[tuple[str, int | None, int]]:
        groups: dict[tuple[str, int | None], list[int]] = {}
        for item in batch:
            if item.uid is not None:
                groups.setdefault((item.source, item.uidvalidity), []).append(item.uid)
        return {
            (source, validity, uid)
            for (source, validity), uids in groups.items()
            for uid in store.seen_uids(source, validity, uids)
        }
