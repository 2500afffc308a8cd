"""Helpers for staff mail: answer a notification the way a mail client does."""

from __future__ import annotations

import itertools
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from maild.adapters.db.models import Outbox
from maild.bootstrap import App
from maild.core.intake import Outcome, RawMail
from tests.conftest import START, mail
from tests.integration.helpers import outbox, parsed

_seconds = itertools.count(1)


def take(app: App, raw: bytes) -> Outcome:
    [outcome] = app.ingest([RawMail(raw)])
    return outcome


def open_ticket(app: App, sender: str = "Sam Customer <sam@example.com>") -> int:
    outcome = take(app, mail(sender=sender))
    assert outcome.ticket_id is not None
    return outcome.ticket_id


def last(app: App, template: str, to: str) -> Outbox:
    return [o for o in outbox(app) if o.template == template and o.recipients[0] == to][-1]


def new_since(app: App, before: int) -> list[Outbox]:
    return outbox(app)[before:]


def body(row: Outbox) -> str:
    return parsed(row.raw).get_body(("plain",)).get_content().replace("\r\n", "\n")


def answer(
    notification: Outbox | bytes,
    text: str,
    sender: str | None = None,
    *,
    quote: bool = True,
    html: str | None = None,
    **headers: str,
) -> bytes:
    """A reply to `notification`: To its Reply-To, threaded, the new text above a quote."""
    raw = notification if isinstance(notification, bytes) else notification.raw
    original = parsed(raw)
    msg = EmailMessage()
    msg["From"] = sender or str(original["To"])
    msg["To"] = str(original["Reply-To"])
    msg["Subject"] = f"Re: {original['Subject']}"
    msg["Message-ID"] = f"<reply-{next(_seconds)}@acme.example>"
    msg["Date"] = format_datetime(START + timedelta(seconds=next(_seconds)))
    msg["In-Reply-To"] = original["Message-ID"]
    msg["References"] = f"{original['References'] or ''} {original['Message-ID']}".strip()
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    quoted = ""
    if quote:
        old = original.get_body(("plain",)).get_content()
        quoted = "\n\nOn Mon, 23 Nov 2026 at 09:00, Acme Support wrote:\n" + "\n".join(
            "> " + line for line in old.splitlines()
        )
    if html is not None and not text:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(text + quoted)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    return msg.as_bytes()
