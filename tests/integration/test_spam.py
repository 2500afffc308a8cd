"""Spam is not a customer: held, never acknowledged, released by the operator."""

import json

import pytest

from maild.adapters.db import spam
from maild.adapters.db.models import Event, Inbound, Quarantine, Ticket
from maild.core.intake import RawMail
from maild.services.release import release
from tests.conftest import mail
from tests.integration.helpers import outbox, rows
from tests.integration.staff import answer, last, take
from tests.integration.test_cli import make_config, run

SPAM_HEADERS = {
    "spamassassin flag": {"X_Spam_Flag": "YES"},
    "spamassassin status": {
        "X_Spam_Status": "Yes, score=12.3 required=5.0 tests=BAYES_99,URIBL_BLACK autolearn=no"
    },
    "rspamd": {"X_Spam": "Yes"},
    "rspamd result": {"X_Spamd_Result": "default: True [16.10 / 15.00]; BAYES_SPAM(5.10)[99.9%]"},
    "microsoft": {"X_Forefront_Antispam_Report": "CIP:203.0.113.9;CTRY:;LANG:en;SCL:5;SRV:;"},
}


def trusting(make_app, **intake):
    return make_app(intake={"trusted_spam_headers": True, **intake})


def test_the_mtas_spam_verdicts_hold_the_mail_without_a_word(make_app):
    app = trusting(make_app)
    for n, headers in enumerate(SPAM_HEADERS.values()):
        outcome = take(
            app, mail(subject=f"cheap pills {n}", sender=f"s{n}@spam.example", **headers)
        )
        assert outcome.verdict == "spam" and outcome.ticket_id is None
    assert rows(app, Ticket) == [] and outbox(app) == []  # no ack, no agent told
    held = rows(app, Quarantine)
    assert [q.status for q in held] == ["spam"] * len(SPAM_HEADERS)
    assert {i.verdict for i in rows(app, Inbound)} == {"spam"}
    assert "x-spam-flag: YES" in held[0].error


def test_spam_headers_are_not_believed_unless_trusted(app):
    outcome = take(app, mail(X_Spam_Flag="YES"))
    assert outcome.verdict == "ticket"


def test_only_the_named_headers_are_believed(make_app):
    app = make_app(intake={"trusted_spam_headers": ["X-Spam"]})
    assert take(app, mail(sender="a@example.com", X_Spam_Flag="YES")).verdict == "ticket"
    assert take(app, mail(sender="b@example.com", X_Spam="Yes")).verdict == "spam"


def test_ham_with_verdict_headers_is_a_ticket(make_app):
    app = trusting(make_app)
    outcome = take(
        app, mail(X_Spam_Flag="NO", X_Spam_Status="No, score=0.2 required=5.0 tests=NONE")
    )
    assert outcome.verdict == "ticket"


def test_an_agents_mail_is_never_held_as_spam(make_app):
    app = trusting(make_app)
    outcome = take(app, mail(sender="Dana <dana@acme.example>", X_Spam_Flag="YES"))
    assert outcome.verdict == "staff"


def test_spam_agent_command_closes_silently_and_holds_the_senders_next_mail(app):
    ticket = take(app, mail(subject="Win a prize", sender="Prize <prize@spam.example>"))
    note = last(app, "agent/new", "dana@acme.example")
    before = len(outbox(app))
    done = take(app, answer(note, "#spam"))
    assert done.status == "applied"
    [t] = rows(app, Ticket)
    assert (t.id, t.status) == (ticket.ticket_id, "closed")
    sent = outbox(app)[before:]
    assert [o.recipients for o in sent] == [["dana@acme.example"]]  # the receipt only
    assert "marked_spam" in [e.kind for e in rows(app, Event)]
    again = take(app, mail(subject="Win again", sender="prize@spam.example"))
    assert again.verdict == "spam" and "#spam" in again.reason
    assert len(rows(app, Ticket)) == 1 and len(outbox(app)) == before + 1
    # the operator's release undoes #spam: that mail is a ticket, and so are the next
    held = rows(app, Quarantine)[-1]
    assert release(app.db, app.ingest, held.id).verdict == "ticket"
    assert take(app, mail(subject="Sorry", sender="prize@spam.example")).verdict in (
        "ticket",
        "joined",
    )


@pytest.mark.parametrize("few", [1000, 0], ids=["marked-read-once-a-batch", "too-many-to-read"])
def test_a_sender_marked_in_a_batch_is_held_in_the_same_batch(app, monkeypatch, few):
    monkeypatch.setattr(spam, "FEW_MARKED", few)
    take(app, mail(subject="Win a prize", sender="Prize <prize@spam.example>"))
    note = last(app, "agent/new", "dana@acme.example")
    take(app, mail(subject="Hello", sender="other@spam.example"))
    batch = [
        RawMail(mail(subject="Unrelated", sender="sam@example.com", msgid="<u@x>")),
        RawMail(answer(note, "#spam")),
        RawMail(mail(subject="Win again", sender="prize@spam.example", msgid="<w@x>")),
    ]
    outcomes = app.ingest(batch)  # one transaction
    assert [o.verdict for o in outcomes] == ["ticket", "staff", "spam"]
    later = app.ingest([RawMail(mail(subject="Hi", sender="other@spam.example", msgid="<o@x>"))])
    assert [o.verdict for o in later] == ["ticket"]  # another sender: not held


def test_acknowledgements_stop_at_the_hourly_cap_and_every_mail_is_stored(make_app, clock):
    app = make_app()  # [limits] acks_per_hour = 200, the default
    forged = [
        RawMail(mail(subject=f"hello {n}", sender=f"victim{n}@example.net")) for n in range(1000)
    ]
    outcomes = []
    for start in range(0, 1000, 100):
        outcomes += app.ingest(forged[start : start + 100])
    assert [o.verdict for o in outcomes] == ["ticket"] * 1000
    assert len(rows(app, Ticket)) == 1000 and len(rows(app, Inbound)) == 1000
    acks = [o for o in outbox(app) if o.template == "customer/ack"]
    assert len(acks) == 200
    held_back = [e for e in rows(app, Event) if e.kind == "ack_suppressed"]
    assert len(held_back) == 800 and "acks_per_hour" in held_back[0].detail["reason"]
    clock.advance(hours=1, minutes=1)  # a new hour: acknowledgements again
    take(app, mail(sender="late@example.net"))
    assert len([o for o in outbox(app) if o.template == "customer/ack"]) == 201


def test_the_operator_lists_and_releases_spam(tmp_path):
    cfg = make_config(
        tmp_path,
        "[intake]\ntrusted_spam_headers = true\n[[agents]]\n"
        'email = "dana@acme.example"\nname = "Dana"\n',
    )
    raw = mail(subject="Really my order", sender="Kim <kim@example.com>", X_Spam="Yes")
    taken = run("--config", cfg, "ingest", "-", input=raw)
    assert taken.exit_code == 0 and taken.output.startswith("spam")
    assert json.loads(run("--config", cfg, "quarantine", "list", "--json").output) == []
    [held] = json.loads(run("--config", cfg, "quarantine", "list", "--spam", "--json").output)
    assert (held["status"], held["from"], held["subject"]) == (
        "spam",
        "Kim <kim@example.com>",
        "Really my order",
    )
    released = run("--config", cfg, "quarantine", "release", str(held["id"]))
    assert released.exit_code == 0 and released.output.strip() == "released: ticket #1", (
        released.output
    )
    [ticket] = json.loads(run("--config", cfg, "tickets", "--json").output)
    assert ticket["customer"] == "kim@example.com"
    queued = json.loads(run("--config", cfg, "outbox", "--json").output)
    assert {o["template"] for o in queued} == {"customer/ack", "agent/new"}
    again = run("--config", cfg, "quarantine", "release", str(held["id"]))
    assert again.exit_code != 0 and "released already" in again.output
    # the same mail delivered again is a repeat, not a second ticket
    assert run("--config", cfg, "ingest", "-", input=raw).output.startswith("duplicate")


def test_held_spam_loses_its_bytes_with_the_raw_mail(make_app, clock):
    from maild.services.release import NotReleased
    from maild.services.retention import Housekeeping

    app = trusting(make_app)
    take(app, mail(X_Spam="Yes"))
    clock.advance(days=31)
    with app.db.transaction() as store:
        done = Housekeeping(raw_days=30)(store, app.ingest.clock())
    assert "1 spam mails' bytes dropped" in done
    [held] = rows(app, Quarantine)
    assert held.raw == b"" and held.status == "spam"
    with pytest.raises(NotReleased, match="dropped"):
        release(app.db, app.ingest, held.id)
