"""Who sent a mail, and which ticket it belongs to.

Threading order, as Roundup does it: the signed token in our reply address,
then our Message-IDs in In-Reply-To/References, then the Message-IDs of mails
maild stored on a ticket (a customer answering their own first mail), then
the `[#N]` subject tag.
A mail naming a ticket joins it only when it comes from that ticket's
customer; from anyone else it opens a new ticket, so no customer ever sees
another's thread.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from maild.core import tokens
from maild.core.model import InboundMail, Person, Role, TicketFacts, TicketStatus

_SUBJECT_TAG = re.compile(r"\[#(\d{1,12})\]")


@dataclass(frozen=True)
class TicketRef:
    ticket_id: int
    source: str  # "reply address", "references", "subject tag"


@dataclass(frozen=True)
class Ignore:
    reason: str
    ticket_id: int | None = None  # recorded on that ticket, silently


@dataclass(frozen=True)
class Join:
    ticket_id: int
    via: str
    reopen: bool
    # It names the ticket (a reply): what it quotes is the ticket's own history,
    # so its new words are stored. A flood folded in names nothing: kept whole.
    answers: bool = True


@dataclass(frozen=True)
class Open:
    note: str | None = None


@dataclass(frozen=True)
class StaffMail:
    person: Person
    ticket_id: int | None


Decision = Ignore | Join | Open | StaffMail


def clean_subject(subject: str) -> str:
    """The subject for a new ticket: without another ticket's tag."""
    return " ".join(_SUBJECT_TAG.sub(" ", subject).split())


def carried_tokens(mail: InboundMail, support: str) -> list[tuple[str, tokens.Token]]:
    """Every token the mail carries: reply address first, then the References chain."""
    domain = support.partition("@")[2]
    found = [
        ("reply address", t) for a in mail.to_addrs if (t := tokens.token_from_address(support, a))
    ]
    ids = ([mail.in_reply_to] if mail.in_reply_to else []) + list(reversed(mail.references))
    found += [("references", t) for i in ids if (t := tokens.token_from_message_id(i, domain))]
    return found


def named_ids(mail: InboundMail, support: str, most: int = 20) -> tuple[str, ...]:
    """Message-IDs this mail answers that are not ours (In-Reply-To first, then the
    newest References): a customer answering their own earlier mail names it."""
    domain = support.partition("@")[2].lower()
    ids = ([mail.in_reply_to] if mail.in_reply_to else []) + list(reversed(mail.references))
    theirs = [i for i in ids if not i.lower().rstrip(">").endswith("@" + domain)]
    return tuple(dict.fromkeys(theirs))[:most]


def ticket_refs(
    mail: InboundMail, support: str, stored: Mapping[str, int] | None = None
) -> tuple[TicketRef, ...]:
    """`stored`: Message-IDs of mails maild stored on a ticket (their ticket's number);
    a follow-up naming one of them belongs there. Outlook's Thread-Index and a bare
    `Re:` are too weak to join anything."""
    found = [TicketRef(t.ticket_id, source) for source, t in carried_tokens(mail, support)]
    found.extend(
        TicketRef(stored[i], "a stored mail it answers")
        for i in named_ids(mail, support)
        if stored and i in stored
    )
    found.extend(TicketRef(int(n), "subject tag") for n in _SUBJECT_TAG.findall(mail.subject))
    unique: dict[int, TicketRef] = {}
    for ref in found:
        unique.setdefault(ref.ticket_id, ref)
    return tuple(unique.values())


def route(
    mail: InboundMail,
    sender: Person | None,
    refs: tuple[TicketRef, ...],
    tickets: Mapping[int, TicketFacts],
) -> Decision:
    known = [r for r in refs if r.ticket_id in tickets]
    if sender is not None and sender.role is not Role.CUSTOMER:
        if mail.robot:  # an agent's out-of-office: recorded, never relayed
            return Ignore(f"robot: {mail.robot} (from {sender.email})", _first(known))
        return StaffMail(sender, _first(known))
    if mail.from_addr is None:
        return Ignore(f"robot: {mail.robot}" if mail.robot else "no usable sender address in From")
    own = [r for r in known if _theirs(tickets[r.ticket_id], mail.from_addr)]
    if mail.robot:
        return Ignore(f"robot: {mail.robot}", own[0].ticket_id if own else None)
    if own:
        ticket = tickets[own[0].ticket_id]
        return Join(ticket.id, own[0].source, reopen=ticket.status == TicketStatus.CLOSED)
    if known:
        named = ", ".join(f"#{r.ticket_id}" for r in known)
        return Open(f"named {named} but the sender is not that ticket's customer")
    return Open()


def _theirs(ticket: TicketFacts, sender: str) -> bool:
    """The ticket's customer, or a colleague on copy: their mail joins it."""
    return ticket.customer == sender or sender in ticket.participants


def _first(refs: list[TicketRef]) -> int | None:
    return refs[0].ticket_id if refs else None
