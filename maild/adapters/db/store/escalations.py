"""Escalations, and the scheduler's job runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from maild.adapters.db.models import Escalation, JobRun
from maild.adapters.db.store.base import StoreBase
from maild.core.model import EscalationStatus


class EscalationsMixin(StoreBase):
    def last_escalation_owner(self, team: str) -> str | None:
        query = (
            select(Escalation.owner)
            .where(Escalation.team == team)
            .order_by(col(Escalation.id).desc())
            .limit(1)
        )
        return self.session.exec(query).first()

    def open_escalation(self, ticket_id: int) -> Escalation | None:
        query = select(Escalation).where(
            Escalation.ticket_id == ticket_id, Escalation.status == EscalationStatus.OPEN
        )
        return self.session.exec(query.limit(1)).first()

    def latest_escalation(self, ticket_id: int, owner: str) -> Escalation | None:
        query = (
            select(Escalation)
            .where(Escalation.ticket_id == ticket_id, Escalation.owner == owner)
            .order_by(col(Escalation.id).desc())
        )
        return self.session.exec(query.limit(1)).first()

    def open_escalations(self) -> Sequence[Escalation]:
        query = (
            select(Escalation)
            .where(Escalation.status == EscalationStatus.OPEN)
            .order_by(col(Escalation.id))
        )
        return self.session.exec(query).all()

    def job_claimed(self, job: str, period: str) -> bool:
        query = select(JobRun.id).where(JobRun.job == job, JobRun.period == period)
        return self.session.exec(query).first() is not None

    def claim_job(self, job: str, period: str, now: datetime) -> bool:
        """Record that this job runs for this period; False when it already ran."""
        if self.job_claimed(job, period):
            return False
        self.add(JobRun(job=job, period=period, started_at=now))
        return True

    def release_job(self, job: str, period: str) -> None:
        """Forget a failed run so the next check tries the period again."""
        query = select(JobRun).where(JobRun.job == job, JobRun.period == period)
        for row in self.session.exec(query).all():
            self.session.delete(row)

    def last_job_runs(self) -> list[tuple[str, str, datetime]]:
        query = select(JobRun.job, func.max(JobRun.period), func.max(JobRun.started_at)).group_by(
            JobRun.job
        )
        return [(j, p, t) for j, p, t in self.session.execute(query).all()]
