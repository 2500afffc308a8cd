"""Mail maild cannot act on: kept whole with its error in the quarantine, and the
operator told (a few an hour); other mails to the operator about maild itself."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError

from maild.adapters.db.models import Inbound, Quarantine
from maild.adapters.db.store import Database, Store
from maild.core import mail, notices
from maild.core.contexts import Quarantined, View
from maild.core.intake import Outcome, RawMail, Verdict
from maild.core.model import Person, Role
from maild.services.rows import Queue

log = logging.getLogger("maild.services.ingest")  # where an operator has always looked

OPERATOR_MAILS_PER_HOUR = 10


class Quarantines:
    db: Database
    addressing: notices.Addressing
    queue: Queue
    clock: Callable[[], datetime]
    operator: str | None
    on_queued: Callable[[], None]

    def _quarantine(self, store: Store, item: RawMail, exc: Exception) -> Outcome:
        now = self.clock()
        digest = mail.content_hash(item.raw)
        # A stand-in Message-ID: the real one may be what broke the parser.
        stand_in = f"<{digest[:32]}@quarantine.maild>"
        if store.seen_content(stand_in, digest):
            return Outcome(Verdict.QUARANTINED, reason="quarantined already")
        error = f"{type(exc).__name__}: {exc}".replace("\x00", "")
        with self.db.savepoint(store):
            inbound = store.add(
                Inbound(
                    source=item.source,
                    uidvalidity=item.uidvalidity,
                    uid=item.uid,
                    message_id=stand_in,
                    content_hash=digest,
                    verdict=Verdict.QUARANTINED,
                    reason=error,
                    size=len(item.raw),
                    raw=item.raw,
                    received_at=now,
                )
            )
            row = store.add(
                Quarantine(
                    inbound_id=inbound.id,
                    source=item.source,
                    error=error,
                    traceback=traceback.format_exc().replace("\x00", ""),
                    raw=item.raw,
                    created_at=now,
                )
            )
        log.error("quarantined mail %s from %s as #%s: %s", item.uid, item.source, row.id, error)
        self._tell_operator(store, row, now)
        return Outcome(Verdict.QUARANTINED, reason=f"quarantine #{row.id}: {error}")

    def tell_operator(self, template: str, key: str, context: View) -> None:
        """A mail to [support] operator about maild itself (a mailbox down ...)."""
        if self.operator is None:
            return
        out = self._to_operator(template, key, context)
        try:
            with self.db.transaction() as store:
                self.queue(store, [out], self.clock())
        except DBAPIError as exc:
            log.error("could not tell the operator (%s): %s", template, exc)
            return
        self.on_queued()

    def _tell_operator(self, store: Store, row: Quarantine, now: datetime) -> None:
        if self.operator is None:
            return
        if store.quarantined_since(now - timedelta(hours=1)) > OPERATOR_MAILS_PER_HOUR:
            return  # a flood of poison: the log and `maild quarantine list` have the rest
        context = Quarantined(
            number=row.id,
            source=row.source,
            error=row.error,
            size=len(row.raw),
            head=row.raw[:2000].decode("utf-8", errors="replace"),
        )
        out = self._to_operator("operator/quarantined", f"quarantine-{row.id}", context)
        self.queue(store, [out], now)  # in the quarantine's own commit

    def _to_operator(self, template: str, key: str, context: View) -> notices.Notice:
        assert self.operator is not None
        operator = Person(self.operator, "Operator", Role.OPERATOR)
        return notices.notice(template, operator, 0, key, self.addressing, context)
