"""`maild demo`: a customer writes, replies, and a robot answers; an agent credits
within the limit and over it; the manager approves. See who gets what."""

from __future__ import annotations

import mailbox
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import click

from maild import config
from maild.adapters.clock import ManualClock
from maild.bootstrap import App, build, prepare
from maild.core.intake import RawMail
from maild.core.policy import Money

SETTINGS = {
    "support": {"address": "support@acme.example", "name": "Acme Support"},
    "intake": {"smtp": {"enabled": False}},
    "teams": [{"name": "tier1", "manager": "maria@acme.example"}],
    "agents": [
        {"email": "dana@acme.example", "name": "Dana Agent", "team": "tier1"},
        {"email": "lee@acme.example", "name": "Lee Agent", "team": "tier1"},
    ],
    "escalation": [
        {
            "name": "eng",
            "public_name": "Engineering",
            "owner": "Erin Engineer <erin@acme.example>",
            "update_every": "2d",
        }
    ],
    "limits": {"escalate_to": ["eng"]},
    "business_hours": {"timezone": "UTC", "days": "mon-fri", "hours": "09:00-17:00"},
    "targets": {"first_response": {"normal": "4h"}},
}
# The demo's own clock, so that it can let hours pass: a Monday morning.
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


# A screenshot and a return label: small, but real PNG and PDF bytes.
SCREENSHOT = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
LABEL = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _attach(msg: EmailMessage, files: tuple[tuple[str, str, bytes], ...]) -> None:
    for name, content_type, data in files:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)


def _customer_mail(
    subject: str,
    text: str,
    msgid: str,
    files: tuple[tuple[str, str, bytes], ...] = (),
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Sam Customer <sam@example.com>")
    msg["To"] = headers.pop("To", "support@acme.example")
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    _attach(msg, files)
    return msg.as_bytes()


def _reply(
    to: EmailMessage,
    sender: str,
    text: str,
    msgid: str,
    files: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    """An answer to one of maild's mails, as a mail client writes it: the quote below."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = str(to["Reply-To"])
    msg["Subject"] = f"Re: {to['Subject']}"
    msg["Message-ID"] = msgid
    msg["In-Reply-To"] = str(to["Message-ID"])
    msg["References"] = f"{to['References'] or ''} {to['Message-ID']}".strip()
    body = to.get_body(("plain",))
    quoted = "\n".join("> " + line for line in (body.get_content() if body else "").splitlines())
    msg.set_content(f"{text}\n\nOn Monday, Acme Support wrote:\n{quoted}\n")
    _attach(msg, files)
    return msg.as_bytes()


def _show_new_mail(box: mailbox.Maildir, seen: set[str]) -> list[EmailMessage]:
    shown = []
    for key in sorted(box.keys()):
        if key in seen:
            continue
        seen.add(key)
        msg = BytesParser(policy=policy.default).parsebytes(box.get_bytes(key))
        assert isinstance(msg, EmailMessage)
        shown.append(msg)
        click.secho(f"\n  ✉  to {msg['To']}", bold=True)
        for name in ("From", "Reply-To", "Subject", "Message-ID", "In-Reply-To", "Auto-Submitted"):
            if msg[name]:
                click.echo(f"     {name}: {msg[name]}")
        body = msg.get_body(("plain",))
        text = body.get_content() if body else ""
        click.echo("     | " + "\n     | ".join(text.rstrip().splitlines()))
        for part in msg.iter_attachments():
            data = part.get_payload(decode=True)
            size = len(data) if isinstance(data, bytes) else 0
            click.echo(
                f"     attached: {part.get_filename()} ({size:,} bytes, {part.get_content_type()})"
            )
    if not shown:
        click.echo("\n  (nobody receives anything)")
    return shown


def _step(app: App, title: str, raw: bytes) -> None:
    click.secho(f"\n== {title}", fg="cyan", bold=True)
    [outcome] = app.ingest([RawMail(raw, "demo")])
    ticket = f" #{outcome.ticket_id}" if outcome.ticket_id else ""
    click.echo(
        f"   maild: {outcome.verdict}{ticket}" + (f" ({outcome.reason})" if outcome.reason else "")
    )
    app.sender.drain()


def _targets_and_handover(
    app: App, clock: ManualClock, box: mailbox.Maildir, seen: set[str]
) -> None:
    """Bo waits; three working hours on, the team is reminded of the 4-hour target;
    Dana hands the ticket to Lee, who answers from the handover mail."""
    _step(
        app,
        "Bo writes; nobody answers (the first-response target is 4 working hours)",
        _customer_mail(
            "Invoice address wrong",
            "My invoice shows my old address.",
            "<bo-1@example.org>",
            From="Bo <bo@example.org>",
        ),
    )
    note = next(m for m in _show_new_mail(box, seen) if "dana@" in str(m["To"]))
    clock.advance(hours=3)
    click.secho("\n== Three working hours later, the scheduler runs", fg="cyan", bold=True)
    app.scheduler.run_due()
    app.sender.drain()
    _show_new_mail(box, seen)
    _step(
        app,
        "Dana hands Bo's ticket to Lee, who does invoices",
        _reply(note, "Dana Agent <dana@acme.example>", "#assign lee", "<dana-4@acme.example>"),
    )
    handover = next(m for m in _show_new_mail(box, seen) if "lee@" in str(m["To"]))
    _step(
        app,
        "Lee answers Bo straight from the handover mail: the clock stops",
        _reply(
            handover,
            "Lee Agent <lee@acme.example>",
            "Hi Bo, I have corrected the address and sent you a new invoice.\n\nLee",
            "<lee-1@acme.example>",
        ),
    )
    _show_new_mail(box, seen)


def _found(box: mailbox.Maildir, to: str, subject: str) -> EmailMessage:
    """A mail shown earlier in the demo, by recipient and subject."""
    for key in sorted(box.keys()):
        msg = BytesParser(policy=policy.default).parsebytes(box.get_bytes(key))
        assert isinstance(msg, EmailMessage)
        if to in str(msg["To"]) and subject in str(msg["Subject"]):
            return msg
    raise LookupError(f"no mail to {to} about {subject!r}")


def _coach_and_rate(
    app: App, clock: ManualClock, box: mailbox.Maildir, seen: set[str], request: EmailMessage
) -> None:
    """Maria coaches Dana on the full refund; the next morning Sam is asked how it
    went, and rates it."""
    _step(
        app,
        "Maria coaches Dana, from the approval request: words, no power taken away",
        _reply(
            request,
            "maria@acme.example",
            "#coach Good call. Next time offer a replacement kettle first; refund if Sam prefers.",
            "<maria-2@acme.example>",
        ),
    )
    coaching = next(m for m in _show_new_mail(box, seen) if "dana@" in str(m["To"]))
    _step(
        app,
        "Dana answers the coaching: it goes to Maria, never to the customer",
        _reply(
            coaching,
            "Dana Agent <dana@acme.example>",
            "Makes sense, I will offer a replacement first.",
            "<dana-5@acme.example>",
        ),
    )
    _show_new_mail(box, seen)
    clock.now = START + timedelta(days=1)
    click.secho(
        "\n== The next morning, a day after the closing, Sam is asked how it went",
        fg="cyan",
        bold=True,
    )
    app.sender.drain()
    _show_new_mail(box, seen)
    _step(
        app,
        "Sam answers the survey: a rating",
        _customer_mail(
            "Re: [#1] How did we do?",
            "Good, Dana sorted it out quickly. Thank you!",
            "<sam-rating@example.com>",
            To=str(_found(box, "sam@", "How did we do?")["Reply-To"]),
            In_Reply_To=str(_found(box, "sam@", "How did we do?")["Message-ID"]),
        ),
    )
    _show_new_mail(box, seen)


def _german_customer(app: App, box: mailbox.Maildir, seen: set[str]) -> None:
    """Jonas writes in German: his acknowledgement is German, and so are the lines maild
    puts around Dana's answer (the credit in German money, the closing)."""
    _step(
        app,
        "Jonas writes in German: maild answers him in German from now on",
        _customer_mail(
            "Bestellung nicht angekommen",
            "Hallo, meine Bestellung ist seit zwei Wochen nicht angekommen. Können Sie bitte "
            "nachsehen, wo sie bleibt?\n\nJonas Weber",
            "<jonas-1@example.de>",
            From="Jonas Weber <jonas@example.de>",
        ),
    )
    note = next(m for m in _show_new_mail(box, seen) if "dana@" in str(m["To"]))
    _step(
        app,
        "Dana answers Jonas in German, with a credit and #close",
        _reply(
            note,
            "Dana Agent <dana@acme.example>",
            "#credit 20 late delivery\n#close\n\nHallo Herr Weber, das Paket ist unterwegs, "
            "morgen ist es bei Ihnen. Entschuldigen Sie die Verzögerung.\n\nDana",
            "<dana-6@acme.example>",
        ),
    )
    _show_new_mail(box, seen)


def run_demo(keep: str | None = None) -> None:
    """The scenario; its state in KEEP, else in a temporary folder removed at the end."""
    if keep:
        _demo(Path(keep), kept=True)
        return
    state = Path(tempfile.mkdtemp(prefix="maild-demo-"))
    try:
        _demo(state, kept=False)
    finally:
        shutil.rmtree(state, ignore_errors=True)


def _demo(state: Path, kept: bool) -> None:
    settings = config.parse({**SETTINGS, "state_dir": str(state)}, "demo")
    prepare(settings)
    clock = ManualClock(START)
    app = build(settings, clock)
    box = mailbox.Maildir(str(settings.maildir_path()), create=True)
    seen: set[str] = set()
    click.echo(f"maild demo: state in {state}")
    click.echo("support address support@acme.example; agent Dana (tier1); customer Sam.")

    _step(
        app,
        "Sam writes to support",
        _customer_mail(
            "My order #4411 never arrived",
            "Hi, I ordered a kettle two weeks ago and it never arrived. Can you help?\n"
            "The tracking page shows an error, screenshot attached.\n\nSam",
            "<order-1@example.com>",
            files=(("tracking-error.png", "image/png", SCREENSHOT),),
        ),
    )
    first = _show_new_mail(box, seen)
    ack = next(m for m in first if "sam@" in str(m["To"]))
    notification = next(m for m in first if "dana@" in str(m["To"]))

    _step(
        app,
        "Sam answers the acknowledgement (Reply-To carries a signed token)",
        _customer_mail(
            f"Re: {ack['Subject']}",
            "The tracking number is 1Z999.",
            "<order-2@example.com>",
            To=str(ack["Reply-To"]),
            In_Reply_To=str(ack["Message-ID"]),
            References=str(ack["Message-ID"]),
        ),
    )
    _show_new_mail(box, seen)

    _step(
        app,
        "Sam's out-of-office answers too (a robot: recorded, never answered)",
        _customer_mail(
            f"Auto: {ack['Subject']}",
            "I am away until Monday.",
            "<ooo-1@example.com>",
            Auto_Submitted="auto-replied",
        ),
    )
    _show_new_mail(box, seen)

    _step(
        app,
        "Someone else writes quoting Sam's ticket number (a stranger: new ticket)",
        _customer_mail(
            f"Re: {ack['Subject']}",
            "Is this about my order?",
            "<other-1@example.org>",
            From="Eve <eve@example.org>",
        ),
    )
    _show_new_mail(box, seen)

    _step(
        app,
        "Dana answers her notification (it carried Sam's screenshot): a credit within "
        "her limit (USD 50 a credit), and a return label attached",
        _reply(
            notification,
            "Dana Agent <dana@acme.example>",
            "#credit 20 late delivery\n\nHi Sam, sorry about the wait. I have added a "
            "USD 20 credit and the courier is looking for your kettle. If it turns up, "
            "send it back with the attached label.\n\nDana\n-- \n"
            "Dana Agent, Acme Support",
            "<dana-1@acme.example>",
            files=(("return-label.pdf", "application/pdf", LABEL),),
        ),
    )
    _show_new_mail(box, seen)

    _step(
        app,
        "Dana credits more than one credit may be: the whole mail waits for Maria",
        _reply(
            notification,
            "Dana Agent <dana@acme.example>",
            "#credit 80 kettle lost, full refund\n#close\n\nHi Sam, the courier lost it: "
            "you get the full price back.\n\nDana",
            "<dana-2@acme.example>",
        ),
    )
    request = next(m for m in _show_new_mail(box, seen) if "maria@" in str(m["To"]))

    _step(
        app,
        "Maria, the manager, approves from her mail client",
        _reply(
            request,
            "maria@acme.example",
            "#approve a lost parcel is a full refund",
            "<maria-1@acme.example>",
        ),
    )
    _show_new_mail(box, seen)

    _step(
        app,
        "Ann writes: her export fails",
        _customer_mail(
            "Export fails on big files",
            "Exporting anything over 2 GB stops at 99%. Files under 2 GB are fine.",
            "<export-1@example.net>",
            From="Ann <ann@example.net>",
        ),
    )
    ann_note = next(m for m in _show_new_mail(box, seen) if "dana@" in str(m["To"]))

    _step(
        app,
        "Dana escalates to engineering; Ann hears who has it and that Dana stays her contact",
        _reply(
            ann_note,
            "Dana Agent <dana@acme.example>",
            "#escalate eng exports over 2 GB stop at 99%, reproducible\n\nHi Ann, thanks "
            "for the details. I have passed this to our engineers.\n\nDana",
            "<dana-3@acme.example>",
        ),
    )
    handover = next(m for m in _show_new_mail(box, seen) if "erin@" in str(m["To"]))

    _step(
        app,
        "Erin, the owner, answers: an internal note for Dana (the customer sees nothing)",
        _reply(
            handover,
            "Erin Engineer <erin@acme.example>",
            "Reproduced: a 32-bit offset in the chunk writer. Fix is in review.",
            "<erin-1@acme.example>",
        ),
    )
    _show_new_mail(box, seen)

    _step(
        app,
        "Erin sends the customer an update with #update (Dana gets a copy)",
        _reply(
            handover,
            "Erin Engineer <erin@acme.example>",
            "#update\n\nHi Ann, we found the cause and the fix ships tonight. Exports of any "
            "size will work tomorrow morning.\n\nErin",
            "<erin-2@acme.example>",
        ),
    )
    _show_new_mail(box, seen)

    _step(
        app,
        "Erin hands the ticket back with #return",
        _reply(
            handover,
            "Erin Engineer <erin@acme.example>",
            "#return fix deployed, please confirm with Ann",
            "<erin-3@acme.example>",
        ),
    )
    _show_new_mail(box, seen)

    _targets_and_handover(app, clock, box, seen)
    _coach_and_rate(app, clock, box, seen, request)
    _german_customer(app, box, seen)

    with app.db.transaction() as store:
        click.secho("\n== Ledger", fg="cyan", bold=True)
        for c in store.ledger():
            click.echo(
                f"   #{c.ticket_id} {c.agent} -> {c.customer}: {c.currency} "
                f"{Money.from_cents(c.amount_cents, c.currency).amount} {c.reason!r}"
                + (f", approved by {c.approved_by}" if c.approved_by else "")
            )
        click.secho("\n== Tickets", fg="cyan", bold=True)
        for t in store.tickets():
            click.echo(f"   #{t.id} [{t.status}] {t.customer}: {t.subject}")
    click.secho(
        "\n== Maria's daily summary for Monday, as she reads it on Tuesday"
        " (Sam's rating counts in Tuesday's)",
        fg="cyan",
        bold=True,
    )
    now = clock()
    with app.db.transaction() as store:
        built = app.summaries.build(store, "maria@acme.example", START.date(), now)
    notice = app.summaries.notice(built)
    renderer = app.ingest.queue.renderer
    click.echo("     Subject: " + renderer.part(notice, "subject").strip())
    click.echo("     | " + "\n     | ".join(renderer.part(notice, "txt").rstrip().splitlines()))
    page = state / "summary.html"
    page.write_text(renderer.part(notice, "html"))
    app.db.engine.dispose()
    if not kept:
        click.echo(
            "\nThe demo's database, its outgoing mail and the summary's HTML page were in a "
            "temporary folder, removed now: `maild demo --keep DIR` keeps them in DIR."
        )
        return
    click.echo(f"\n   The HTML part is in {page}: open it in a browser.")
    click.echo(
        f"\nOutgoing mail was written to {settings.maildir_path()}/new/ "
        "(configure [smtp] to relay it)."
    )
