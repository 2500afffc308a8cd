"""The mail a real desk gets, end to end through Dovecot and the sink: a customer's
follow-up to her own mail, the MTA's spam verdicts, agents forwarding customers'
mail in from their mail clients (`maild run --once` after each step)."""

from __future__ import annotations

import json
from email.message import EmailMessage

import pytest

from tests.conftest import mail
from tests.e2e.test_imap import cli
from tests.forwards import GMAIL, ORIGINAL, forwarded

pytestmark = pytest.mark.dovecot


def _once(cfg) -> None:
    result = cli(cfg, "run", "--once")
    assert result.exit_code == 0, result.output


def _forward(to: str, text: str, subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Dana Agent <dana@acme.example>", to, subject
    msg["Message-ID"] = f"<{subject.replace(' ', '-').replace(':', '')}@acme.example>"
    msg["Date"] = "Mon, 07 Dec 2026 11:00:00 +0100"
    msg.set_content(text)
    return msg.as_bytes()


def test_an_ordinary_week_at_the_desk(setup):
    cfg, dovecot, user, sink = setup
    text = cfg.read_text().replace(
        "[intake.smtp]", "[intake]\ntrusted_spam_headers = true\n[intake.smtp]"
    )
    cfg.write_text(text)

    # Kim answers her own sent mail before reading the acknowledgement
    kim = "Kim Olsen <kim@example.com>"
    dovecot.append(
        user, mail(subject="My invoice is wrong", sender=kim, msgid="<inv1@example.com>")
    )
    _once(cfg)
    dovecot.append(
        user,
        mail(
            subject="Re: My invoice is wrong",
            sender=kim,
            text="Forgot to say: invoice number 4711",
            In_Reply_To="<inv1@example.com>",
            References="<inv1@example.com>",
        ),
    )
    _once(cfg)
    tickets = json.loads(cli(cfg, "tickets", "--json").output)
    assert [t["customer"] for t in tickets] == ["kim@example.com"]
    sink.handler.wait_for(3)
    assert len(sink.handler.to("kim@example.com")) == 1  # one acknowledgement
    subjects = [r.msg["Subject"] for r in sink.handler.to("dana@acme.example")]
    assert subjects[0].startswith("[#1] New") and subjects[1].startswith("[#1]")

    # the MTA's filter marks three mails as spam: held, nobody answered or told
    before = len(sink.handler.received)
    for n, header in enumerate(
        [
            {"X_Spam_Flag": "YES"},
            {"X_Spam_Status": "Yes, score=12.3 required=5.0"},
            {"X_Spam": "Yes"},
        ]
    ):
        dovecot.append(user, mail(subject=f"cheap {n}", sender=f"forged{n}@example.net", **header))
    _once(cfg)
    assert len(json.loads(cli(cfg, "tickets", "--json").output)) == 1
    held = json.loads(cli(cfg, "quarantine", "list", "--spam", "--json").output)
    assert sorted(h["subject"] for h in held) == ["cheap 0", "cheap 1", "cheap 2"]
    assert len(sink.handler.received) == before

    # Dana forwards Lena's mail from Gmail (German) to her forwarding address
    address = cli(cfg, "forward-address", "dana@acme.example").output.strip()
    block = "#priority high\n\nLena hat mir direkt geschrieben."
    dovecot.append(user, _forward(address, forwarded(GMAIL["de"], block), "WG: Refund please"))
    _once(cfg)
    [lena] = [t for t in json.loads(cli(cfg, "tickets", "--json").output) if t["id"] == 2]
    assert (lena["customer"], lena["agent"], lena["subject"]) == (
        "lena@example.org",
        "dana@acme.example",
        "Refund please",
    )
    sink.handler.wait_for(before + 2)  # Lena's acknowledgement, Dana's receipt
    [ack] = sink.handler.to("lena@example.org")
    assert ack.msg["Subject"] == "[#2] Refund please"
    assert "Lena hat mir direkt" not in ack.text()
    shown = json.loads(cli(cfg, "ticket", "2", "--json").output)[0]
    words = [m["text"] for m in shown["timeline"] if m["type"] == "message"]
    assert words == [ORIGINAL, "Lena hat mir direkt geschrieben."]
    assert shown["priority"] == "high"
    receipt = [r for r in sink.handler.to("dana@acme.example") if "opened ticket #2" in r.text()]
    assert len(receipt) == 1
    assert dovecot.messages(user, "INBOX") == []


def test_a_bounce_in_the_mailbox_reaches_the_ticket_and_the_agent_once(setup):
    from tests.integration.staff import answer
    from tests.integration.test_bounces import postfix_dsn

    cfg, dovecot, user, sink = setup
    dovecot.append(user, mail(subject="Kettle", sender="Sam Lee <sam@example.com>"))
    _once(cfg)
    [note] = [r for r in sink.handler.wait_for(2) if "dana@" in r.rcpt_tos[0]]
    dovecot.append(user, answer(note.raw, "Hi Sam, a new kettle is on its way."))
    _once(cfg)
    sink.handler.wait_for(4)
    reply = sink.handler.to("sam@example.com")[-1]
    assert reply.mail_from.startswith("support+bounce-")  # VERP: this mail's own sender
    dsn = postfix_dsn(reply.raw, reply.mail_from, "sam@example.com")
    dovecot.append(user, dsn)
    dovecot.append(user, dsn.replace(b"ABC@mx", b"DEF@mx"))  # a second report on it
    _once(cfg)
    told = [r for r in sink.handler.wait_for(5) if "did not get" in str(r.msg["Subject"])]
    assert [str(r.msg["Subject"]) for r in told] == [
        "[#1] Sam Lee did not get your answer: 550 5.1.1 <sam@example.com>: Recipient address"
        " rejected: User unknown"
    ]
    assert told[0].rcpt_tos == ["dana@acme.example"]
    rows = json.loads(cli(cfg, "outbox", "--json").output)
    [answered] = [o for o in rows if o["template"] == "customer/reply"]
    assert answered["status"] == "failed" and answered["last_error"].startswith("bounced: sam@")
    assert dovecot.messages(user, "INBOX") == []
