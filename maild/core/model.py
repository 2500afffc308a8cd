"""Plain values that travel between the core and the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from maild.core.words import Said


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    MANAGER = "manager"
    OWNER = "owner"
    ROBOT = "robot"
    OPERATOR = "operator"  # the administrator: told of quarantined mail, acts by CLI


class TicketStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"  # waiting for the customer
    CLOSED = "closed"


class OutboxStatus(StrEnum):
    QUEUED = "queued"  # due now or later (a deferral is queued with a last_error)
    SENT = "sent"
    FAILED = "failed"


class ActionStatus(StrEnum):
    """What became of one staff mail (the action row)."""

    RECEIVED = "received"
    APPLIED = "applied"
    HELD = "waiting for approval"
    REFUSED = "refused"
    UNPROVEN = "unproven"
    REPLAY = "replay"
    DENIED = "denied"
    EXPIRED = "expired"


class EscalationStatus(StrEnum):
    OPEN = "open"  # with its owner; at most one per ticket
    RETURNED = "returned"  # handed back to the agent (#return)
    MOVED = "moved"  # escalated on to another team
    CLOSED = "closed"  # the ticket closed


class QuarantineStatus(StrEnum):
    HELD = "held"
    RELEASED = "released"
    SPAM = "spam"  # held as spam: `maild quarantine release N` makes it a ticket


class ApprovalStatus(StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    role: Role
    team: str | None = None
    language: str | None = None  # their own ("de"); None: the team's (Addressing.language)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    # None when the part was over the size cap: metadata kept, content dropped.
    content: bytes | None
    content_id: str | None = None  # without <>: the HTML part's cid: reference
    inline: bool = False  # pasted into the text (a cid: image), not attached


@dataclass(frozen=True)
class InboundMail:
    message_id: str
    content_hash: str
    size: int
    from_addr: str | None
    from_name: str
    # True only when From holds exactly one address and parsed without defects.
    from_strict: bool
    to_addrs: tuple[str, ...]
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    date: datetime | None
    text: str
    text_source: str  # "plain", "html" or "none"
    attachments: tuple[Attachment, ...]
    robot: str | None  # why it is a robot, or None
    notes: tuple[Said, ...] = ()  # maild's words about the mail (str(note): English)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    cc_addrs: tuple[str, ...] = ()  # Cc only: colleagues the customer copied


@dataclass(frozen=True)
class Fetched:
    """One mail as a mailbox hands it over."""

    uid: int
    raw: bytes  # at most the cap asked for: the rest of a bigger mail stays on the server
    size: int  # the whole mail's size


@dataclass(frozen=True)
class TicketFacts:
    """What routing needs to know about an existing ticket."""

    id: int
    customer: str
    status: str
    agent: str | None
    team: str | None
    participants: frozenset[str] = frozenset()  # colleagues on copy: their mail joins
