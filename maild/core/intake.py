"""What every way into maild hands over and gets back: values both the intakes
(adapters) and the ingest service use, so neither has to import the other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from maild.core.model import InboundMail


class TransientError(Exception):
    """Nothing was committed; try the same mails again later."""


@dataclass(frozen=True)
class RawMail:
    raw: bytes
    source: str = "pipe"
    uidvalidity: int | None = None
    uid: int | None = None
    size: int | None = None  # the whole mail's, when only its first bytes were read
    released: bool = False  # an operator let it out of the spam quarantine: not spam


# One mail's parse, asked for when its turn comes: the parsed mail, or what parsing raised.
Parsed = Callable[[], "InboundMail"]


class Verdict(StrEnum):
    """What became of one mail at the door (the inbound row's verdict)."""

    TICKET = "ticket"  # opened a ticket
    JOINED = "joined"  # a customer's mail on their ticket
    STAFF = "staff"  # a staff member's mail: the desk's Outcome.status says more
    IGNORED = "ignored"  # a robot's: recorded, never answered
    QUARANTINED = "quarantined"  # unreadable: its raw bytes kept for the operator
    DUPLICATE = "duplicate"  # taken already
    SPAM = "spam"  # the MTA's filter or an agent's #spam said so: held, never answered
    BOUNCE = "bounce"  # a delivery report on one of our own mails: on its ticket


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    ticket_id: int | None = None
    reason: str | None = None
    status: str | None = None  # staff mail: what became of it (applied, refused, unproven ...)
