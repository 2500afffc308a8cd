"""The queries the services need, over one session (one transaction)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Engine,
    Insert,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, SQLModel, col, select

from maild.adapters.db import pipeline
from maild.adapters.db.models import (
    RAW_KEPT,
    Action,
    Approval,
    Attachment,
    BudgetLock,
    Escalation,
    Event,
    Inbound,
    Instance,
    JobRun,
    Ledger,
    Message,
    Outbox,
    Participant,
    Quarantine,
    Survey,
    Ticket,
)
from maild.core.intake import Verdict
from maild.core.model import (
    ApprovalStatus,
    EscalationStatus,
    OutboxStatus,
    QuarantineStatus,
    TicketFacts,
    TicketStatus,
)
from maild.core.policy import Money, Usage

# Hot-path statements built once: building a select costs more than running it.
_SEEN_CONTENT = select(Inbound.id).where(
    Inbound.message_id == bindparam("message_id"),
    Inbound.content_hash == bindparam("content_hash"),
)
_SENDER_HISTORY = select(
    select(func.count())
    .select_from(Ticket)
    .where(Ticket.customer == bindparam("customer"), Ticket.created_at >= bindparam("hour_ago"))
    .scalar_subquery(),
    select(func.max(Ticket.id)).where(Ticket.customer == bindparam("customer")).scalar_subquery(),
    select(func.count())
    .select_from(Outbox)
    .join(Ticket, col(Ticket.id) == col(Outbox.ticket_id))
    .where(
        Outbox.template == "customer/ack",
        Ticket.customer == bindparam("customer"),
        Outbox.created_at >= bindparam("day_ago"),
    )
    .scalar_subquery(),
)

# PostgreSQL: the same trip takes the number of the ticket the mail will open
_SENDER_HISTORY_AND_NUMBER = _SENDER_HISTORY.add_columns(
    func.nextval(func.pg_get_serial_sequence("ticket", "id"))
)

_RESERVE = text(
    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"
)

MERGE_HOPS = 20  # a chain of merges is followed this far


@cache
def _insert(model: type[SQLModel]) -> Insert:
    return insert(model.__table__)  # type: ignore[attr-defined]


@cache
def _append(model: type[SQLModel]) -> Insert:
    """An INSERT that asks nothing back (no RETURNING): PostgreSQL need not answer it
    before the next statement (pipeline.append)."""
    return insert(model.__table__).inline()  # type: ignore[attr-defined]


class Store:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._numbers: dict[type[SQLModel], list[int]] = {}  # reserved ids, see reserve()

    # inbound -------------------------------------------------------------
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

    # tickets -------------------------------------------------------------
    def ticket_facts(self, ids: Iterable[int]) -> dict[int, TicketFacts]:
        wanted = list(ids)
        if not wanted:
            return {}
        rows = [self.live_ticket(n) for n in wanted]
        copied: dict[int, set[str]] = {}
        query = select(Participant.ticket_id, Participant.address)
        live = [t.id for t in rows if t is not None]
        for ticket_id, address in self.session.exec(
            query.where(col(Participant.ticket_id).in_(live))
        ):
            copied.setdefault(ticket_id, set()).add(address)
        # A merged ticket's number answers for the ticket it was folded into.
        return {
            n: _facts(t, copied.get(t.id, set()))
            for n, t in zip(wanted, rows, strict=True)
            if t is not None and t.id is not None
        }

    def live_ticket(self, ticket_id: int) -> Ticket | None:
        """The ticket, or the one it was merged into (followed to the end)."""
        ticket = self.session.get(Ticket, ticket_id)
        for _ in range(MERGE_HOPS):
            if ticket is None or ticket.merged_into is None:
                return ticket
            ticket = self.session.get(Ticket, ticket.merged_into)
        return ticket

    def merge_ticket(self, source: int, into: int, now: datetime) -> None:
        """Fold `source` into `into`: its messages, events, credits, escalations and
        participants move; it keeps its number, closed, pointing at `into`."""
        for model in (Message, Event, Ledger):
            self.session.execute(
                update(model).where(col(model.ticket_id) == source).values(ticket_id=into)
            )
        if self.open_escalation(into) is not None:  # one open escalation a ticket
            self.session.execute(
                update(Escalation)
                .where(
                    col(Escalation.ticket_id) == source,
                    col(Escalation.status) == EscalationStatus.OPEN,
                )
                .values(status=EscalationStatus.CLOSED, ended_at=now)
            )
        self.session.execute(
            update(Escalation).where(col(Escalation.ticket_id) == source).values(ticket_id=into)
        )
        copied = self.participants(source)
        self.session.execute(delete(Participant).where(col(Participant.ticket_id) == source))
        self.add_participants(into, copied, "merge", now)

    # participants: colleagues on copy -------------------------------------
    def participants(self, ticket_id: int) -> list[str]:
        query = (
            select(Participant.address)
            .where(Participant.ticket_id == ticket_id)
            .order_by(col(Participant.id))
        )
        return list(self.session.exec(query).all())

    def add_participants(
        self, ticket_id: int, addresses: Sequence[str], by: str, now: datetime
    ) -> list[str]:
        """Those not on copy yet are added; returns them."""
        new = [a for a in dict.fromkeys(addresses) if a not in self.participants(ticket_id)]
        self.insert_many(
            Participant,
            [
                {"ticket_id": ticket_id, "address": a, "added_by": by, "created_at": now}
                for a in new
            ],
        )
        return new

    def remove_participant(self, ticket_id: int, address: str) -> bool:
        done = self.session.execute(
            delete(Participant).where(
                col(Participant.ticket_id) == ticket_id, col(Participant.address) == address
            )
        )
        return bool(getattr(done, "rowcount", 0))

    def awaiting_tickets(
        self, waited_since: datetime | None = None, untold_below: int | None = None
    ) -> Sequence[Ticket]:
        """Open tickets whose customer waits for a person (the response targets'); only
        those waiting since before `waited_since`, and whose target_stage is below
        `untold_below`, when given (the few the scheduler may have to tell of)."""
        query = select(Ticket).where(
            col(Ticket.awaiting_since).is_not(None), Ticket.status == TicketStatus.OPEN
        )
        if waited_since is not None:
            query = query.where(col(Ticket.awaiting_since) <= waited_since)
        if untold_below is not None:
            query = query.where(col(Ticket.target_stage) < untold_below)
        return self.session.exec(query).all()

    def ticket(self, ticket_id: int) -> Ticket | None:
        return self.session.get(Ticket, ticket_id)

    def sender_history(
        self, customer: str, hour_ago: datetime, day_ago: datetime
    ) -> tuple[int, int | None, int]:
        """Tickets this customer opened in the last hour, their latest ticket, and
        acknowledgements sent to them in the last day: one round trip. Asked before a
        ticket opens; on PostgreSQL the same trip reserves its number, so the ticket's
        row waits for nothing (insert_numbered). A mail the flood limit adds to an
        older ticket leaves its number to the next ticket, or as a gap."""
        params = {"customer": customer, "hour_ago": hour_ago, "day_ago": day_ago}
        conn = self.session.connection()
        if conn.dialect.name != "postgresql":
            opened, latest, acks = pipeline.one(conn, _SENDER_HISTORY, params)
        else:
            opened, latest, acks, number = pipeline.one(conn, _SENDER_HISTORY_AND_NUMBER, params)
            self._keep(Ticket, [number])
        return int(opened), latest, int(acks)

    def insert(self, model: type[SQLModel], **values: Any) -> int:
        """A Core INSERT: no ORM object to build or flush on the hot path."""
        result = self.session.connection().execute(_insert(model), values)
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def reserve(self, model: type[SQLModel], count: int) -> None:
        """PostgreSQL: take `count` ids from the table's sequence in one round trip, for
        insert_numbered() to give out (the ones left unused are gaps, as after any
        rollback). SQLite hands out ids in-process: nothing to reserve."""
        conn = self.session.connection()
        if count <= 0 or conn.dialect.name != "postgresql":
            return
        table = model.__tablename__
        self._keep(model, conn.execute(_RESERVE, {"table": table, "count": count}).scalars())

    def _keep(self, model: type[SQLModel], numbers: Iterable[int]) -> None:
        """Reserved ids, the smallest given out first: ids keep the order rows came."""
        kept = self._numbers.setdefault(model, [])
        kept.extend(numbers)
        kept.sort(reverse=True)

    def insert_numbered(self, model: type[SQLModel], **values: Any) -> int:
        """insert(), with a reserved id when there is one: the row is then appended,
        so nothing waits for the server."""
        reserved = self._numbers.get(model)
        if not reserved:
            return self.insert(model, **values)
        number = reserved.pop()
        self.append(model, id=number, **values)
        return number

    def append(self, model: type[SQLModel], **values: Any) -> None:
        """A row whose id nobody needs: with PostgreSQL, no wait for the server."""
        pipeline.append(self.session.connection(), _append(model), [values])

    def insert_many(self, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
        """Rows whose ids nobody needs (a mail's notices), appended as one executemany:
        one statement compiled once, no wait for PostgreSQL's answer."""
        pipeline.append(self.session.connection(), _append(model), rows)

    def add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row

    def event(
        self, ticket_id: int, at: datetime, kind: str, actor: str | None, **detail: Any
    ) -> None:
        self.append(Event, ticket_id=ticket_id, at=at, kind=kind, actor=actor, detail=detail)

    # listings ------------------------------------------------------------
    def tickets(self, status: str | None = None, limit: int = 100) -> Sequence[Ticket]:
        query = select(Ticket).order_by(col(Ticket.id).desc()).limit(limit)
        if status:
            query = query.where(Ticket.status == status)
        return self.session.exec(query).all()

    def messages(self, ticket_id: int) -> Sequence[Message]:
        query = select(Message).where(Message.ticket_id == ticket_id).order_by(col(Message.id))
        return self.session.exec(query).all()

    def events(self, ticket_id: int) -> Sequence[Event]:
        query = select(Event).where(Event.ticket_id == ticket_id).order_by(col(Event.id))
        return self.session.exec(query).all()

    def outbox(self, status: str | None = None, limit: int = 100) -> Sequence[Outbox]:
        query = select(Outbox).order_by(col(Outbox.id).desc()).limit(limit)
        if status:
            query = query.where(Outbox.status == status)
        return self.session.exec(query).all()

    def lease_outbox(self, rows: Sequence[Outbox], until: datetime, holder: str) -> None:
        """Lease the rows just read (one UPDATE; the objects are the caller's now)."""
        ids = [r.id for r in rows]
        for row in rows:
            self.session.expunge(row)
        self.session.execute(
            update(Outbox)
            .where(col(Outbox.id).in_(ids))
            .values(next_attempt_at=until, leased_by=holder, attempts=Outbox.attempts + 1)
        )

    def settle_outbox(self, rows: Sequence[Outbox]) -> None:
        """Write back what the sender decided for leased rows: one executemany."""
        self.session.execute(
            update(Outbox),
            [
                {
                    "id": r.id,
                    "status": r.status,
                    "results": r.results,
                    "attempts": r.attempts,
                    "leased_by": r.leased_by,
                    "next_attempt_at": r.next_attempt_at,
                    "last_error": r.last_error,
                    "sent_at": r.sent_at,
                }
                for r in rows
            ],
        )

    def due_outbox(self, now: datetime, limit: int, live_since: datetime, me: str) -> list[Outbox]:
        """Rows whose holder died (not seen since live_since) or is the caller itself
        (between two batches it holds nothing in flight: a lease it still has was left
        by a batch cut short), then rows due."""
        live = select(Instance.id).where(Instance.seen_at >= live_since, Instance.id != me)
        orphaned = (
            select(Outbox)
            .where(
                col(Outbox.leased_by).is_not(None),
                col(Outbox.leased_by).not_in(live),
                # status || '' keeps the status index out of this read: without
                # statistics (SQLite is never ANALYZEd) the planner took it and read
                # every queued row each batch, 0.69 CPU-ms a mail sent instead of 0.44
                # with 40,000 queued; the leased rows are the few in flight
                col(Outbox.status).concat("") == OutboxStatus.QUEUED,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(self.session.exec(orphaned).all())
        due = (
            select(Outbox)
            .where(Outbox.status == OutboxStatus.QUEUED, Outbox.next_attempt_at <= now)
            .order_by(col(Outbox.next_attempt_at))
            .limit(limit - len(rows))
            .with_for_update(skip_locked=True)
        )
        taken = {r.id for r in rows}
        return rows + [r for r in self.session.exec(due).all() if r.id not in taken]

    def seen(self, instance: Instance) -> None:
        """This process is alive: its leases hold."""
        found = self.session.get(Instance, instance.id)
        if found is None:
            self.session.add(instance)
        else:
            found.seen_at, found.status = instance.seen_at, instance.status

    def forget_instances(self, before: datetime) -> None:
        """Rows of processes long dead (killed, never signed off)."""
        self.session.execute(delete(Instance).where(col(Instance.seen_at) < before))

    def instances(self) -> Sequence[Instance]:
        return self.session.exec(select(Instance).order_by(col(Instance.seen_at).desc())).all()

    def outbox_counts(self) -> list[tuple[str, bool, int, datetime | None]]:
        """(status, deferred?, count, oldest created_at) for the outbox summary."""
        deferred = func.length(Outbox.last_error) > 0
        query = select(Outbox.status, deferred, func.count(), func.min(Outbox.created_at)).group_by(
            Outbox.status, deferred
        )
        return [(s, bool(d), int(n), t) for s, d, n, t in self.session.execute(query).all()]

    def last_job_runs(self) -> list[tuple[str, str, datetime]]:
        query = select(JobRun.job, func.max(JobRun.period), func.max(JobRun.started_at)).group_by(
            JobRun.job
        )
        return [(j, p, t) for j, p, t in self.session.execute(query).all()]

    def gone(self, instance_id: str) -> None:
        """This process stops: its leases (none, after a clean stop) end at once."""
        found = self.session.get(Instance, instance_id)
        if found is not None:
            self.session.delete(found)

    # retention -------------------------------------------------------------
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

    def tickets_of(self, customer: str) -> list[int]:
        query = select(Ticket.id).where(Ticket.customer == customer).order_by(col(Ticket.id))
        return [int(t) for t in self.session.exec(query).all() if t is not None]

    def erase_customer(self, customer: str, alias: str, tickets: list[int]) -> dict[str, int]:
        """Every row that holds the customer's words or address: erased or pseudonymised."""
        on_tickets = col(Message.ticket_id).in_(tickets)
        messages = select(Message.id).where(on_tickets)
        done = {
            "messages": self._update(
                update(Message).where(on_tickets).values(text="", subject="", author_name="")
            ),
            "attachments": self._update(
                delete(Attachment).where(col(Attachment.message_id).in_(messages))
            ),
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

    def _update(self, statement: Any) -> int:
        return int(getattr(self.session.execute(statement), "rowcount", 0) or 0)

    def latest_to(self, ticket_id: int, address: str) -> Outbox | None:
        """The newest mail maild wrote to this address about this ticket."""
        query = (
            select(Outbox)
            .where(Outbox.ticket_id == ticket_id)
            .order_by(col(Outbox.id).desc())
            .limit(200)
        )
        return next((o for o in self.session.exec(query) if address in o.recipients), None)

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

    # staff mail, budgets, approvals ---------------------------------------
    def action_seen(self, fingerprint: str, message_id: str) -> Action | None:
        """An earlier action that claimed the same fingerprint or Message-ID (only a
        proven mail that was acted on claims them)."""
        query = select(Action).where(
            col(Action.fingerprint).is_not(None),
            or_(col(Action.fingerprint) == fingerprint, col(Action.message_id) == message_id),
        )
        return self.session.exec(query.limit(1)).first()

    def actions_since(self, actor: str, statuses: Sequence[str], since: datetime) -> int:
        query = select(func.count()).where(
            Action.actor == actor,
            col(Action.status).in_(list(statuses)),
            Action.created_at >= since,
        )
        return int(self.session.exec(query).one())

    def lock_budgets(self, keys: Sequence[str]) -> None:
        """PostgreSQL: lock one row per budget (sorted: no deadlock) until commit.
        SQLite needs nothing: every transaction began with BEGIN IMMEDIATE."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        wanted = sorted(set(keys))
        table = BudgetLock.__table__  # type: ignore[attr-defined]
        self.session.connection().execute(
            pg_insert(table).values([{"key": k} for k in wanted]).on_conflict_do_nothing()
        )
        query = (
            select(BudgetLock.key)
            .where(col(BudgetLock.key).in_(wanted))
            .order_by(col(BudgetLock.key))
            .with_for_update()
        )
        self.session.exec(query).all()

    def usage(
        self,
        agent: str,
        customer: str,
        currency: str,
        day_start: datetime,
        month_start: datetime,
        since_30d: datetime,
    ) -> Usage:
        def total(*where: Any) -> Decimal:
            query = select(func.coalesce(func.sum(Ledger.amount_cents), 0)).where(
                Ledger.currency == currency, *where
            )
            return Money.from_cents(int(self.session.exec(query).one()), currency).amount

        mine = Ledger.agent == agent
        return Usage(
            today=total(mine, Ledger.created_at >= day_start),
            month=total(mine, Ledger.created_at >= month_start),
            customer_30d=total(Ledger.customer == customer, Ledger.created_at >= since_30d),
        )

    def credits_since(self, agent: str, since: datetime) -> tuple[int, int]:
        """How many credits this agent gave since then, and their sum in cents."""
        query = select(func.count(), func.coalesce(func.sum(Ledger.amount_cents), 0)).where(
            Ledger.agent == agent, Ledger.created_at >= since
        )
        count, cents = self.session.exec(query).one()
        return int(count), int(cents)

    def approvals_of(self, ticket_id: int | None) -> Sequence[Approval]:
        query = select(Approval).where(Approval.ticket_id == ticket_id).order_by(col(Approval.id))
        return self.session.exec(query).all()

    def fyi_events(self, manager: str, since: datetime, until: datetime) -> list[tuple[Event, str]]:
        """FYIs recorded for this manager's hourly bundle, with their tickets' subjects."""
        query = (
            select(Event, Ticket.subject)
            .join(Ticket, col(Ticket.id) == col(Event.ticket_id))
            .where(Event.kind == "fyi", Event.at >= since, Event.at < until)
            .order_by(col(Event.id))
        )
        found = self.session.exec(query).all()
        return [(e, s) for e, s in found if e.detail.get("manager") == manager]

    # surveys ----------------------------------------------------------------
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

    def sent_mail(self, message_ids: Sequence[str], template: str) -> Outbox | None:
        """The newest of our mails with one of these Message-IDs and this template."""
        if not message_ids:
            return None
        query = (
            select(Outbox)
            .where(col(Outbox.message_id).in_(list(message_ids)), Outbox.template == template)
            .order_by(col(Outbox.id).desc())
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

    def inbound(self, inbound_id: int) -> Inbound | None:
        return self.session.get(Inbound, inbound_id)

    def action(self, action_id: int) -> Action | None:
        return self.session.get(Action, action_id)

    def waiting_approvals(
        self, ticket_id: int | None = None, manager: str | None = None
    ) -> Sequence[Approval]:
        query = select(Approval).where(Approval.status == ApprovalStatus.WAITING)
        if ticket_id is not None:
            query = query.where(Approval.ticket_id == ticket_id)
        if manager is not None:
            query = query.where(Approval.manager == manager)
        return self.session.exec(query.order_by(col(Approval.requested_at))).all()

    def ledger(
        self,
        agent: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
        ticket: int | None = None,
    ) -> Sequence[Ledger]:
        query = select(Ledger).order_by(col(Ledger.id)).limit(limit)
        if ticket is not None:
            query = query.where(Ledger.ticket_id == ticket)
        if agent:
            query = query.where(Ledger.agent == agent.lower())
        if since:
            query = query.where(Ledger.created_at >= since)
        return self.session.exec(query).all()

    # escalations -----------------------------------------------------------
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

    def claim_job(self, job: str, period: str, now: datetime) -> bool:
        """Record that this job runs for this period; False when it already ran."""
        query = select(JobRun.id).where(JobRun.job == job, JobRun.period == period)
        if self.session.exec(query).first() is not None:
            return False
        self.add(JobRun(job=job, period=period, started_at=now))
        return True

    def release_job(self, job: str, period: str) -> None:
        """Forget a failed run so the next check tries the period again."""
        query = select(JobRun).where(JobRun.job == job, JobRun.period == period)
        for row in self.session.exec(query).all():
            self.session.delete(row)


def _facts(t: Ticket, participants: set[str]) -> TicketFacts:
    assert t.id is not None
    return TicketFacts(
        id=t.id,
        customer=t.customer,
        status=t.status,
        agent=t.agent,
        team=t.team,
        participants=frozenset(participants),
    )


class Database:
    """Hands out one Store per transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        # No autoflush: rows that later queries must see are flushed by add().
        with (
            Session(self.engine, expire_on_commit=False, autoflush=False) as session,
            session.begin(),
            pipeline.pipelined(session.connection()),
        ):
            yield Store(session)

    @contextmanager
    def savepoint(self, store: Store) -> Iterator[Store]:
        with store.session.begin_nested():
            try:
                yield store
            except BaseException:
                pipeline.recover(store.session.connection())
                raise
            pipeline.settle(store.session.connection())
