"""What a staff member reads about their own mail: staff/receipt and staff/files.

Lines, reasons, outcomes and help are built by the code that builds them for a real
mail (apply.plan, commands.parse_block, policy, auth), so every sentence maild writes
here is a Msg, as in production; the rest is data (the sender's lines, names, amounts).
"""

from __future__ import annotations

from decimal import Decimal

from maild.core import apply, carry, commands, policy
from maild.core.auth import Check, Verdict
from maild.core.commands import Context, TicketState
from maild.core.contexts import AttachmentShown, HelpLine, Receipt, TicketFiles
from maild.core.files import FileRef
from maild.core.model import Person, Role
from maild.core.words import N_, Nn_
from maild.services.staff import receipts, relay

AGENT = Person("dana@acme.example", "Dana Agent", Role.AGENT, team="support")
LIMITS = policy.Limits(currency="EUR")
TICKET = TicketState(7, "jonas@example.de", "open", "normal", AGENT.email, "support")


def _plan(text: str, usage: policy.Usage) -> apply.Plan:
    block = commands.parse_block(text, Role.AGENT)
    ctx = Context(TICKET, AGENT, (AGENT,), "EUR", macros={"thanks": "Thank you!"})
    return apply.plan(block, ctx, LIMITS, usage, approver="maria@acme.example")


def _receipt(text: str, **extra: object) -> Receipt:
    plan = _plan(text, extra.pop("usage", policy.Usage()))  # type: ignore[arg-type]
    return Receipt(
        headline=receipts.HEADLINES[plan.status],
        outcome=receipts.outcome(plan, "maria@acme.example", None),
        lines=receipts.shown(plan.lines),
        **extra,  # type: ignore[arg-type]
    )


APPLIED = "#credit 20 late delivery\n#pending\n#priority high\n\nSorry for the wait, Jonas."
REFUSED = "#credit 20\n#cerdit 5\n#assign nobody\n#merge 7\n#close now\n\nHello"
HELP = "#help\n#macros"

_unproven = Verdict(
    (
        Check("from", True, "dana@acme.example is a configured agent"),
        Check(
            "token",
            False,
            N_("the mail carries no maild token: answer the notification maild sent you"),
        ),
        Check("authres", False, N_("no Authentication-Results header from a trusted server")),
    ),
    None,
)

DOMAIN = "acme.example"
EXE = ".exe files can run programs"  # as the database keeps it
FILES = [
    carry.Candidate(FileRef("ab12", "label.pdf", "application/pdf", 30_000), True, None),
    carry.Candidate(FileRef("cd34", "fix.exe", "application/x-msdownload", 9_000), True, EXE),
    carry.Candidate(FileRef("ef56", "video.mp4", "video/mp4", 90_000_000), True, None),
]

SAMPLES = {
    "staff/receipt": [
        _receipt(
            APPLIED,
            sent="Sorry for the wait, Jonas.",
            files=relay.file_lines(carry.choose(FILES, 10_000_000, DOMAIN, for_staff=False)),
            budget=receipts.budget(LIMITS, policy.Usage(Decimal(20), Decimal(120))),
        ),
        _receipt(REFUSED, unsent="#credit 20\n#cerdit 5\n\nHello"),
        _receipt("#credit 80 broken kettle\n#close\n\nHere you go."),  # waits for approval
        _receipt("#credit 30\n#credit 30", usage=policy.Usage(Decimal(180), Decimal(900))),
        Receipt(
            headline=N_("not run, sender not proven"),
            outcome=N_("Nothing in your mail took effect: maild could not prove it came from you."),
            lines=({"line": 1, "raw": "#close", "status": "not run", "reason": _unproven.said},),
            auth_failed=_unproven.said,
        ),
        _receipt(
            HELP,
            help=tuple(HelpLine(s.usage, s.help) for s in commands.commands_for(Role.AGENT)),
            limits=receipts.shown_limits(LIMITS),
            macros=("thanks", "refund-policy"),
        ),
        _receipt(
            "#note\n\nCustomer is upset; I kept it short.",
            unsure=Nn_(
                "I kept %(n)s line I could not tell from the quote: check what the customer got.",
                "I kept %(n)s lines I could not tell from the quote: check what the customer got.",
                3,
            ),
        ),
        receipts.denied(
            Person("maria@acme.example", "Maria Manager", Role.MANAGER),
            "too generous",
            [{"line": 1, "raw": "#credit 80", "status": "waiting for approval", "reason": ""}],
        ),
        receipts.dropped(
            "maria@acme.example",
            48,
            [{"line": 1, "raw": "#credit 80", "status": "waiting for approval", "reason": ""}],
        ),
        Receipt(headline=N_("approved"), outcome=N_("Everything in your mail was applied.")),
    ],
    "staff/files": [
        TicketFiles(
            subject="Lieferung fehlt",
            part=1,
            parts=1,
            files=(AttachmentShown("rechnung.pdf", 48213, True),),
        ),
        TicketFiles(
            subject="",
            part=2,
            parts=3,
            files=(AttachmentShown("foto.jpg", 1, True),),
            others=(
                AttachmentShown(
                    "setup.exe",
                    5120,
                    True,
                    why=N_(
                        "not forwarded: %(why)s (kept on the ticket)",
                        why=".exe files can run programs",  # as the database keeps it
                    ),
                ),
                AttachmentShown(
                    "video.mp4", 80_000_000, False, why=N_("not kept: over the size limit")
                ),
            ),
        ),
        TicketFiles(subject="Lieferung fehlt", part=1, parts=1, files=()),
    ],
}
