"""Satisfaction surveys: asked, answered, the mail they answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, or_
from sqlmodel import col, select

from maild.adapters.db.models import Inbound, Outbox, Survey
from maild.adapters.db.store.base import StoreBase
from maild.core.intake import Verdict
from maild.core.model import OutboxStatus


class SurveysMixin(StoreBase):
    def surveyed(self, ticket_id: int, customer: str, since: datetime) -> bool:
        """Asked about this ticket already, or this customer lately."""
        query = select(Survey.id).where(
            or_(
                col(Survey.ticket_id) == ticket_id,
                and_(col(Survey.customer) == customer, col(Survey.sent_at) >= since),
            )
        )
        return self.session.exec(query.limit(1)).first() is not None

    def withdraw_survey(self, ticket_id: int) -> bool:
        """The ticket's survey, if it has not gone out yet (queued, never tried,
        held by no sender), is taken back: its mail and its row."""
        survey = self.session.exec(select(Survey).where(col(Survey.ticket_id) == ticket_id)).first()
        if survey is None:
            return False
        taken = self.session.execute(
            delete(Outbox).where(
                col(Outbox.message_id) == survey.message_id,
                col(Outbox.status) == OutboxStatus.QUEUED,
                col(Outbox.attempts) == 0,
                col(Outbox.leased_by).is_(None),
            )
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            return False
        self.session.delete(survey)
        return True

    def survey_answered(self, ticket_id: int, message_ids: Sequence[str | None]) -> Survey | None:
        ids = [i for i in message_ids if i]
        if not ids:
            return None
        query = select(Survey).where(
            col(Survey.ticket_id) == ticket_id, col(Survey.message_id).in_(ids)
        )
        return self.session.exec(query).first()

    def last_customer_message_id(self, ticket_id: int, customer: str) -> str | None:
        query = (
            select(Inbound.message_id)
            .where(
                Inbound.ticket_id == ticket_id,
                Inbound.sender == customer,
                col(Inbound.verdict).in_(
                    [Verdict.TICKET, Verdict.JOINED]
                ),  # not their out-of-office
            )
            .order_by(col(Inbound.id).desc())
            .limit(1)
        )
        return self.session.exec(query).first()
