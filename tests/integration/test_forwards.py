"""An agent forwards a customer's mail in: the customer's ticket, as if they had written."""

from email.message import EmailMessage

import pytest

from maild.adapters.db.models import Attachment, Blob, Event, Message, Ticket
from maild.core import auth
from tests.forwards import FORMS, ORIGINAL, forwarded
from tests.integration.helpers import outbox, rows
from tests.integration.staff import body, take


def address_of(app, agent="dana@acme.example"):
    return auth.forwarding_address(app.ingest.desk.staffing.auth, agent)


def from_dana(to, text, subject="Fwd: Refund please", attachments=(), **headers):
    msg = EmailMessage()
    msg["From"] = "Dana Agent <dana@acme.example>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<fwd-{abs(hash((text, to, subject)))}@acme.example>"
    msg["Date"] = "Mon, 07 Dec 2026 11:00:00 +0100"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    for part in attachments:
        msg.attach(part)
    return msg.as_bytes()


@pytest.mark.parametrize(("client", "lang", "block"), FORMS, ids=[f"{c}-{g}" for c, g, _ in FORMS])
def test_each_clients_forward_opens_the_customers_ticket(app, client, lang, block):
    text = forwarded(block, "#priority high\n\nLena wrote to me directly, she is a VIP.")
    outcome = take(app, from_dana(address_of(app), text))
    assert outcome.verdict == "staff" and outcome.status == "applied", outcome.reason
    [ticket] = rows(app, Ticket)
    assert (ticket.customer, ticket.customer_name) == ("lena@example.org", "Lena Berg")
    assert (ticket.subject, ticket.agent, ticket.priority) == (
        "Refund please",
        "dana@acme.example",
        "high",
    )
    customer, note = rows(app, Message)
    assert (customer.kind, customer.author, customer.text) == (
        "customer",
        "lena@example.org",
        ORIGINAL,
    )
    assert "Forwarded by Dana Agent" in customer.notes[-1]
    assert (note.kind, note.text) == ("staff", "Lena wrote to me directly, she is a VIP.")
    opened = next(e for e in rows(app, Event) if e.kind == "opened")
    assert opened.detail["forwarded_by"] == "dana@acme.example"
    assert opened.detail["original_date"].startswith("2026-12-07T10:15")
    sent = {o.template: o for o in outbox(app)}
    assert sent["customer/ack"].recipients == ["lena@example.org"]
    assert "Lena wrote to me directly" not in body(sent["customer/ack"])  # the note stays ours
    assert sent["staff/receipt"].recipients == ["dana@acme.example"]
    assert "Your forward opened ticket #1 for Lena Berg <lena@example.org>" in body(
        sent["staff/receipt"]
    )


def test_a_forward_as_an_attachment_keeps_the_date_and_the_files(app):
    inner = EmailMessage()
    inner["From"] = "Lena Berg <lena@example.org>"
    inner["To"] = "dana@acme.example"
    inner["Subject"] = "Refund please"
    inner["Date"] = "Mon, 07 Dec 2026 10:15:00 +0100"
    inner["Message-ID"] = "<lena-1@example.org>"
    inner.set_content(ORIGINAL)
    inner.add_attachment(
        b"%PDF-1.4 receipt", maintype="application", subtype="pdf", filename="receipt.pdf"
    )
    outer = EmailMessage()
    outer["From"] = "Dana Agent <dana@acme.example>"
    outer["To"] = address_of(app)
    outer["Subject"] = "Fwd: Refund please"
    outer["Message-ID"] = "<fwd-attached@acme.example>"
    outer["Date"] = "Mon, 07 Dec 2026 11:00:00 +0100"
    outer.set_content("#assign lee\n#quiet\n\nFor Lee: she asked twice already.")
    outer.add_attachment(inner)
    outcome = take(app, outer.as_bytes())
    assert outcome.status == "applied", outcome.reason
    [ticket] = rows(app, Ticket)
    assert (ticket.customer, ticket.agent) == ("lena@example.org", "lee@acme.example")
    customer = rows(app, Message)[0]
    assert customer.text == ORIGINAL and "Mon, 07 Dec 2026 10:15:00 +0100" in customer.notes[-1]
    [pdf] = rows(app, Attachment)
    [blob] = [b for b in rows(app, Blob) if b.hash == pdf.blob]  # stored once, by hash
    assert (pdf.filename, blob.content) == ("receipt.pdf", b"%PDF-1.4 receipt")
    templates = sorted(o.template for o in outbox(app))
    assert "customer/ack" not in templates  # #quiet
    assert "agent/handover" in templates


def test_an_unproven_forward_runs_nothing(app):
    # to the plain support address, with no trusted server vouching for Dana's domain
    text = forwarded(FORMS[0][2], "#priority high")
    outcome = take(app, from_dana("support@acme.example", text))
    assert outcome.status == "unproven"
    assert rows(app, Ticket) == []
    [receipt] = outbox(app)
    assert (receipt.template, receipt.recipients) == ("staff/receipt", ["dana@acme.example"])
    assert "forwarding address" in body(receipt)


def test_a_forger_using_a_stolen_address_name_gets_nothing(app):
    forged = from_dana(address_of(app, "lee@acme.example"), forwarded(FORMS[0][2]))
    assert take(app, forged).status == "unproven"
    assert rows(app, Ticket) == []


def test_dmarc_from_a_trusted_server_proves_a_forward_to_the_support_address(make_app):
    app = make_app(auth={"trusted_authserv_ids": ["mx.acme.example"]})
    header = "mx.acme.example; dkim=pass header.d=acme.example; dmarc=pass header.from=acme.example"
    raw = from_dana("support@acme.example", forwarded(FORMS[4][2]), Authentication_Results=header)
    assert take(app, raw).status == "applied"
    assert [t.customer for t in rows(app, Ticket)] == ["lena@example.org"]


def test_the_same_forward_again_opens_nothing_new(app):
    raw = from_dana(address_of(app), forwarded(FORMS[8][2]))
    assert take(app, raw).status == "applied"
    again = raw.replace(b"Message-ID: <fwd-", b"Message-ID: <fwd-again-")
    assert take(app, again).status == "replay"
    assert len(rows(app, Ticket)) == 1


def test_a_reply_on_a_ticket_that_quotes_a_forward_is_a_reply(app):
    from tests.conftest import mail
    from tests.integration.staff import answer, last

    take(app, mail())
    note = last(app, "agent/new", "dana@acme.example")
    outcome = take(app, answer(note, "Hi Sam,\n\n" + FORMS[0][2] + ORIGINAL))
    assert outcome.ticket_id == 1 and len(rows(app, Ticket)) == 1


def test_the_forwarding_address_is_shown_by_the_cli(tmp_path):
    from tests.integration.test_cli import make_config, run

    cfg = make_config(tmp_path, '[[agents]]\nemail = "dana@acme.example"\nname = "Dana"\n')
    shown = run("--config", cfg, "forward-address", "Dana@acme.example")
    assert shown.exit_code == 0 and shown.output.startswith("support+t0-")
    assert run("--config", cfg, "forward-address", "x@acme.example").exit_code != 0
