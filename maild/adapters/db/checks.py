"""When each mailbox was last checked: written by every check, read by `maild status`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from maild.adapters.db.models import MailboxCheck


def record_check(
    session: Session, mailbox: str, now: datetime, taken: int = 0, error: str | None = None
) -> None:
    """A finished check (error None) or a failed one (the time of the last good check
    stays: the failure is what is new)."""
    row = session.get(MailboxCheck, mailbox)
    if row is None:
        if error is not None:
            return  # never checked: nothing to say when
        session.add(MailboxCheck(mailbox=mailbox, checked_at=now, taken=taken))
        return
    if error is None:
        row.checked_at, row.taken = now, taken
    row.error = error


def last_checks(session: Session) -> dict[str, MailboxCheck]:
    return {row.mailbox: row for row in session.exec(select(MailboxCheck)).all()}
