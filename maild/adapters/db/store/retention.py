"""Retention and forgetting: raw bytes dropped, a customer erased."""

from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy import delete, or_, text, update
from sqlmodel import col, select

from maild.adapters.db.models import (
    RAW_KEPT,
    Attachment,
    BudgetLock,
    Event,
    Inbound,
    JobRun,
    Ledger,
    Message,
    Outbox,
    Participant,
    Ticket,
)
from maild.adapters.db.store.files import FilesMixin
from maild.core.model import OutboxStatus


class RetentionMixin(FilesMixin):
    """Erasing a mail's files empties their blobs: the attachment rows (names) stay."""

    def drop_raw_before(self, cutoff: datetime, limit: int) -> list[int | None]:
        """Empty the raw bytes (and attachments) of mail taken before cutoff; returns
        the tickets of the rows it emptied, one entry a row."""
        rows = (
            self.session.connection()
            .execute(
                select(Inbound.id, Inbound.ticket_id)
                .where(col(Inbound.received_at) < cutoff, text(RAW_KEPT))
                .limit(limit)
            )
            .all()
        )
        ids = [r.id for r in rows]
        if not ids:
            return []
        self.session.execute(update(Inbound).where(col(Inbound.id).in_(ids)).values(raw=b""))
        messages = select(Message.id).where(col(Message.inbound_id).in_(ids))
        self.session.execute(
            update(Attachment).where(col(Attachment.message_id).in_(messages)).values(content=None)
        )
        self.erase_blobs(messages, keep=select(Message.id).where(Message.created_at >= cutoff))
        return [r.ticket_id for r in rows]

    def drop_sent_raw_before(self, cutoff: datetime, limit: int) -> int:
        ids = (
            self.session.connection()
            .execute(
                select(Outbox.id)
                .where(
                    col(Outbox.status).in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
                    col(Outbox.created_at) < cutoff,
                    text(RAW_KEPT),
                )
                .limit(limit)
            )
            .scalars()
            .all()
        )
        if ids:
            self.session.execute(update(Outbox).where(col(Outbox.id).in_(ids)).values(raw=b""))
        return len(ids)

    def prune_job_runs(self, before: datetime) -> int:
        result = self.session.execute(delete(JobRun).where(col(JobRun.started_at) < before))
        return int(getattr(result, "rowcount", 0) or 0)

    def erase_customer(self, customer: str, alias: str, tickets: list[int]) -> dict[str, int]:
        """Every row that holds the customer's words or address: erased or pseudonymised."""
        on_tickets = col(Message.ticket_id).in_(tickets)
        messages = select(Message.id).where(on_tickets)
        done = {
            "messages": self._update(
                update(Message).where(on_tickets).values(text="", subject="", author_name="")
            ),
            # The names stay (shown as removed); the bytes go.
            "attachments": self.erase_blobs(messages, keep=select(Message.id).where(~on_tickets)),
        }
        self._update(update(Message).where(col(Message.author) == customer).values(author=alias))
        mine = or_(col(Inbound.ticket_id).in_(tickets), col(Inbound.sender) == customer)
        done["raw mails"] = self._update(
            update(Inbound).where(mine).values(raw=b"", sender=alias, subject="")
        )
        sent = col(Outbox.ticket_id).in_(tickets)
        self._update(
            update(Outbox)
            .where(sent, col(Outbox.status) == OutboxStatus.QUEUED)
            .values(status=OutboxStatus.FAILED, last_error="customer forgotten before it was sent")
        )
        done["sent mails"] = self._update(update(Outbox).where(sent).values(raw=b""))
        done["credits"] = self._update(
            update(Ledger).where(col(Ledger.customer) == customer).values(customer=alias)
        )
        # Colleagues on copy of the customer's tickets, and the customer on anyone's.
        copied = or_(col(Participant.ticket_id).in_(tickets), col(Participant.address) == customer)
        done["participants"] = self._update(delete(Participant).where(copied))
        self._update(update(Event).where(col(Event.actor) == customer).values(actor=alias))
        # Events say what happened in words ("credited USD 10.00 to sam@..."): the
        # address goes from those words too.
        for event in self.session.exec(select(Event).where(col(Event.ticket_id).in_(tickets))):
            said = json.dumps(event.detail)
            if customer in said.lower():
                event.detail = json.loads(re.sub(re.escape(customer), alias, said, flags=re.I))
        self._update(
            update(Ticket)
            .where(col(Ticket.id).in_(tickets))
            .values(customer=alias, customer_name="", subject="(forgotten)")
        )
        self._update(
            update(BudgetLock)
            .where(col(BudgetLock.key) == f"customer:{customer}")
            .values(key=f"customer:{alias}")
        )
        return done
