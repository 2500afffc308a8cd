"""Mail taken in: UIDs and contents seen, raw rows, the quarantine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlmodel import col, select

from maild.adapters.db.models import Inbound, Quarantine
from maild.adapters.db.store.base import StoreBase
from maild.core.model import QuarantineStatus

# Hot-path statement built once: building a select costs more than running it.
_SEEN_CONTENT = select(Inbound.id).where(
    Inbound.message_id == bindparam("message_id"),
    Inbound.content_hash == bindparam("content_hash"),
)


class InboundMixin(StoreBase):
    def seen_uids(self, source: str, uidvalidity: int | None, uids: Sequence[int]) -> set[int]:
        """Which of these UIDs were taken already: one query for a whole batch."""
        if not uids:
            return set()
        query = select(Inbound.uid).where(
            Inbound.source == source,
            Inbound.uidvalidity == uidvalidity,
            col(Inbound.uid).in_(list(uids)),
        )
        return {int(uid) for uid in self.session.exec(query).all() if uid is not None}

    def took_mail_before(self, when: datetime) -> bool:
        query = select(Inbound.id).where(Inbound.received_at < when).limit(1)
        return self.session.exec(query).first() is not None

    def seen_content(self, message_id: str, content_hash: str) -> bool:
        params = {"message_id": message_id, "content_hash": content_hash}
        return self.session.connection().execute(_SEEN_CONTENT, params).first() is not None

    def settle_inbound(self, inbound_id: int, ticket_id: int | None, reason: str | None) -> None:
        """A staff mail's row, once the desk knows its ticket and what became of it."""
        self.session.execute(
            update(Inbound)
            .where(col(Inbound.id) == inbound_id)
            .values(ticket_id=ticket_id, reason=reason)
        )

    def inbound(self, inbound_id: int) -> Inbound | None:
        return self.session.get(Inbound, inbound_id)

    def quarantined(self, limit: int = 100) -> Sequence[Quarantine]:
        query = select(Quarantine).order_by(col(Quarantine.id).desc()).limit(limit)
        return self.session.exec(query).all()

    def quarantine_held(self) -> int:
        query = (
            select(func.count())
            .select_from(Quarantine)
            .where(Quarantine.status == QuarantineStatus.HELD)
        )
        return int(self.session.exec(query).one())

    def quarantined_since(self, since: datetime) -> int:
        query = select(func.count()).select_from(Quarantine).where(Quarantine.created_at >= since)
        return int(self.session.exec(query).one())

    def quarantine(self, qid: int) -> Quarantine | None:
        return self.session.get(Quarantine, qid)
