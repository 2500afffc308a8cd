"""A customer answering their own first mail: it joins the ticket that mail opened."""

from maild.adapters.db.models import Event, Ticket
from maild.core.intake import RawMail
from tests.conftest import mail
from tests.integration.helpers import outbox, rows


def take(app, raw):
    [outcome] = app.ingest([RawMail(raw)])
    return outcome


def test_kim_answering_her_own_mail_joins_its_ticket(app):
    kim = "Kim Olsen <kim@example.com>"
    first = take(app, mail(subject="My invoice is wrong", sender=kim, msgid="<inv1@example.com>"))
    second = take(
        app,
        mail(
            subject="Re: My invoice is wrong",
            text="Forgot to say: invoice number 4711",
            sender=kim,
            In_Reply_To="<inv1@example.com>",
            References="<inv1@example.com>",
        ),
    )
    assert (first.verdict, second.verdict) == ("ticket", "joined")
    assert second.ticket_id == first.ticket_id and len(rows(app, Ticket)) == 1
    joined = [e for e in rows(app, Event) if e.kind == "customer_replied"]
    assert joined[0].detail["via"] == "a stored mail it answers"
    assert sum(o.template == "customer/ack" for o in outbox(app)) == 1


def test_references_alone_are_enough(app):
    first = take(app, mail(msgid="<a1@example.com>"))
    later = take(app, mail(subject="more", References="<zz@elsewhere.example> <a1@example.com>"))
    assert later.ticket_id == first.ticket_id and later.verdict == "joined"


def test_a_participant_on_copy_may_follow_up(app):
    first = take(app, mail(msgid="<p1@example.com>", Cc="Ana <ana@example.com>"))
    later = take(
        app, mail(subject="Re: x", sender="Ana <ana@example.com>", In_Reply_To="<p1@example.com>")
    )
    assert (later.verdict, later.ticket_id) == ("joined", first.ticket_id)


def test_a_stranger_naming_someone_elses_mail_opens_their_own(app):
    first = take(app, mail(msgid="<s1@example.com>"))
    other = take(
        app,
        mail(subject="Re: Help", sender="Eve <eve@evil.example>", In_Reply_To="<s1@example.com>"),
    )
    assert other.verdict == "ticket" and other.ticket_id != first.ticket_id
    opened = next(e for e in rows(app, Event) if e.ticket_id == other.ticket_id)
    assert "not that ticket's customer" in opened.detail["note"]


def test_thread_index_and_a_bare_re_never_join(app):
    first = take(app, mail(subject="Printer jam", Thread_Index="AQHZ1234567890abcdef=="))
    again = take(
        app, mail(subject="Re: Printer jam", Thread_Index="AQHZ1234567890abcdef==AAAAAA==")
    )
    assert again.verdict == "ticket" and again.ticket_id != first.ticket_id


def test_a_robot_or_unknown_mail_id_joins_nothing(app):
    take(app, mail(msgid="<r1@example.com>", Auto_Submitted="auto-replied"))
    later = take(app, mail(In_Reply_To="<r1@example.com>"))
    assert later.verdict == "ticket"
    unknown = take(app, mail(In_Reply_To="<never-seen@example.com>"))
    assert unknown.verdict == "ticket" and unknown.ticket_id != later.ticket_id
