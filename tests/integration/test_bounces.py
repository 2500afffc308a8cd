"""A bounce of our own mail reaches its ticket; the agent hears of it once."""

import pytest

from maild.adapters.db.models import Event, Inbound, Message, Ticket
from tests.conftest import mail
from tests.integration.helpers import outbox, parsed, rows
from tests.integration.staff import answer, last, take


def postfix_dsn(original: bytes, to: str, recipient: str, *, headers_only=False, verp=True):
    """A report as Postfix 3.7 writes it (bounce(8)), for one failed recipient."""
    copy = (
        b"Content-Description: Undelivered Message Headers\n"
        b"Content-Type: text/rfc822-headers\n\n" + original.split(b"\n\n", 1)[0] + b"\n"
        if headers_only
        else b"Content-Description: Undelivered Message\nContent-Type: message/rfc822\n\n"
        + original
    )
    return (
        b"Return-Path: <>\n"
        b"From: MAILER-DAEMON@mx.acme.example (Mail Delivery System)\n"
        b"Subject: Undelivered Mail Returned to Sender\n"
        + f"To: {to if verp else 'support@acme.example'}\n".encode()
        + b"Auto-Submitted: auto-replied\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status;\n boundary="B1"\n'
        b"Message-Id: <20261123090100.ABC@mx.acme.example>\n\n"
        b"--B1\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n"
        b"This is the mail system at host mx.acme.example.\n\n"
        b"I'm sorry to have to inform you that your message could not\n"
        b"be delivered to one or more recipients.\n\n"
        + f"<{recipient}>: host mx.example.net said: 550 5.1.1 <{recipient}>: "
        "Recipient address rejected: User unknown\n\n".encode()
        + b"--B1\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; mx.acme.example\nArrival-Date: Mon, 23 Nov 2026 09:00:01 +0000\n\n"
        + f"Final-Recipient: rfc822; {recipient}\nOriginal-Recipient: rfc822;{recipient}\n".encode()
        + b"Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; mx.example.net\n"
        + f"Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected:\n"
        "    User unknown\n\n".encode()
        + b"--B1\n"
        + copy
        + b"\n--B1--\n"
    )


def answered(app):
    """Sam's ticket, answered by Dana: the answer is what bounces."""
    take(app, mail(sender="Sam Lee <sam@example.com>"))
    note = last(app, "agent/new", "dana@acme.example")
    take(app, answer(note, "Hi Sam, a new kettle is on its way."))
    return last(app, "customer/reply", "sam@example.com")


@pytest.mark.parametrize("verp", [True, False], ids=["verp", "message-id"])
@pytest.mark.parametrize("headers_only", [False, True], ids=["rfc822", "headers"])
def test_a_bounced_answer_is_on_the_ticket_and_the_agent_is_told_once(app, verp, headers_only):
    reply = answered(app)
    app.sender.drain()
    dsn = postfix_dsn(
        reply.raw, reply.envelope_from, "sam@example.com", headers_only=headers_only, verp=verp
    )
    before = len(outbox(app))
    outcome = take(app, dsn)
    assert (outcome.verdict, outcome.ticket_id) == ("bounce", 1)
    [failed] = [e for e in rows(app, Event) if e.kind == "delivery_failed"]
    assert failed.detail["recipient"] == "sam@example.com"
    assert failed.detail["status"] == "5.1.1"
    assert (
        "550 5.1.1 <sam@example.com>: Recipient address rejected: User unknown"
        in (failed.detail["words"])
    )
    [told] = outbox(app)[before:]
    assert (told.template, told.recipients) == ("agent/delivery-failed", ["dana@acme.example"])
    said = parsed(told.raw)
    assert said["Subject"].startswith("[#1] Sam Lee did not get your answer: 550 5.1.1")
    row = next(o for o in outbox(app) if o.message_id == reply.message_id)
    assert row.status == "failed" and row.last_error.startswith("bounced: sam@example.com: 550")
    assert row.results["sam@example.com"]["status"] == "bounced"
    assert [m.kind for m in rows(app, Message)][-1] == "robot"
    # the same report again, or a second one: nobody is told twice
    assert take(app, dsn).verdict == "duplicate"
    again = dsn.replace(b"<20261123090100.ABC@", b"<20261123090200.DEF@")
    assert take(app, again).verdict == "bounce"
    assert len(outbox(app)) == before + 1
    assert len([e for e in rows(app, Event) if e.kind == "delivery_failed"]) == 1


def test_an_acknowledgement_to_a_mistyped_address_bounces_to_the_team(app):
    take(app, mail(sender="Kim <kim@exmaple.com>"))
    ack = last(app, "customer/ack", "kim@exmaple.com")
    before = len(outbox(app))
    outcome = take(app, postfix_dsn(ack.raw, ack.envelope_from, "kim@exmaple.com"))
    assert outcome.verdict == "bounce"
    told = outbox(app)[before:]
    assert sorted(o.recipients[0] for o in told) == ["dana@acme.example", "lee@acme.example"]
    assert "did not get the acknowledgement" in parsed(told[0].raw)["Subject"]


def test_a_forged_report_on_someone_else_or_unknown_mail_is_a_robot(app):
    reply = answered(app)
    # a report naming a recipient our mail never went to
    forged = postfix_dsn(reply.raw, reply.envelope_from, "eve@evil.example")
    assert take(app, forged).verdict == "ignored"
    # a VERP address nobody was given
    unknown = postfix_dsn(
        reply.raw, "support+bounce-aaaaaaaaaaaaaaaaaaaa@acme.example", "x@y.example"
    )
    assert take(app, unknown).verdict == "ignored"
    assert [e for e in rows(app, Event) if e.kind == "delivery_failed"] == []


def test_an_out_of_office_from_the_customer_stays_a_robot(app):
    reply = answered(app)
    ooo = mail(
        subject="Automatic reply: Re: Help",
        sender="Sam Lee <sam@example.com>",
        to=reply.envelope_from,
        text="I am out of the office until Monday.",
        Auto_Submitted="auto-replied",
        In_Reply_To=reply.message_id,
    )
    assert take(app, ooo).verdict == "ignored"
    assert [e for e in rows(app, Event) if e.kind == "delivery_failed"] == []
    assert len(rows(app, Ticket)) == 1 and all(i.verdict != "bounce" for i in rows(app, Inbound))


def test_an_old_mtas_bounce_without_a_report_still_reaches_the_ticket(app):
    reply = answered(app)
    plain = mail(
        subject="failure notice",
        sender="MAILER-DAEMON@mail.example.net",
        to=reply.envelope_from,
        text="Sorry, I couldn't find any host named exmaple.com. (#5.1.2)",
        Return_Path="<>",
    )
    assert take(app, plain).verdict == "bounce"
    [failed] = [e for e in rows(app, Event) if e.kind == "delivery_failed"]
    assert "couldn't find any host" in failed.detail["words"]
