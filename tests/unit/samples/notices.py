"""What staff, escalation owners and the operator read: agent/*, owner/*, operator/*.

maild's own sentences come as the code makes them (desk.age, desk.history_line,
carry's reasons, the mail's notes...), people's words as plain strings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from maild.core import carry, commands, desk, reply
from maild.core.contexts import (
    AttachmentShown,
    Coaching,
    CustomerMail,
    DeliveryFailed,
    DeskQueue,
    Entry,
    Found,
    Handover,
    MailboxDown,
    OwnerHistory,
    OwnerMail,
    Quarantined,
    QueueSection,
    Rated,
    Said,
    TargetReminder,
    TicketShown,
)
from maild.core.files import blocked_words, size_words
from maild.core.model import Role
from maild.core.policy import Money
from maild.core.text import duration_words
from maild.core.words import N_

NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
WHEN = NOW - timedelta(days=2, hours=3)

# the files a notice names, each with its reason (as core.carry gives them)
FILES = (
    AttachmentShown("label.pdf", 120_400, True),
    AttachmentShown("photo.jpg", 1, True, cid="f0.abc@acme.example"),
    AttachmentShown("huge.mov", 30_000_000, False, why=carry.NOT_KEPT),
    AttachmentShown(
        "fix.exe",
        2048,
        True,
        why=N_(
            "not forwarded: %(why)s (kept on the ticket)",
            why=blocked_words(".exe files can run programs"),
        ),
    ),
    AttachmentShown(
        "scan.tif",
        12_000_000,
        True,
        why=N_(
            "kept on the ticket, not attached (over this mail's %(cap)s for files): "
            "answer #files to get it",
            cap=size_words(10_000_000),
        ),
    ),
    AttachmentShown("old.zip", 900, False, why=carry.REMOVED),
)
NOTES = (
    reply.quote_note(reply.read("Thanks!\n\nOn Mon, Sam wrote:\n> hello\n> there\n")),
    N_(
        "The text was read as %(codec)s: %(why)s.", codec="CP1252", why=N_("it declares no charset")
    ),
)
HISTORY = desk.history_line(
    "Sam",
    4,
    [
        desk.Before(12, "closed", NOW - timedelta(days=15), (Money.from_cents(2000, "USD"),)),
        desk.Before(14, "open", NOW - timedelta(days=2)),
        desk.Before(9, "closed", NOW - timedelta(days=90), (), merged_into=12),
    ],
    NOW,
)
CREDITS = (
    N_(
        "%(amount)s by %(agent)s (%(reason)s)",
        amount=Money.from_cents(8000, "USD"),
        agent="dana@acme.example",
        reason="broken kettle",
    ),
    N_("%(amount)s by %(agent)s", amount=Money.from_cents(1250, "EUR"), agent="dana@acme.example"),
)
OWNER_COMMANDS = tuple((s.usage, s.help) for s in commands.commands_for(Role.OWNER))


def _mail(**changed: object) -> CustomerMail:
    full = {
        "subject": "Kettle arrived broken",
        "text": "Hi, the kettle I ordered arrived with a cracked lid.\nCan you help?",
        "from_name": "Sam Lee",
        "from_addr": "sam@example.com",
        "attachments": FILES,
        "notes": NOTES,
        "history": HISTORY,
    }
    return CustomerMail(**{**full, **changed})  # type: ignore[arg-type]


BARE_MAIL = {"subject": "", "text": "", "from_name": None, "attachments": (), "notes": ()}


def _history(**changed: object) -> OwnerHistory:
    full = {
        "subject": "Kettle arrived broken",
        "customer": "sam@example.com",
        "status": desk.word("open"),
        "team": "Billing",
        "agent_name": "Dana Agent",
        "agent_email": "dana@acme.example",
        "escalation_note": "Please check the refund rules for this one.",
        "customer_words": (
            {"at": WHEN, "text": "The lid is cracked."},
            {"at": NOW, "text": reply.collapsed("Any news?", NOTES[:1])},
        ),
        "credits": CREDITS,
        "escalated_at": WHEN,
        "days_since_update": 2.5,
        "update_every": duration_words(2),
        "commands": OWNER_COMMANDS,
        "note": "What is the status?",
        "to_team": "Returns",
        "files": FILES[:1],
    }
    return OwnerHistory(**{**full, **changed})  # type: ignore[arg-type]


BARE_HISTORY = {
    "subject": "",
    "escalation_note": None,
    "customer_words": (),
    "credits": (),
    "days_since_update": 0.01,
    "update_every": "",
    "note": None,
    "files": (),
    "agent_name": N_("nobody"),
}


def _line(i: int, section: str, breached: bool = False) -> desk.Line:
    return desk.Line(
        id=i,
        section=section,
        customer="Sam Lee <sam@example.com>",
        subject="Kettle arrived broken" if i % 2 else desk.NO_SUBJECT,
        status=desk.word("open"),
        priority=desk.word("high") if i % 2 else "",
        agent="lee@acme.example" if i % 3 == 0 else None,
        age=desk.age(NOW - timedelta(days=i), NOW),
        due=(
            N_("target breached %(ago)s", ago=desk.ago(NOW - timedelta(hours=2), NOW))
            if breached
            else N_("due %(at)s", at=NOW + timedelta(hours=5))
            if i % 2
            else None
        ),
        breached=breached,
        mailto=f"mailto:support+t{i}@acme.example?subject=Re%3A%20%5B%23{i}%5D",
    )


LINES = (_line(3, desk.MINE, breached=True), _line(5, desk.MINE), _line(8, desk.UNASSIGNED))


def _ticket(**changed: object) -> TicketShown:
    full = {
        "subject": "Kettle arrived broken",
        "customer": "Sam Lee <sam@example.com>",
        "status": N_("%(status)s (merged into #%(id)s)", status=desk.word("closed"), id="12"),
        "priority": desk.word("urgent"),
        "agent": "dana@acme.example",
        "team": "Support",
        "opened": WHEN,
        "due": N_("due %(at)s", at=NOW),
        "escalation": N_("with %(team)s (%(owner)s)", team="Billing", owner="bo@acme.example"),
        "credits": CREDITS,
        "entries": (
            Entry(
                WHEN, N_("%(name)s (customer)", name="Sam Lee"), "The lid is cracked.", ("lid.jpg",)
            ),
            Entry(NOW, N_("%(name)s (staff mail)", name="Dana Agent"), "We will send a new one."),
            Entry(NOW, N_("%(name)s (note)", name="dana@acme.example"), "Courier confirmed."),
            Entry(
                NOW,
                "dana@acme.example",
                N_("%(what)s %(who)s", what=N_("escalated"), who="Billing"),
            ),
        ),
        "left_out": 3,
    }
    return TicketShown(**{**full, **changed})  # type: ignore[arg-type]


def _target(**changed: object) -> TargetReminder:
    full = {
        "kind": "breached",
        "target": N_("first response"),
        "subject": "Kettle arrived broken",
        "customer": "sam@example.com",
        "priority": desk.word("high"),
        "due_at": NOW,
        "minutes_left": 0,
        "waiting_since": WHEN,
        "last_words": "The lid is cracked.\nPlease hurry.",
        "to_role": "agent",
        "agent_name": "Dana Agent",
    }
    return TargetReminder(**{**full, **changed})  # type: ignore[arg-type]


SAMPLES = {
    "agent/new": [_mail(), _mail(**BARE_MAIL, history=None)],
    "agent/reply": [_mail(history=None), _mail(**BARE_MAIL, history=None)],
    "agent/owner-mail": [
        OwnerMail("Kettle", "update", "Bo Owner", "Billing", "We refund you today.", "", FILES[:2]),
        OwnerMail("", "return", "Bo Owner", "Billing", "", "Refund approved, over to you."),
        OwnerMail("Kettle", "return", "Bo Owner", "Billing", "", ""),
        OwnerMail("Kettle", "note", "Bo Owner", "Billing", "Between us: approve it.", ""),
    ],
    "agent/target": [
        _target(),
        _target(kind="near", target=N_("next response"), minutes_left=45, to_role="manager"),
        _target(kind="near", minutes_left=1, to_role="manager", agent_name=None),
        _target(to_role="team", agent_name=None, subject=""),
    ],
    "agent/handover": [
        Handover(
            "new",
            "Dana Agent",
            "Lee Agent",
            "Kettle arrived broken",
            "sam@example.com",
            desk.word("open"),
            desk.word("high"),
            N_("with %(team)s (%(owner)s)", team="Billing", owner="bo@acme.example"),
            CREDITS,
            (
                Said(WHEN, N_("the customer"), "The lid is cracked."),
                Said(
                    NOW, N_("%(name)s (staff mail)", name="Dana Agent"), "A new one is on its way."
                ),
            ),
            FILES,
        ),
        Handover(
            "previous",
            "Dana Agent",
            "Lee Agent",
            "",
            "sam@example.com",
            desk.word("pending"),
            desk.word("normal"),
            None,
            (),
            (),
        ),
    ],
    "agent/coaching": [
        Coaching(
            "Maria Manager",
            "Offer the refund first.",
            "Kettle",
            "sam@example.com",
            "The lid is cracked.",
            CREDITS,
        ),
        Coaching("Maria Manager", "Well done.", "", "sam@example.com", "Thanks!", ()),
    ],
    "agent/rating": [
        Rated(5, True, "Quick and kind, thank you.", "Kettle", "sam@example.com"),
        Rated(2, False, "", "", "sam@example.com"),
    ],
    "agent/delivery-failed": [
        DeliveryFailed(
            "Kettle",
            "Sam Lee",
            "sam@example.com",
            N_("your answer"),
            "550 5.1.1 mailbox unavailable",
            "5.1.1",
        ),
        DeliveryFailed(
            "", "", "sam@example.com", N_("a mail about the ticket"), "Host not found", ""
        ),
    ],
    "agent/queue": [
        DeskQueue(
            "Dana Agent",
            "Support, Billing",
            (
                QueueSection(desk.TITLES[desk.MINE], LINES[:2], more=4),
                QueueSection(desk.TITLES[desk.UNASSIGNED], LINES[2:]),
            ),
            9,
            1,
            False,
            date(2026, 12, 7),
        ),
        DeskQueue("Maria Manager", N_("all teams"), (), 0, 0, True, date(2026, 12, 7)),
        DeskQueue(
            "Maria Manager",
            "Support",
            (QueueSection(desk.MANAGER_TITLES[desk.MINE], LINES[1:2]),),
            1,
            0,
            True,
            date(2026, 12, 7),
        ),
    ],
    "agent/ticket": [
        _ticket(),
        _ticket(
            subject="",
            agent=None,
            team=None,
            due=None,
            escalation=None,
            credits=(),
            entries=(),
            left_out=0,
            status=desk.word("open"),
            priority=desk.word("low"),
        ),
        _ticket(agent=None, left_out=1),
    ],
    "agent/found": [
        Found("#find kettle", 31, LINES),
        Found("#customer sam@example.com", 1, LINES[:1]),
        Found("#find nothing", 0, ()),
    ],
    "owner/escalated": [_history(), _history(**BARE_HISTORY)],
    "owner/ping": [_history(), _history(**BARE_HISTORY)],
    "owner/reminder": [_history(), _history(to_role="agent"), _history(**BARE_HISTORY)],
    "owner/moved": [_history(), _history(**BARE_HISTORY)],
    "operator/mailbox-down": [
        MailboxDown("support", 12, "IMAP login failed: AUTHENTICATIONFAILED"),
        MailboxDown("sales", 1, "connection refused"),
    ],
    "operator/quarantined": [
        Quarantined(
            3,
            "imap:support",
            "ValueError: bad boundary",
            20_480,
            "From: robot@example.net\nSubject: broken\nContent-Type: multipart/mixed",
        ),
    ],
}
