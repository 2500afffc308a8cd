"""Tables. Times are aware UTC. Unique keys make every repetition harmless."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from maild.core.model import (
    ApprovalStatus,
    EscalationStatus,
    OutboxStatus,
    QuarantineStatus,
    TicketStatus,
)


class Ticket(SQLModel, table=True):
    __table_args__ = (
        Index("ix_ticket_team_created", "team", "created_at"),
        # covering: "open at the end of the day" counts without reading a row
        Index("ix_ticket_team_closed", "team", "closed_at", "created_at"),
        Index("ix_ticket_team_first_response", "team", "first_response_at"),
        Index("ix_ticket_agent_closed", "agent", "closed_at"),
        Index("ix_ticket_awaiting", "awaiting_since"),
    )
    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=TicketStatus.OPEN, index=True)
    priority: str = "normal"
    customer: str = Field(index=True)
    customer_name: str = ""
    subject: str = ""
    agent: str | None = Field(default=None, index=True)
    team: str | None = None
    created_at: datetime = Field(index=True)
    updated_at: datetime
    first_response_at: datetime | None = None  # a person's first words to the customer
    closed_at: datetime | None = None  # when it was last closed; None while open
    # Since when the customer waits for a person (None: answered, pending or closed);
    # the response target counts from here. target_stage: 1 once the reminder near
    # the target went, 2 once the breach was told (reset when the wait starts again).
    awaiting_since: datetime | None = None
    target_stage: int = 0
    merged_into: int | None = None  # folded into that ticket (#merge): mail goes there
    # The customer's language ("de"): decided on their first mail or set by #lang;
    # None: the team's. A new ticket of theirs starts with their latest ticket's.
    language: str | None = None


def _only(condition: str) -> dict[str, Any]:
    """A partial index's condition, for both databases. A query uses the index
    when its WHERE holds the very same text (see RAW_KEPT)."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


# Mail whose raw bytes retention has not dropped yet. Partial indexes on it keep
# the hourly housekeeping O(mail of the last raw_days), not O(all mail ever):
# with a million old tickets a full scan took 1.4 s an hour, holding the lock.
RAW_KEPT = "length(raw) > 0"
ACKS = "template = 'customer/ack'"  # the acknowledgements (ix_outbox_acks)


class Inbound(SQLModel, table=True):
    """One row per mail taken in, whatever became of it."""

    __table_args__ = (
        UniqueConstraint("source", "uidvalidity", "uid", name="uq_inbound_uid"),
        UniqueConstraint("message_id", "content_hash", name="uq_inbound_content"),
        Index("ix_inbound_raw_kept", "received_at", **_only(RAW_KEPT)),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str
    uidvalidity: int | None = None
    uid: int | None = None
    message_id: str
    content_hash: str
    sender: str | None = None
    subject: str = ""
    verdict: str  # ticket, joined, staff, ignored, quarantined
    reason: str | None = None
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    size: int = 0
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # b"" once dropped
    received_at: datetime = Field(index=True)


class Message(SQLModel, table=True):
    __table_args__ = (Index("ix_message_kind_created", "kind", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    inbound_id: int | None = Field(default=None, foreign_key="inbound.id")
    direction: str = "in"
    kind: str  # customer, staff, robot
    author: str
    author_name: str = ""
    subject: str = ""
    text: str = ""
    text_source: str = "plain"
    notes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    filename: str
    content_type: str
    size: int
    # Before the blob table: the bytes themselves (older rows only; new ones name a blob).
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    blob: str | None = Field(default=None, index=True)  # the bytes' sha256: Blob.hash
    content_id: str | None = None  # an image pasted into the HTML text (cid:)
    inline: bool = False
    blocked: str | None = None  # why it is never forwarded (a program), or None


class Blob(SQLModel, table=True):
    """A file's bytes, once however many mails carry them: keyed by their sha256.
    Retention and `maild forget` empty `content`; the row and the names stay."""

    hash: str = Field(primary_key=True)
    size: int
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime


class Event(SQLModel, table=True):
    # the summary counts some kinds over a day or 30 days (reopened, target reminders)
    __table_args__ = (Index("ix_event_kind_at", "kind", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime
    kind: str
    actor: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Outbox(SQLModel, table=True):
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # Only rows in flight are leased (a settled row's lease is cleared): the
        # index holds those alone, so finding a dead sender's rows costs the same
        # whatever millions of sent mails the table keeps.
        Index("ix_outbox_leased", "leased_by", **_only("leased_by IS NOT NULL")),
        Index("ix_outbox_raw_kept", "created_at", **_only(RAW_KEPT)),
        # acknowledgements in the last hour, overall ([limits] acks_per_hour). Partial:
        # a full (template, created_at) index made SQLite read every ack of the day
        # for each sender's history (store._SENDER_HISTORY binds the template).
        Index("ix_outbox_acks", "created_at", **_only(ACKS)),
        # a bounce names the VERP envelope sender of the mail it returns
        Index("ix_outbox_envelope_from", "envelope_from"),
    )
    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    template: str
    recipients: list[str] = Field(sa_column=Column(JSON, nullable=False))
    envelope_from: str
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = OutboxStatus.QUEUED
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None
    # per recipient: {"status": "accepted"|"refused"|"deferred", "code": int, "reply": str}
    results: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    sent_at: datetime | None = None
    # The process holding the lease: when it stops being seen, the lease ends.
    leased_by: str | None = None
    # Files streamed into `raw` at send time: [{"blob", "name", "start", "body"}],
    # where `start` is the offset of the part's headers and `body` of its (empty) body.
    files: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )


class Instance(SQLModel, table=True):
    """A running maild process. It updates seen_at every few seconds; an outbox
    lease held by a process not seen for a while is free again."""

    id: str = Field(primary_key=True)
    host: str
    pid: int
    started_at: datetime
    seen_at: datetime
    # its workers and what each is doing (maild status), written with each beat
    status: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Quarantine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    inbound_id: int | None = Field(default=None, foreign_key="inbound.id")
    source: str
    error: str
    traceback: str = ""
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = QuarantineStatus.HELD
    released_ticket_id: int | None = None
    created_at: datetime


class JobRun(SQLModel, table=True):
    """A scheduled job's run for one period: the unique key makes it run once."""

    __table_args__ = (UniqueConstraint("job", "period", name="uq_jobrun"),)
    id: int | None = Field(default=None, primary_key=True)
    job: str
    period: str
    started_at: datetime
    finished_at: datetime | None = None


class Action(SQLModel, table=True):
    """One staff mail that was acted on (or refused): the key that stops a replay.

    `fingerprint` is the mail's sender, Date, new text and ticket: a replay under
    a new Message-ID still matches it; `message_id` catches a resend with new
    content. Only a proven mail that was acted on claims them: an unproven mail
    (a forgery) or a replay keeps its row with fingerprint None, so nothing a
    forger sends can make the genuine mail look like a replay."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    inbound_id: int = Field(foreign_key="inbound.id")
    actor: str = Field(index=True)
    message_id: str = Field(index=True)
    fingerprint: str | None = Field(default=None, unique=True)
    status: str  # an ActionStatus
    # per line: {line, raw, name, args, status, reason, decision}
    lines: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    auth: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    updated_at: datetime


class Approval(SQLModel, table=True):
    __table_args__ = (Index("ix_approval_waiting", "status", "requested_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    action_id: int = Field(foreign_key="action.id", unique=True)
    inbound_id: int = Field(foreign_key="inbound.id")
    agent: str
    manager: str = Field(index=True)
    status: str = ApprovalStatus.WAITING
    crosses: str  # the limits the held mail crosses, in words
    words: str = ""  # the agent's new text, as the manager sees it
    amount_cents: int = 0
    currency: str = ""
    note: str = ""
    requested_at: datetime
    reminders: int = 0
    last_reminded_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None


class Ledger(SQLModel, table=True):
    """Every credit given. Amounts are integer cents: exact on SQLite and PostgreSQL."""

    __table_args__ = (
        Index("ix_ledger_agent_at", "agent", "created_at"),
        Index("ix_ledger_customer_at", "customer", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    action_id: int = Field(foreign_key="action.id")
    agent: str
    customer: str
    amount_cents: int
    currency: str
    reason: str = ""
    approved_by: str | None = None
    message_id: str
    content_hash: str
    auth: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime


class BudgetLock(SQLModel, table=True):
    """One row per agent and per customer, locked (FOR UPDATE) while a budget is read
    and written on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers."""

    key: str = Field(primary_key=True)


class Escalation(SQLModel, table=True):
    """A ticket handed to a team's owner; the agent stays the customer's contact."""

    __table_args__ = (Index("ix_escalation_open", "status", "ticket_id"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    team: str
    owner: str
    agent: str | None = None
    note: str = ""
    status: str = EscalationStatus.OPEN
    escalated_at: datetime
    ended_at: datetime | None = None
    last_customer_update_at: datetime  # a person's words to the customer, not auto-mails
    reminded_period: int = 0
    customer_noticed_period: int = 0
    stale_at: datetime | None = None


class Summary(SQLModel, table=True):
    """One manager's daily summary: the unique key makes it one a day, whoever sends it."""

    __table_args__ = (UniqueConstraint("manager", "day", name="uq_summary_manager_day"),)
    id: int | None = Field(default=None, primary_key=True)
    manager: str
    day: str  # the local date it reports on, YYYY-MM-DD
    sent_date: str  # the local date it was sent (the day after `day`)
    message_id: str | None = None
    created_at: datetime


class Participant(SQLModel, table=True):
    """A colleague the customer copied (or an agent's #cc add): on copy of the
    agents' answers, and their mail joins the ticket."""

    __table_args__ = (UniqueConstraint("ticket_id", "address", name="uq_participant"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    address: str
    added_by: str  # the customer's address, or the agent's
    created_at: datetime


class Survey(SQLModel, table=True):
    """The one-question survey sent when a ticket closed, and the customer's rating:
    one row per ticket, naming the agent it rates."""

    __table_args__ = (
        UniqueConstraint("ticket_id", name="uq_survey_ticket"),
        Index("ix_survey_customer_sent", "customer", "sent_at"),
        Index("ix_survey_message_id", "message_id"),
        Index("ix_survey_agent_answered", "agent", "answered_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    customer: str
    agent: str | None = None
    message_id: str
    sent_at: datetime
    score: int | None = None  # 1..5; good = 5, bad = 1
    comment: str | None = None
    answered_at: datetime | None = None


class MailboxCheck(SQLModel, table=True):
    """When each mailbox was last checked, by any process: `maild status` shows it
    after a cron-driven `run --once` too, when no daemon is running."""

    mailbox: str = Field(primary_key=True)
    checked_at: datetime
    taken: int = 0
    error: str | None = None  # the last check failed: why


class SpamSender(SQLModel, table=True):
    """A sender an agent marked with #spam: their next mails go to the spam quarantine
    (until `maild quarantine release` lets one of them through)."""

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(unique=True)
    ticket_id: int | None = None
    marked_by: str
    created_at: datetime
