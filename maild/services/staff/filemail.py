"""#files: a ticket's files to the staff member who asked, in mails under the cap."""

from __future__ import annotations

from dataclasses import dataclass

from maild.core import carry, files, notices
from maild.core.contexts import TicketFiles
from maild.services import files as ticket_files
from maild.services.rows import Queue
from maild.services.staff.mail import StaffMail


@dataclass
class FileMails:
    addressing: notices.Addressing
    queue: Queue

    def send(self, sm: StaffMail) -> int:
        """Every file whose bytes are kept and may travel, newest first; a file over
        the cap travels alone. Returns the number of mails."""
        ticket = sm.ticket
        assert ticket is not None and ticket.id is not None
        found = ticket_files.of_ticket(sm.store, ticket.id)
        everything = carry.choose(found, sum(c.ref.size for c in found), self.addressing.domain)
        others = tuple(a for a in everything.shown if a.why)
        mails = files.batches(everything.files, self.addressing.file_cap) or [()]
        out = []
        for n, batch in enumerate(mails, start=1):
            shown = carry.choose(
                [carry.Candidate(f, kept=True, blocked=None) for f in batch],
                sum(f.size for f in batch),
                self.addressing.domain,
            )
            context = TicketFiles(ticket.subject, n, len(mails), shown.shown, others)
            cause = f"{sm.mail.content_hash}:files:{n}"
            out.append(
                notices.notice(
                    "staff/files",
                    sm.person,
                    ticket.id,
                    cause,
                    self.addressing,
                    context,
                    files=batch,
                )
            )
        self.queue(sm.store, out, sm.now)
        sm.event("files_sent", mails=len(out), files=len(everything.files))
        return len(out)
