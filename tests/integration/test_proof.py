"""Proof of sender: a forged mail moves no money, changes no ticket, reaches no customer."""

import re

import pytest

from maild.adapters.db.models import Action, Event, Ledger, Ticket
from tests.conftest import mail
from tests.integration.helpers import outbox, rows
from tests.integration.staff import answer, body, last, new_since, open_ticket, take

DANA = "dana@acme.example"
CREDIT = "#credit 40 goodwill\n#close\n\nHi Sam."


def nothing_ran(app, before):
    """No ledger row, the ticket untouched, nothing to the customer."""
    assert rows(app, Ledger) == []
    assert all(t.status == "open" for t in rows(app, Ticket))
    assert not [o for o in new_since(app, before) if o.template == "customer/reply"]


def setup(app):
    open_ticket(app)
    return last(app, "agent/new", DANA), len(outbox(app))


def receipt_reason(app, before):
    [receipt] = [o for o in new_since(app, before) if o.template == "staff/receipt"]
    assert receipt.recipients == [DANA]  # the configured address, never one from the mail
    return body(receipt)


def test_the_genuine_answer_runs(app):
    note, _before = setup(app)
    take(app, answer(note, CREDIT))
    assert len(rows(app, Ledger)) == 1


def test_a_forged_from_without_a_token_runs_nothing(app):
    _note, before = setup(app)
    take(app, mail(subject="Re: [#1] Help", sender=f"Dana <{DANA}>", text=CREDIT))
    nothing_ran(app, before)
    assert "carries no maild token" in receipt_reason(app, before)


def test_a_display_name_pretending_to_be_an_agent_is_a_customer(app):
    note, before = setup(app)
    outcome = take(app, answer(note, CREDIT, f'"{DANA}" <mallory@evil.example>'))
    assert outcome.verdict == "ticket"  # a stranger naming a ticket gets their own
    nothing_ran(app, before)


def test_two_from_headers_run_nothing(app):
    note, before = setup(app)
    raw = answer(note, CREDIT, "Mallory <mallory@evil.example>")
    take(app, raw.replace(b"From: ", b"From: Dana Agent <dana@acme.example>\nFrom: ", 1))
    nothing_ran(app, before)
    assert "not exactly one clean address" in receipt_reason(app, before)


def test_an_address_with_a_trailing_address_is_not_the_agent(app):
    note, before = setup(app)
    take(app, answer(note, CREDIT, "dana@acme.example)<mallory@evil.example>"))
    nothing_ran(app, before)


def test_a_token_for_another_person_runs_nothing(app):
    _note, before = setup(app)
    lees = last(app, "agent/new", "lee@acme.example")
    take(app, answer(lees, CREDIT, f"Dana Agent <{DANA}>"))
    nothing_ran(app, before)
    assert "no token in the mail was signed" in receipt_reason(app, before)


def test_a_token_for_another_ticket_acts_on_that_ticket_only(app):
    note1, _ = setup(app)
    open_ticket(app, "Eve <eve@example.com>")
    note2 = last(app, "agent/new", DANA)
    raw = answer(note2, "#close")
    take(app, raw.replace(b"Subject: Re: [#2]", b"Subject: Re: [#1]"))
    assert {t.id: t.status for t in rows(app, Ticket)} == {1: "open", 2: "closed"}
    assert note1.ticket_id == 1


def test_a_flipped_token_character_runs_nothing(app):
    note, before = setup(app)
    raw = answer(note, CREDIT, quote=False)

    def flip(match):
        mac = match.group(2)
        return match.group(1) + (b"b" if mac[:1] == b"a" else b"a") + mac[1:]

    forged = re.sub(rb"(t1-)([a-z2-7]{20})", flip, raw)
    assert forged != raw
    take(app, forged)
    nothing_ran(app, before)


def test_a_replay_under_a_new_message_id_never_applies_twice(app):
    note, _before = setup(app)
    raw = answer(note, CREDIT)
    take(app, raw)
    replay = re.sub(rb"Message-ID: <[^>]+>", b"Message-ID: <replayed@evil.example>", raw)
    assert replay != raw
    outcome = take(app, replay)
    assert "replay" in outcome.reason
    assert len(rows(app, Ledger)) == 1


def test_the_same_message_id_with_other_content_never_applies_twice(app):
    note, _ = setup(app)
    raw = answer(note, CREDIT)
    take(app, raw)
    take(app, raw.replace(b"goodwill", b"goodwill!"))
    assert len(rows(app, Ledger)) == 1


def test_a_forgery_under_the_genuine_message_id_cannot_lock_the_genuine_mail_out(app):
    note, before = setup(app)
    genuine = answer(note, CREDIT)
    msgid = re.search(rb"Message-ID: (<[^>]+>)", genuine).group(1).decode()
    # The forger saw the Message-ID (a Cc, a list) and sends first: no token, same Date.
    forged = mail(subject="Re: [#1] Help", sender=f"Dana <{DANA}>", text=CREDIT, msgid=msgid)
    take(app, forged)
    nothing_ran(app, before)
    outcome = take(app, genuine)
    assert "replay" not in (outcome.reason or "")
    assert len(rows(app, Ledger)) == 1 and rows(app, Ticket)[0].status == "closed"


def test_one_canned_reply_to_several_tickets_acts_on_each(app):
    notes = []
    for n in range(5):
        open_ticket(app, sender=f"Customer {n} <c{n}@example.com>")
        notes.append(last(app, "agent/new", DANA))
    # The same text, sent in the same second: only the ticket tells them apart.
    raws = [answer(note, "#close\n\nThanks!") for note in notes]
    date = re.search(rb"Date: [^\n]+", raws[0]).group(0)
    raws = [re.sub(rb"Date: [^\n]+", date, raw) for raw in raws]
    for raw in raws:
        take(app, raw)
    assert [t.status for t in rows(app, Ticket)] == ["closed"] * 5


def test_a_replay_gets_a_receipt_saying_so_within_the_cap(app):
    note, _before = setup(app)
    raw = answer(note, CREDIT)
    take(app, raw)
    before = len(outbox(app))
    for n in range(8):
        take(app, re.sub(rb"Message-ID: <[^>]+>", f"Message-ID: <r{n}@evil>".encode(), raw))
    receipts = [o for o in new_since(app, before) if o.template == "staff/receipt"]
    assert len(receipts) == 5 and all(o.recipients == [DANA] for o in receipts)
    assert "replay of a mail acted on already" in body(receipts[0])
    assert len(rows(app, Ledger)) == 1
    statuses = sorted(a.status for a in rows(app, Action))
    assert statuses == ["applied"] + ["replay"] * 8


def test_token_keys_rotate_and_an_expired_key_is_refused(make_app, monkeypatch):
    monkeypatch.setenv("MAILD_TOKEN_KEY", "old-key-old-key-old-key")
    app = make_app()
    note, _ = setup(app)
    monkeypatch.setenv("MAILD_TOKEN_KEY", "new-key-new-key-new-key")
    monkeypatch.setenv("MAILD_TOKEN_KEY_PREVIOUS", "old-key-old-key-old-key")
    rotated = make_app()
    take(rotated, answer(note, "#priority high"))
    assert rows(rotated, Ticket)[0].priority == "high"
    monkeypatch.delenv("MAILD_TOKEN_KEY_PREVIOUS")
    expired = make_app()
    take(expired, answer(note, "#priority low"))
    assert rows(expired, Ticket)[0].priority == "high"


TRUSTED = {"auth": {"trusted_authserv_ids": ["mx.acme.example"]}}


@pytest.mark.parametrize(
    "headers,ok",
    [
        (["mx.acme.example; dmarc=pass header.from=acme.example"], True),
        (["mx.acme.example; dkim=pass header.d=acme.example; dmarc=none"], True),
        (["mx.acme.example; dkim=pass header.d=evil.example; dmarc=none"], False),
        ([], False),
        (["mx.evil.example; dmarc=pass header.from=acme.example"], False),
        # a forged header below the trusted one is never read
        (
            [
                "mx.acme.example; dmarc=fail header.from=acme.example",
                "mx.acme.example; dmarc=pass header.from=acme.example",
            ],
            False,
        ),
        # Microsoft 365 style, no authserv-id: not trusted unless allowed
        (["spf=pass smtp.mailfrom=acme.example; dmarc=pass header.from=acme.example"], False),
    ],
)
def test_authentication_results_from_a_trusted_server_decide(make_app, headers, ok):
    app = make_app(**TRUSTED)
    note, _before = setup(app)
    raw = answer(note, CREDIT)
    top = "".join(f"Authentication-Results: {h}\n" for h in headers).encode()
    take(app, top + raw)
    assert len(rows(app, Ledger)) == (1 if ok else 0)
    [action] = rows(app, Action)
    assert [c["name"] for c in action.auth["checks"]] == ["from", "token", "authres"]


def test_microsoft_365_headers_without_authserv_id_only_when_allowed(make_app):
    app = make_app(auth={"allow_missing_authserv_id": True})
    note, _ = setup(app)
    header = (
        b"Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=acme.example;"
        b" dkim=pass (signature was verified) header.d=acme.example;dmarc=pass action=none"
        b" header.from=acme.example;compauth=pass reason=100\n"
    )
    take(app, header + answer(note, CREDIT))
    assert len(rows(app, Ledger)) == 1


def test_every_command_attempt_of_an_unproven_mail_is_an_event(app):
    setup(app)
    take(app, mail(subject="Re: [#1] Help", sender=f"Dana <{DANA}>", text=CREDIT))
    attempts = [e.detail for e in rows(app, Event) if e.kind == "command"]
    assert [(a["raw"], a["status"]) for a in attempts] == [
        ("#credit 40 goodwill", "not run"),
        ("#close", "not run"),
    ]


def test_staff_mail_naming_no_ticket_gets_a_receipt_and_changes_nothing(app):
    _note, before = setup(app)
    outcome = take(app, mail(subject="Quick question", sender=f"Dana <{DANA}>", text=CREDIT))
    assert (outcome.verdict, outcome.ticket_id) == ("staff", None)
    nothing_ran(app, before)
    [receipt] = new_since(app, before)
    assert receipt.ticket_id is None and "X-Maild-Ticket" not in receipt.raw.decode()


def test_a_flood_of_forged_mail_cannot_flood_the_agent_with_receipts(app):
    _note, before = setup(app)
    for i in range(12):
        take(app, mail(subject=f"Re: [#1] {i}", sender=f"Dana <{DANA}>", text=f"{CREDIT} {i}"))
    nothing_ran(app, before)
    receipts = [o for o in new_since(app, before) if o.template == "staff/receipt"]
    assert len(receipts) == 5
