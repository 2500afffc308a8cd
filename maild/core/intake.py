"""What every way into maild hands over and gets back: values both the intakes
(adapters) and the ingest service use, so neither has to import the other."""

from __future__ import annotations

from dataclasses import dataclass


class TransientError(Exception):
    """Nothing was committed; try the same mails again later."""


@dataclass(frozen=True)
class RawMail:
    raw: bytes
    source: str = "pipe"
    uidvalidity: int | None = None
    uid: int | None = None
    size: int | None = None  # the whole mail's, when only its first bytes were read


@dataclass(frozen=True)
class Outcome:
    verdict: str  # ticket, joined, staff, ignored, quarantined, duplicate
    ticket_id: int | None = None
    reason: str | None = None
    status: str | None = None  # staff mail: what became of it (applied, refused, unproven ...)
