"""End to end: agents answer from their mail clients through a real Dovecot, the
customer's copy arrives at an aiosmtpd sink; a manager approves the same way."""

from __future__ import annotations

import json

import pytest

from tests.conftest import mail
from tests.e2e.test_imap import cli
from tests.integration.staff import answer
from tests.unit.test_reply import CLIENTS

pytestmark = pytest.mark.dovecot
GMAIL_HTML = (
    '<div dir="ltr">#close<br><br>Thanks Sam, the refund is on its way.</div><br>'
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Nov 23, 2026 at 9:00 AM '
    "Acme Support &lt;support@acme.example&gt; wrote:<br></div><blockquote "
    'class="gmail_quote">#credit 500<br>Please help</blockquote></div>'
)
OUTLOOK_HTML = (
    "<html><body><div>#close</div><div><br></div><div>Thanks Sam, the refund is on its way."
    '</div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>From:</b> '
    "Acme Support &lt;support@acme.example&gt;<br><b>Sent:</b> Monday, November 23, 2026 "
    "9:00 AM<br><b>To:</b> Dana<br><b>Subject:</b> [#1] New</div><div>#credit 500</div>"
    "</body></html>"
)
STYLES = {k: (v, None) for k, v in CLIENTS.items()}
STYLES["gmail html-only"] = ("", GMAIL_HTML)
STYLES["outlook web html-only"] = ("", OUTLOOK_HTML)


def test_replies_from_every_client_reach_their_customer_without_the_quote(setup):
    cfg, dovecot, user, sink = setup
    styles = sorted(STYLES)
    for i, style in enumerate(styles):
        dovecot.append(user, mail(subject=style, sender=f"C{i} <c{i}@example.com>"))
    assert cli(cfg, "run", "--once").exit_code == 0
    sent = sink.handler.wait_for(2 * len(styles))
    notes = {r.msg["Subject"].split("New: ", 1)[1]: r.raw for r in sent if "dana@" in r.rcpt_tos[0]}
    assert set(notes) == set(styles)
    for style in styles:
        text, html = STYLES[style]
        dovecot.append(user, answer(notes[style], text, quote=False, html=html))
    before = len(sink.handler.received)
    result = cli(cfg, "run", "--once")
    assert result.exit_code == 0, result.output
    # per style: the customer's copy and Dana's receipt
    sink.handler.wait_for(before + 2 * len(styles))
    for i, style in enumerate(styles):
        [copy] = sink.handler.to(f"c{i}@example.com")[1:]  # after the acknowledgement
        text = copy.text()
        assert "Thanks Sam, the refund is on its way." in text, style
        assert "#credit 500" not in text and "wrote" not in text and "Sent:" not in text, style
        assert copy.msg["From"].addresses[0].display_name == "Dana Agent (Acme Support)"
    closed = [
        t for t in json.loads(cli(cfg, "tickets", "--json").output) if t["status"] == "closed"
    ]
    assert len(closed) == len(styles)
    assert json.loads(cli(cfg, "ledger", "--json").output) == []  # the quoted #credit never ran


def test_over_the_limit_the_manager_approves_by_mail(setup):
    cfg, dovecot, user, sink = setup
    dovecot.append(user, mail(subject="Broken kettle"))
    assert cli(cfg, "run", "--once").exit_code == 0
    [note] = [r for r in sink.handler.wait_for(2) if "dana@" in r.rcpt_tos[0]]
    dovecot.append(user, answer(note.raw, "#credit 80 broken\n\nHi Sam, full refund."))
    assert cli(cfg, "run", "--once").exit_code == 0
    sink.handler.wait_for(4)
    [request] = sink.handler.to("maria@acme.example")
    assert sink.handler.to("sam@example.com")[1:] == []  # held: nothing to the customer
    dovecot.append(user, answer(request.raw, "#approve ok", "maria@acme.example"))
    assert cli(cfg, "run", "--once").exit_code == 0
    sink.handler.wait_for(7)
    [copy] = sink.handler.to("sam@example.com")[1:]
    assert "Hi Sam, full refund." in copy.text() and "$80.00" in copy.text()
    [credit] = json.loads(cli(cfg, "ledger", "--json").output)
    assert (credit["amount"], credit["approved_by"]) == ("80.00", "maria@acme.example")
    assert dovecot.messages(user, "INBOX") == []  # every mail moved on after its commit
