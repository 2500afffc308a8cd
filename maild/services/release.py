"""`maild quarantine release N`: a held mail taken again, as if it had just come.

A spam mail is taken as not spam (the operator said so): it becomes a ticket,
acknowledged as usual, and its sender's #spam mark goes (the undo of #spam).
A mail quarantined because it could not be read is fed through intake again
(after a fix or an upgrade); still failing, it stays where it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from email.utils import parseaddr

from sqlalchemy import update
from sqlmodel import col

from maild.adapters.db import spam
from maild.adapters.db.models import Inbound
from maild.adapters.db.store import Database
from maild.core.intake import Outcome, RawMail, Verdict
from maild.core.mail import glance
from maild.core.model import QuarantineStatus


class NotReleased(Exception):
    """Nothing was released; the message says why."""


def release(
    db: Database, ingest: Callable[[Sequence[RawMail]], list[Outcome]], number: int
) -> Outcome:
    with db.transaction() as store:
        row = store.quarantine(number)
        if row is None:
            raise NotReleased(f"no quarantined mail #{number}")
        if row.status == QuarantineStatus.RELEASED:
            raise NotReleased(f"#{number} was released already")
        was_spam = row.status == QuarantineStatus.SPAM
        raw = row.raw
        if not raw:
            raise NotReleased(f"#{number}'s bytes were dropped ([retention] raw_days)")
        if was_spam and row.inbound_id is not None:
            # The held mail's content key would name the release a repeat: it gets
            # a stand-in, as a quarantined mail's does.
            stand_in = f"<spam-{number}-released@quarantine.maild>"
            store.session.execute(
                update(Inbound).where(col(Inbound.id) == row.inbound_id).values(message_id=stand_in)
            )
            sender = parseaddr(glance(raw)["from"])[1].lower()
            if sender:
                spam.unmark(store.session, sender)
    [outcome] = ingest([RawMail(raw, f"quarantine:{number}", released=was_spam)])
    if outcome.verdict is Verdict.QUARANTINED:
        raise NotReleased(f"still failing: {outcome.reason}")
    with db.transaction() as store:
        row = store.quarantine(number)
        assert row is not None
        row.status = QuarantineStatus.RELEASED
        row.released_ticket_id = outcome.ticket_id
    return outcome
