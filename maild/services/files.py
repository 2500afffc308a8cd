"""Which of a ticket's files go in a mail, read from the store.

A staff member's answer carries the files of their own mail: attached ones
always (an agent who attaches a customer's file sends it on, on purpose);
pasted images only when they are new on the ticket, so the images of the
quoted history and a signature logo that comes with every answer go once at
most (decided in docs/attachments.md). The staff who take over a ticket (its
escalation owner, the agent it is handed to, #files) get the ticket's files,
newest first.
"""

from __future__ import annotations

from collections.abc import Sequence

from maild.adapters.db.store import Store
from maild.adapters.db.store.files import TicketFile
from maild.core import carry
from maild.core.files import FileRef
from maild.core.model import Attachment


def for_customer(
    store: Store, ticket_id: int, own: Sequence[Attachment], own_row: int | None
) -> list[carry.Candidate]:
    """A staff mail's files, bound for the customer: pasted images already on the
    ticket (from another mail) stay behind."""
    earlier = {f.ref.blob for f in store.ticket_files(ticket_id) if f.message_id != own_row}
    return [c for c in carry.of_mail(own) if not (c.ref.content_id and c.ref.blob in earlier)]


def of_ticket(store: Store, ticket_id: int) -> list[carry.Candidate]:
    """Every file on the ticket, newest first, each set of bytes once; as
    attachments (a pasted image out of its text is a file like any other)."""
    seen: set[str] = set()
    out: list[carry.Candidate] = []
    for f in store.ticket_files(ticket_id):
        if f.ref.blob and f.ref.blob in seen:
            continue
        seen.add(f.ref.blob)
        out.append(_candidate(f))
    return out


def _candidate(f: TicketFile) -> carry.Candidate:
    ref = FileRef(f.ref.blob, f.ref.filename, f.ref.content_type, f.ref.size)
    erased = f.ref.blob != "" and not f.kept
    return carry.Candidate(ref, kept=f.kept, blocked=f.blocked, removed=erased)
