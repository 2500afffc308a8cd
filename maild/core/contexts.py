"""What each template may use: one frozen dataclass per template.

A notice carries one of these; the renderer hands its fields to Jinja2, and
tests/unit/test_contexts.py checks that every variable a template reads is a
field of its context (or one that notices.notice adds to every mail:
`ticket_id`, `support_name`). A misspelt variable fails that test, not a
customer's mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime

from maild.core import words
from maild.core.policy import Money
from maild.core.words import Msg


@dataclass(frozen=True)
class View:
    def values(self) -> dict[str, object]:
        """The fields, one level deep: nested values stay objects Jinja2 reads by attribute."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


# a customer's mail ----------------------------------------------------------------
@dataclass(frozen=True)
class Ack(View):
    """customer/ack: the customer's ticket number."""

    subject: str
    customer_name: str


@dataclass(frozen=True)
class AttachmentShown:
    filename: str
    size: int
    kept: bool
    why: words.Said = ""  # why it is not attached ("" when it is): core.carry says
    cid: str | None = None  # inline: the HTML shows it as <img src="cid:...">


@dataclass(frozen=True)
class CustomerMail(View):
    """agent/new, agent/reply: a customer's mail, to the staff who should see it."""

    subject: str
    text: str
    from_name: str | None
    from_addr: str | None
    attachments: tuple[AttachmentShown, ...]
    notes: tuple[words.Said, ...]
    history: words.Said | None = None  # agent/new: "Sam has written 4 times before: #12 (...)"


@dataclass(frozen=True)
class TicketFiles(View):
    """staff/files: a ticket's files, for a staff member who asked with #files."""

    subject: str
    part: int  # this mail's number among those that carry them
    parts: int
    files: tuple[AttachmentShown, ...]  # those in this mail
    others: tuple[AttachmentShown, ...] = ()  # the ticket's files no mail can carry


# the staff desk ------------------------------------------------------------------
@dataclass(frozen=True)
class Budget:
    today: Money  # written by the reader's locale (|money): "20,00 €"
    month: Money
    per_ticket: Money


@dataclass(frozen=True)
class HelpLine:
    usage: str  # "#credit AMOUNT [CUR] [reason]": the same in every language
    help: words.Said


@dataclass(frozen=True)
class LimitsShown:
    credit_per_ticket: Money
    credit_per_day: Money
    credit_per_month: Money
    credit_per_customer_30d: Money


@dataclass(frozen=True)
class Receipt(View):
    """staff/receipt: what became of each line of a staff member's mail. Each line:
    line, raw (the sender's own words), status (apply.Status's value, "not run" or
    "answered": the template says it in the reader's language) and reason (Said)."""

    headline: words.Said
    outcome: words.Said
    lines: tuple[Mapping[str, object], ...] = ()
    sent: str | None = None
    files: tuple[words.Said, ...] = ()  # with `sent`: the files that went, and those that did not
    budget: Budget | None = None
    help: tuple[HelpLine, ...] = ()
    limits: LimitsShown | None = None
    auth_failed: words.Said | None = None
    macros: tuple[str, ...] = ()  # #macros: the canned replies
    unsure: words.Said | None = None  # lines kept that might have been the quote
    unsent: str | None = None  # a refused mail's words, quoted so they can be sent again


@dataclass(frozen=True)
class Approval(View):
    """manager/approval: a held mail waits for the manager's #approve or #deny."""

    subject: str
    customer: str
    agent_name: str
    agent_email: str
    words: str
    crosses: tuple[str | Msg, ...]  # the limits crossed, a sentence each (policy.crossing)
    amount: Money
    month_count: int
    month_total: Money
    reminder: int
    requested_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class CustomerReply(View):
    """customer/reply: a person's words to the customer."""

    subject: str
    text: str
    announcements: tuple[words.Said, ...]  # core.commands' sentences: a credit, the closing...
    agent_name: str
    attachments: tuple[AttachmentShown, ...] = ()  # the files the person sent with it


# escalations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OwnerMail(View):
    """agent/owner-mail: an escalation owner's words to the ticket's agent."""

    subject: str
    kind: str  # note, update (a copy of what the customer got), return
    owner_name: str
    team: str
    text: str
    note: str
    files: tuple[AttachmentShown, ...] = ()  # the owner's files, attached


@dataclass(frozen=True)
class OwnerHistory(View):
    """owner/escalated, owner/ping, owner/reminder, owner/moved: an escalation and
    what led to it, for its owner (and, in a reminder, the agent: to_role)."""

    subject: str
    customer: str
    status: words.Said
    team: str
    agent_name: words.Said
    agent_email: str
    escalation_note: str | None
    customer_words: tuple[Mapping[str, object], ...]  # "at": datetime, "text": Said
    credits: tuple[words.Said, ...]
    escalated_at: datetime
    days_since_update: float
    update_every: words.Said  # "2 days" ("" without a team)
    commands: tuple[tuple[str, words.Said], ...]
    note: str | None = None  # a ping's or an escalation's words
    to_team: str | None = None  # moved: where it went
    to_role: str = "owner"  # a reminder goes to the owner and to the agent
    files: tuple[AttachmentShown, ...] = ()  # the ticket's, newest first, within the cap


@dataclass(frozen=True)
class StillWorking(View):
    """customer/still-working: the escalation is alive, in the customer's words."""

    subject: str
    customer_name: str | None
    team: str
    agent_name: str


@dataclass(frozen=True)
class Said:
    at: datetime
    who: words.Said  # "the customer", "Dana Agent (staff mail)", ...
    text: words.Said


@dataclass(frozen=True)
class Handover(View):
    """agent/handover: a ticket handed to another agent (to_role "new"), and the
    word to the agent who had it ("previous")."""

    to_role: str
    by_name: str
    new_name: str
    subject: str
    customer: str
    status: words.Said
    priority: words.Said
    escalation: words.Said | None
    credits: tuple[words.Said, ...]
    history: tuple[Said, ...]
    files: tuple[AttachmentShown, ...] = ()  # the ticket's, newest first, within the cap


@dataclass(frozen=True)
class Coaching(View):
    """agent/coaching: a manager's words to an agent about a ticket."""

    manager_name: str
    words: str
    subject: str
    customer: str
    last_words: str  # the customer's latest mail
    credits: tuple[str | Msg, ...]  # words.Said: a field here is named `words`


@dataclass(frozen=True)
class CoachingAnswer(View):
    """manager/coaching-answer: the agent's answer to coaching."""

    agent_name: str
    words: str
    coached: str  # what the manager had written
    subject: str


@dataclass(frozen=True)
class Survey(View):
    """customer/survey: one question when the ticket closes."""

    subject: str
    customer_name: str | None
    agent_name: str


@dataclass(frozen=True)
class Rated(View):
    """agent/rating: what the customer thought of a closed ticket."""

    score: int
    good: bool
    comment: str
    subject: str
    customer: str


@dataclass(frozen=True)
class FyiItem:
    ticket: int
    what: str | Msg  # "Dana Agent credited USD 80.00 (broken kettle)"
    subject: str


@dataclass(frozen=True)
class Fyi(View):
    """manager/fyi: what happened on the manager's teams, for their eyes only."""

    items: tuple[FyiItem, ...]
    bundled: bool  # several tickets: #coach needs the ticket number


@dataclass(frozen=True)
class Weekly(View):
    """manager/weekly: latitude against outcome over twelve weeks, with trends."""

    teams: str
    first_week: date  # "Mon, Sep 1", "Mo., 1. Sept."
    last_week: date
    currency: str
    trends: tuple[object, ...]  # core.outcome.Trend, the team last
    lines: tuple[str | Msg, ...]  # where generosity and happiness disagree
    method: str | Msg


# response targets -----------------------------------------------------------------------
@dataclass(frozen=True)
class TargetReminder(View):
    """agent/target: a ticket nearing or past its response target."""

    kind: str  # near, breached
    target: words.Said  # "first response", "next response"
    subject: str
    customer: str
    priority: words.Said
    due_at: datetime  # in the team's time zone
    minutes_left: int
    waiting_since: datetime
    last_words: str
    to_role: str  # agent, team, manager
    agent_name: str | None


# the desk in the inbox (#queue, #show, #find, #customer, the morning digest) ------------
@dataclass(frozen=True)
class QueueSection:
    title: words.Said
    lines: tuple[object, ...]  # core.desk.Line
    more: int = 0  # lines left out past the cap


@dataclass(frozen=True)
class DeskQueue(View):
    """agent/queue: what is on the reader's plate, the most urgent first."""

    reader_name: str
    teams: words.Said
    sections: tuple[QueueSection, ...]
    total: int
    breached: int
    digest: bool  # the morning digest, not an answer to #queue
    day: date  # the reader's day, in the team's time zone


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: words.Said  # "Sam (customer)", "Dana Agent (staff mail)", the actor of an event
    text: words.Said
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class TicketShown(View):
    """agent/ticket: a ticket's whole history (#show), signed for the reader."""

    subject: str
    customer: str
    status: words.Said
    priority: words.Said
    agent: str | None
    team: str | None
    opened: datetime
    due: words.Said | None
    escalation: words.Said | None
    credits: tuple[words.Said, ...]
    entries: tuple[Entry, ...]
    left_out: int  # older entries not shown


@dataclass(frozen=True)
class Found(View):
    """agent/found: the tickets a #find or #customer matched, newest first."""

    asked: str  # "#find refund kettle"
    count: int  # how many matched (more than the lines shown, past FOUND_MAX)
    lines: tuple[object, ...]  # core.desk.Line


# the manager and the operator ---------------------------------------------------------
@dataclass(frozen=True)
class Summary(View):
    """manager/summary: the day's summary (s: core.summary.Summary)."""

    s: object
    day: date
    teams: str


@dataclass(frozen=True)
class MailboxDown(View):
    """operator/mailbox-down."""

    mailbox: str
    minutes: int
    error: str


@dataclass(frozen=True)
class Quarantined(View):
    """operator/quarantined: a mail maild could not read, its head shown."""

    number: int | None
    source: str
    error: str
    size: int
    head: str


@dataclass(frozen=True)
class DeliveryFailed(View):
    """agent/delivery-failed: a mail of ours to the customer came back."""

    subject: str
    customer_name: str
    recipient: str
    what: words.Said  # "your answer", "the acknowledgement" ...
    words: str  # the remote server's
    status: str  # RFC 3463, e.g. 5.1.1


# Every template and the context it is rendered with (tests/unit/test_contexts.py).
CONTEXTS: Mapping[str, type[View]] = {
    "agent/new": CustomerMail,
    "agent/reply": CustomerMail,
    "agent/owner-mail": OwnerMail,
    "agent/target": TargetReminder,
    "agent/handover": Handover,
    "agent/coaching": Coaching,
    "agent/rating": Rated,
    "agent/delivery-failed": DeliveryFailed,
    "customer/survey": Survey,
    "manager/fyi": Fyi,
    "manager/weekly": Weekly,
    "manager/coaching-answer": CoachingAnswer,
    "customer/ack": Ack,
    "customer/reply": CustomerReply,
    "customer/still-working": StillWorking,
    "manager/approval": Approval,
    "manager/summary": Summary,
    "operator/mailbox-down": MailboxDown,
    "operator/quarantined": Quarantined,
    "owner/escalated": OwnerHistory,
    "owner/moved": OwnerHistory,
    "owner/ping": OwnerHistory,
    "owner/reminder": OwnerHistory,
    "staff/receipt": Receipt,
    "staff/files": TicketFiles,
    "agent/queue": DeskQueue,
    "agent/ticket": TicketShown,
    "agent/found": Found,
}
