"""Events -> who is told what: template, audience, addressing, context.

Addressing is decided here, purely: every notice carries a Message-ID and a
Reply-To with a token signed for its recipient and ticket, so a reply to it
comes back threaded and provable. Message-IDs are derived from the mail that
caused them, so processing the same mail twice yields the same Message-ID
and the outbox's unique key refuses the second copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from maild.core import carry, tokens
from maild.core.contexts import Ack, AttachmentShown, CustomerMail, View
from maild.core.files import FileRef
from maild.core.model import InboundMail, Person
from maild.core.words import Said


@dataclass(frozen=True)
class Addressing:
    support: str
    support_name: str
    key: bytes
    # [attachments] max_bytes: the files one mail may carry; the rest are named.
    file_cap: int = 10_000_000
    language: str = "en"  # the team's: for a reader whose own is not known

    def language_of(self, person: Person) -> str:
        return person.language or self.language

    @property
    def domain(self) -> str:
        return self.support.partition("@")[2]


@dataclass(frozen=True)
class Notice:
    template: str  # "<audience>/<event>", e.g. "customer/ack"
    to_addr: str
    to_name: str
    ticket_id: int
    message_id: str
    reply_to: str
    in_reply_to: str | None
    references: tuple[str, ...]
    auto_submitted: str
    context: Mapping[str, object] = field(default_factory=dict)
    from_name: str = ""  # shown with the support address; default the support name
    cc: tuple[str, ...] = ()  # colleagues of the customer on copy
    files: tuple[FileRef, ...] = ()  # carried as real attachments (bytes streamed at send)
    language: str = "en"  # the reader's: the catalog and locale it is written in


def _unique(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


def _addressed(
    template: str, to: Person, ticket_id: int, cause: str, a: Addressing
) -> tuple[str, str, str]:
    token = tokens.sign(a.key, ticket_id, to.email)
    msgid = tokens.message_id(token, _unique(cause, template, to.email), a.domain)
    root = tokens.message_id(token, "root", a.domain)
    return msgid, tokens.reply_address(a.support, token), root


def customer_mail(
    subject: str, mail: InboundMail, carried: carry.Carried | None = None
) -> CustomerMail:
    shown = carried.shown if carried is not None else ()
    return CustomerMail(
        subject=subject,
        text=mail.text,
        from_name=mail.from_name,
        from_addr=mail.from_addr,
        attachments=shown
        or tuple(
            AttachmentShown(x.filename, x.size, x.content is not None) for x in mail.attachments
        ),
        notes=tuple(mail.notes),
    )


def ack(customer: Person, ticket_id: int, subject: str, mail: InboundMail, a: Addressing) -> Notice:
    msgid, reply_to, _root = _addressed("customer/ack", customer, ticket_id, mail.content_hash, a)
    return Notice(
        template="customer/ack",
        to_addr=customer.email,
        to_name=customer.name,
        ticket_id=ticket_id,
        message_id=msgid,
        reply_to=reply_to,
        in_reply_to=mail.message_id,
        references=(*mail.references[-10:], mail.message_id),
        auto_submitted="auto-replied",
        language=a.language_of(customer),
        context={
            "ticket_id": ticket_id,
            "support_name": a.support_name,
            **Ack(subject=subject, customer_name=customer.name).values(),
        },
    )


def staff_notices(
    event: str,
    staff: Sequence[Person],
    ticket_id: int,
    subject: str,
    mail: InboundMail,
    a: Addressing,
    history: Said | None = None,
) -> list[Notice]:
    """Tell each staff member about a customer mail ("new" ticket or "reply"), its
    files attached (within the cap; the rest named), with the customer's earlier
    tickets in one line for a new one."""
    template = f"agent/{event}"
    carried = carry.choose(carry.of_mail(mail.attachments), a.file_cap, a.domain)
    context = replace(customer_mail(subject, mail, carried), history=history)
    return [
        notice(template, p, ticket_id, mail.content_hash, a, context, files=carried.files)
        for p in staff
    ]


def notice(
    template: str,
    to: Person,
    ticket_id: int,
    cause: str,
    a: Addressing,
    context: Mapping[str, object] | View,
    *,
    thread: Sequence[str] = (),
    from_name: str = "",
    cc: Sequence[str] = (),
    files: Sequence[FileRef] = (),
) -> Notice:
    """A mail to one person about one ticket, in their own thread with maild.

    `cause` makes the Message-ID: the same cause gives the same mail, which the
    outbox's unique key refuses to queue twice. `thread` holds Message-IDs the
    mail answers (oldest first), after the recipient's own root."""
    msgid, reply_to, root = _addressed(template, to, ticket_id, cause, a)
    values = context.values() if isinstance(context, View) else context
    chain = (root, *(t for t in thread if t != root))[-10:]
    return Notice(
        template=template,
        to_addr=to.email,
        to_name=to.name,
        ticket_id=ticket_id,
        message_id=msgid,
        reply_to=reply_to,
        in_reply_to=chain[-1],
        references=chain,
        auto_submitted="auto-generated",
        context={"ticket_id": ticket_id, "support_name": a.support_name, **values},
        from_name=from_name,
        cc=tuple(cc),
        files=tuple(files),
        language=a.language_of(to),
    )
