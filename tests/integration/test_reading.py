"""Real mails read right, end to end: what the ticket keeps, what each person receives."""

import json

from click.testing import CliRunner

from maild.adapters.db.models import Attachment, Inbound, Message, Quarantine, Ticket
from maild.cli import main
from tests.conftest import mail
from tests.integration.helpers import outbox, parsed, rows
from tests.integration.staff import answer, body, last, new_since, open_ticket, take
from tests.peers import PEOPLE

DANA = "dana@acme.example"
SAM = "sam@example.com"
QUOTED_HISTORY = (
    "On Mon, Apr 2, 2012 at 6:26 PM, Megan <megan@acme.example> wrote:\n"
    "> Hi Sam,\n> is the kettle still leaking?\n"
)


def reply_from_sam(app, words: str) -> bytes:
    ack = parsed(last(app, "customer/ack", SAM).raw)
    return mail(
        subject=f"Re: {ack['Subject']}",
        to=str(ack["Reply-To"]),
        text=words,
        In_Reply_To=ack["Message-ID"],
    )


def test_a_customers_reply_is_stored_and_shown_as_their_new_words(app):
    open_ticket(app)
    before = len(outbox(app))
    outcome = take(app, reply_from_sam(app, f"Yes, it still leaks.\n\n{QUOTED_HISTORY}"))
    assert outcome.verdict == "joined"
    stored = [m for m in rows(app, Message) if m.kind == "customer"][-1]
    assert stored.text == "Yes, it still leaks."
    assert stored.notes[-1].startswith("earlier mail quoted, not repeated")
    [raw] = [i.raw for i in rows(app, Inbound) if i.id == stored.inbound_id]
    assert b"is the kettle still leaking?" in raw  # the whole mail is kept
    for note in new_since(app, before):  # the agents read the new words, not the thread
        text = body(note)
        assert "Yes, it still leaks." in text and "still leaking" not in text


def test_a_reply_with_nothing_quoted_is_stored_whole(app):
    open_ticket(app)
    take(app, reply_from_sam(app, "Thanks!\n\n-- \nSam Customer"))
    stored = [m for m in rows(app, Message) if m.kind == "customer"][-1]
    assert stored.text == "Thanks!\n\n-- \nSam Customer" and stored.notes == []


def test_an_interleaved_answer_reaches_the_customer_whole_and_the_agent_is_told(app):
    open_ticket(app)
    notification = last(app, "agent/new", DANA)
    written = (
        "#close\n\nHi Sam,\n\n> Hello, my order did not arrive.\nSorry: it left today.\n"
        "> more of your words\n\nIt arrives on Monday.\n\nSent from my desk, which is easier "
        "than my phone.\n\nDana"
    )
    before = len(outbox(app))
    take(app, answer(notification, written, quote=False))
    sent = {o.template: body(o) for o in new_since(app, before)}
    words = sent["customer/reply"]
    for line in ("Hi Sam,", "Sorry: it left today.", "It arrives on Monday.", "Dana"):
        assert line in words
    assert "Sent from my desk, which is easier than my phone." in words
    assert "did not arrive" not in words and "more of your words" not in words
    assert "I kept 1 line I could not tell from the quote" in sent["staff/receipt"]


def test_a_latin1_name_in_a_raw_header_opens_a_ticket(app):
    raw = (
        b"From: H\xe5vard Hansen <havard@example.no>\r\nTo: support@acme.example\r\n"
        b"Subject: Gr\xfc\xdfe\r\nMessage-ID: <h@example.no>\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nVannkokeren lekker.\r\n"
    )
    outcome = take(app, raw)
    assert outcome.verdict == "ticket"
    [ticket] = rows(app, Ticket)
    assert (ticket.customer_name, ticket.subject) == ("Håvard Hansen", "Grüße")
    ack = parsed(last(app, "customer/ack", "havard@example.no").raw)
    assert ack["To"].addresses[0].display_name == "Håvard Hansen"
    assert rows(app, Quarantine) == []


def test_a_mail_with_only_a_reply_to_is_answered_there(app):
    raw = b"Reply-To: Sam <sam@example.com>\r\nSubject: Help\r\nMessage-ID: <r@x>\r\n\r\nHi\r\n"
    assert take(app, raw).verdict == "ticket"
    assert last(app, "customer/ack", SAM).recipients == [SAM]


def test_a_mailer_daemon_bounce_without_an_address_is_a_robot(app):
    raw = (
        b"From: MAILER-DAEMON\r\nTo: support@acme.example\r\nSubject: Undelivered Mail\r\n"
        b"Message-ID: <b@x>\r\n\r\nThe mail could not be delivered.\r\n"
    )
    outcome = take(app, raw)
    assert outcome.verdict == "ignored" and "bounce" in (outcome.reason or "")
    assert rows(app, Quarantine) == [] and outbox(app) == []


def test_unnamed_and_valueless_attachments_are_kept(app):
    raw = (
        b"From: sam@example.com\r\nTo: support@acme.example\r\nSubject: Fwd\r\n"
        b"Message-ID: <f@x>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nSee both.\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\nFrom: x@example.com\r\nSubject: Meeting notes\r\n"
        b"\r\nnotes\r\n--b\r\nContent-Type: application/pdf; name*\r\n\r\n%PDF\r\n--b--\r\n"
    )
    assert take(app, raw).verdict == "ticket"
    names = sorted(a.filename for a in rows(app, Attachment))
    assert names == ["Meeting notes.eml", "attachment.pdf"]


def test_ticket_full_shows_the_quote_the_ticket_left_out(tmp_path):
    cfg = tmp_path / "maild.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[support]\naddress = "support@acme.example"\n'
        + PEOPLE
    )

    def run(*args, input=None):
        result = CliRunner().invoke(main, ["--config", str(cfg), *args], input=input)
        assert result.exit_code == 0, result.output
        return result.output

    run("ingest", "-", input=mail(subject="Kettle"))
    run("ingest", "-", input=mail(subject="Re: [#1] Kettle", text=f"Still.\n\n{QUOTED_HISTORY}"))
    shown = run("ticket", "1")
    assert "Still." in shown and "still leaking" not in shown
    assert "[earlier mail quoted, not repeated] (maild ticket 1 --full shows it)" in shown
    full = run("ticket", "1", "--full")
    assert "Still." in full and "> is the kettle still leaking?" in full
    [data] = json.loads(run("ticket", "1", "--full", "--json"))
    assert [m.get("quote") for m in data["timeline"] if m["type"] == "message"] == [None, "shown"]


def test_a_handover_shows_the_customers_new_words_and_the_quote_collapsed(app):
    open_ticket(app)
    take(app, reply_from_sam(app, f"Yes, it still leaks.\n\n{QUOTED_HISTORY}"))
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", DANA), "#assign lee\n#note\n\nLee knows kettles."))
    [handover] = [o for o in new_since(app, before) if o.template == "agent/handover"]
    text = body(handover)
    assert "Yes, it still leaks.\n\n[earlier mail quoted, not repeated]" in text
    assert "still leaking" not in text
