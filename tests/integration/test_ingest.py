"""A mail in, the ticket and the queued mails out: on a real SQLite database."""

from maild.adapters.db.models import Attachment, Blob, Event, Inbound, Message, Quarantine, Ticket
from maild.core.intake import RawMail
from tests.conftest import mail
from tests.integration.helpers import counts, outbox, parsed, rows


def take(app, raw, **kw):
    [outcome] = app.ingest([RawMail(raw, **kw)])
    return outcome


def test_a_new_mail_opens_a_ticket_acknowledges_and_notifies(app):
    outcome = take(app, mail(subject="Kettle broken", msgid="<k1@example.com>"))
    assert (outcome.verdict, outcome.ticket_id) == ("ticket", 1)
    [ticket] = rows(app, Ticket)
    assert (ticket.customer, ticket.customer_name, ticket.subject, ticket.status, ticket.team) == (
        "sam@example.com",
        "Sam Customer",
        "Kettle broken",
        "open",
        "tier1",
    )
    mails = {o.recipients[0]: parsed(o.raw) for o in outbox(app)}
    assert set(mails) == {"sam@example.com", "dana@acme.example", "lee@acme.example"}
    ack = mails["sam@example.com"]
    assert ack["Subject"] == "[#1] Kettle broken"
    assert ack["In-Reply-To"] == "<k1@example.com>" and ack["Auto-Submitted"] == "auto-replied"
    assert ack["Reply-To"].addresses[0].addr_spec.startswith("support+t1-")
    dana = mails["dana@acme.example"]
    assert "Hello, my order did not arrive." in dana.get_body(("plain",)).get_content()
    assert (
        dana["Reply-To"].addresses[0].addr_spec
        != mails["lee@acme.example"]["Reply-To"].addresses[0].addr_spec
    )  # each agent gets a token of their own


def test_a_reply_joins_and_notifies_agents_without_a_new_ack(app):
    take(app, mail())
    ack = parsed(next(o for o in outbox(app) if o.template == "customer/ack").raw)
    outcome = take(
        app,
        mail(
            subject=f"Re: {ack['Subject']}", to=str(ack["Reply-To"]), In_Reply_To=ack["Message-ID"]
        ),
    )
    assert (outcome.verdict, outcome.ticket_id) == ("joined", 1)
    templates = sorted(o.template for o in outbox(app))
    assert templates == ["agent/new", "agent/new", "agent/reply", "agent/reply", "customer/ack"]
    assert [e.kind for e in rows(app, Event)] == ["opened", "customer_replied"]


def test_the_same_mail_twice_changes_nothing(app):
    raw = mail(msgid="<same@example.com>")
    take(app, raw, source="box", uidvalidity=7, uid=1)
    before = counts(app)
    assert take(app, raw, source="box", uidvalidity=7, uid=1).verdict == "duplicate"
    assert take(app, raw, source="box", uidvalidity=8, uid=1).verdict == "duplicate"
    assert take(app, raw).verdict == "duplicate"
    assert counts(app) == before


def test_robots_are_recorded_never_answered(app):
    for raw in (
        mail(Auto_Submitted="auto-replied"),
        mail(Precedence="bulk"),
        mail(sender="MAILER-DAEMON@mx.example.com"),
        mail(X_Maild_Loop="support@acme.example"),
    ):
        assert take(app, raw).verdict == "ignored"
    assert outbox(app) == [] and rows(app, Ticket) == []
    assert {i.verdict for i in rows(app, Inbound)} == {"ignored"}


def test_acknowledgements_are_capped_per_sender_per_day(app, clock):
    for n in range(5):
        take(app, mail(subject=f"question {n}"))
    acks = [o for o in outbox(app) if o.template == "customer/ack"]
    assert len(acks) == 3  # acks_per_sender_per_day
    assert len(rows(app, Ticket)) == 5
    assert sum(e.kind == "ack_suppressed" for e in rows(app, Event)) == 2
    clock.advance(days=1, minutes=1)
    take(app, mail(subject="next day"))
    assert len([o for o in outbox(app) if o.template == "customer/ack"]) == 4


def test_the_caps_hold_within_one_batch(make_app):
    app = make_app(intake={"tickets_per_sender_per_hour": 4})
    outcomes = app.ingest([RawMail(mail(subject=f"q{n}")) for n in range(6)])
    assert [o.verdict for o in outcomes] == ["ticket"] * 4 + ["joined"] * 2
    assert len([o for o in outbox(app) if o.template == "customer/ack"]) == 3


def test_a_flood_from_one_sender_stops_opening_tickets(make_app):
    app = make_app(intake={"tickets_per_sender_per_hour": 2})
    outcomes = [take(app, mail(subject=f"spam {n}")) for n in range(6)]
    assert [o.verdict for o in outcomes] == ["ticket", "ticket"] + ["joined"] * 4
    assert len(rows(app, Ticket)) == 2 and len(rows(app, Message)) == 6


def test_ticket_numbers_follow_the_mails_without_gaps(make_app):
    # (on PostgreSQL each number is reserved with the sender's history: the one a
    # mail the flood limit joined to an older ticket did not use goes to the next)
    app = make_app(intake={"tickets_per_sender_per_hour": 2})
    other = "Bo <bo@example.com>"
    batch = [
        RawMail(mail(subject="one")),
        RawMail(mail(subject="two", sender=other)),
        RawMail(mail(subject="three")),
        RawMail(mail(subject="four")),  # joined: the flood limit
        RawMail(mail(subject="five", sender=other)),
    ]
    assert [o.verdict for o in app.ingest(batch)] == ["ticket"] * 3 + ["joined", "ticket"]
    tickets = sorted(rows(app, Ticket), key=lambda t: t.id or 0)
    assert [t.subject for t in tickets] == ["one", "two", "three", "five"]
    first = tickets[0].id or 0
    assert [t.id for t in tickets] == list(range(first, first + 4))


def test_a_tickets_messages_keep_the_order_they_came_in(app):
    # (on PostgreSQL a mail's message takes an id reserved for the batch: one with
    # attachments must not sort before a plain one that came earlier)
    take(app, mail())
    batch = [
        RawMail(mail(subject="Re: [#1] Help", text="first, plain")),
        RawMail(
            mail(
                subject="Re: [#1] Help",
                text="second, with a photo",
                attachments=(("photo.png", "image/png", b"\x89PNG" + b"0" * 100),),
            )
        ),
        RawMail(mail(subject="Re: [#1] Help", text="third, plain")),
    ]
    assert [o.verdict for o in app.ingest(batch)] == ["joined"] * 3
    with app.db.transaction() as store:
        texts = [m.text.strip() for m in store.messages(1)]
    assert texts[1:] == ["first, plain", "second, with a photo", "third, plain"]


def test_a_poison_mail_is_quarantined_with_its_bytes(app):
    raw = b"From: undisclosed-sender:;\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
    outcome = take(app, raw, source="box", uidvalidity=1, uid=3)
    assert outcome.verdict == "quarantined" and "no usable sender" in outcome.reason
    [q] = rows(app, Quarantine)
    assert q.raw == raw and "undisclosed-sender" in q.error and "Traceback" in q.traceback
    assert take(app, raw).verdict == "quarantined"  # again: not a second row
    assert len(rows(app, Quarantine)) == 1
    assert take(app, mail()).verdict == "ticket"  # and the next mail goes on


def test_the_operator_is_told_of_quarantined_mail_a_few_times_an_hour(make_app):
    app = make_app(support={"operator": "ops@acme.example"})
    for n in range(12):
        raw = (
            f"From: nobody\r\nSubject: {n}\r\nContent-Type: text/plain; "
            "charset=x-nope\r\n\r\nbody\r\n"
        ).encode()
        assert take(app, raw).verdict == "quarantined"
    told = [o for o in outbox(app) if o.template == "operator/quarantined"]
    assert len(told) == 10 and told[0].recipients == ["ops@acme.example"]
    text = parsed(told[0].raw).get_body(("plain",)).get_content()
    assert "quarantined as #1" in text and "maild quarantine retry 1" in text
    assert "charset=x-nope" in text  # the first lines of the mail


def test_attachments_are_kept_and_oversized_ones_noted(make_app):
    app = make_app(intake={"max_attachment_bytes": 100})
    take(
        app,
        mail(
            attachments=(
                ("note.txt", "text/plain", b"small"),
                ("photo.jpg", "image/jpeg", b"j" * 500),
            )
        ),
    )
    small, big = sorted(rows(app, Attachment), key=lambda a: a.size)
    [blob] = rows(app, Blob)
    assert (small.filename, small.blob, blob.content) == ("note.txt", blob.hash, b"small")
    assert (big.filename, big.size, big.blob) == ("photo.jpg", 500, None)
    [message] = rows(app, Message)
    assert "photo.jpg" in message.notes[0]
    dana = parsed(next(o for o in outbox(app) if o.recipients == ["dana@acme.example"]).raw)
    assert "photo.jpg (500 bytes), not kept" in dana.get_body(("plain",)).get_content()


def test_an_oversized_mail_is_stored_with_its_text(make_app):
    app = make_app(intake={"max_message_bytes": 2000})
    outcome = take(
        app,
        mail(
            text="see attached", attachments=(("big.bin", "application/octet-stream", b"z" * 5000),)
        ),
    )
    assert outcome.verdict == "ticket"
    [message] = rows(app, Message)
    assert message.text == "see attached" and "limit" in message.notes[0]
    assert rows(app, Attachment)[0].blob is None and not rows(app, Blob)


def test_a_stranger_quoting_a_ticket_gets_their_own(app):
    take(app, mail())
    ack = parsed(outbox(app)[0].raw)
    outcome = take(
        app,
        mail(subject=f"Re: {ack['Subject']}", sender="eve@example.org", to=str(ack["Reply-To"])),
    )
    assert (outcome.verdict, outcome.ticket_id) == ("ticket", 2)
    assert rows(app, Ticket)[1].subject == "Re: Help with my order"
    eve_ack = [o for o in outbox(app) if o.recipients == ["eve@example.org"]]
    assert len(eve_ack) == 1 and "[#2]" in parsed(eve_ack[0].raw)["Subject"]


def test_a_customer_reply_to_a_closed_ticket_reopens_it(app):
    take(app, mail())
    with app.db.transaction() as store:
        store.ticket(1).status = "closed"
    assert take(app, mail(subject="Re: [#1] Help")).verdict == "joined"
    assert rows(app, Ticket)[0].status == "open"


def test_staff_mail_without_a_token_is_recorded_not_relayed_and_explained(app):
    take(app, mail())
    before = len(outbox(app))
    outcome = take(app, mail(subject="Re: [#1] Help", sender="Dana <dana@acme.example>"))
    assert (outcome.verdict, outcome.ticket_id) == ("staff", 1)
    [receipt] = outbox(app)[before:]
    assert (receipt.template, receipt.recipients) == ("staff/receipt", ["dana@acme.example"])
    assert "carries no maild token" in parsed(receipt.raw).get_body(("plain",)).get_content()


def test_the_same_mail_delivered_twice_by_an_mta_is_one_ticket(app):
    body = mail(msgid="<twice@example.com>")
    first = b"Received: from mx1 by mx; Mon, 23 Nov 2026 09:00:01 +0000\r\nDelivered-To: s@x\r\n"
    second = (
        b"Return-Path: <sam@example.com>\r\nReceived: from mx2 by mx; Mon, 23 Nov 2026 09:05:00"
        b" +0000\r\nX-Original-To: support@acme.example\r\nAuthentication-Results: mx; spf=pass\r\n"
    )
    assert take(app, first + body).verdict == "ticket"
    assert take(app, second + body).verdict == "duplicate"
    assert len(rows(app, Ticket)) == 1 and len(outbox(app)) == 3


def test_damaged_but_readable_mail_becomes_a_ticket_with_a_note_and_an_ack(app):
    raw = (
        b"From: =?utf-8?q?Ann=0D=0AX-Evil=3A_1?= <ann@example.com>\r\nTo: support@acme.example\r\n"
        b"Subject: Caf\xc3\xa9\r\nMessage-ID: <damaged@x>\r\n"
        b"Content-Type: text/plain; charset=uft-8\r\n\r\nLe caf\xc3\xa9 est froid.\r\n"
    )
    outcome = take(app, raw)
    assert outcome.verdict == "ticket"
    [message] = rows(app, Message)
    assert message.text == "Le caf\u00e9 est froid."
    assert any("charset 'uft-8' is unknown" in note for note in message.notes)
    [ack] = [o for o in outbox(app) if o.template == "customer/ack"]
    assert ack.recipients == ["ann@example.com"]
    assert parsed(ack.raw)["X-Evil"] is None
