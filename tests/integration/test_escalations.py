"""Escalations as the agent, the owner, the customer and the manager see them."""

import pytest

from maild.adapters.db.models import Escalation, Event, Ticket
from tests.conftest import mail
from tests.integration.helpers import outbox, parsed, rows
from tests.integration.staff import answer, body, last, new_since, open_ticket, take

DANA, ERIN, BO, SAM = "dana@acme.example", "erin@acme.example", "bo@acme.example", "sam@example.com"
TEAMS = {
    "escalation": [
        {
            "name": "eng",
            "public_name": "Engineering",
            "owner": ["Erin Engineer <erin@acme.example>", "backup@acme.example"],
            "update_every": "2d",
            "notify_customer_when_stale": True,
        },
        {"name": "billing", "owner": "Bo Billing <bo@acme.example>", "update_every": "1d"},
        {"name": "sales", "owner": "sally@acme.example"},
    ],
    "limits": {"escalate_to": ["eng", "billing"]},
}


@pytest.fixture
def app(make_app):
    return make_app(**TEAMS)


def escalated(app, note="export fails on files over 2 GB", text="Hi Sam, engineering is on it."):
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "#credit 5 sorry"))
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", DANA), f"#escalate eng {note}\n\n{text}"))
    return {(o.template, o.recipients[0]): o for o in new_since(app, before)}


def the_escalation(app):
    [row] = [e for e in rows(app, Escalation) if e.status == "open"]
    return row


def test_escalate_tells_the_owner_everything_and_the_customer_who_stays(app):
    sent = escalated(app)
    assert set(sent) == {
        ("owner/escalated", ERIN),
        ("customer/reply", SAM),
        ("staff/receipt", DANA),
    }
    owner = sent[("owner/escalated", ERIN)]
    text = body(owner)
    assert "Dana Agent has escalated this ticket to Engineering, and you are its owner." in text
    assert "export fails on files over 2 GB" in text  # the agent's note
    assert "Hello, my order did not arrive." in text  # the customer's words
    assert "Credits given: $5.00 by dana@acme.example (sorry)" in text
    assert "#update" in text and "#return [note]" in text
    assert parsed(owner.raw)["Reply-To"].addresses[0].addr_spec.startswith("support+t1-")
    customer = body(sent[("customer/reply", SAM)])
    assert "Hi Sam, engineering is on it." in customer
    assert (
        "Your request has gone to our Engineering team. Dana Agent stays your contact" in customer
    )
    row = the_escalation(app)
    assert (row.team, row.owner, row.agent) == ("eng", ERIN, DANA)


@pytest.mark.parametrize(
    "line,reason",
    [
        ("#escalate sales", "your limits do not let you escalate to sales (you may: eng, billing)"),
        ("#escalate legal", "no escalation team 'legal' (teams: billing, eng, sales)"),
        ("#escalate", "#escalate: missing the team"),
        ("#ping", "the ticket is not escalated"),
    ],
)
def test_escalations_an_agent_may_not_make_are_refused(app, line, reason):
    open_ticket(app)
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", DANA), f"{line}\n\nHi Sam"))
    [receipt] = new_since(app, before)
    assert reason in body(receipt)
    assert rows(app, Escalation) == []


def test_the_owners_plain_answer_is_a_note_for_the_agent_only(app):
    sent = escalated(app)
    before = len(outbox(app))
    take(app, answer(sent[("owner/escalated", ERIN)], "Looks like a 32-bit offset. Digging."))
    [note] = new_since(app, before)
    assert (note.template, note.recipients) == ("agent/owner-mail", [DANA])
    assert "Erin Engineer (Engineering) wrote, for you only" in body(note)
    assert "Looks like a 32-bit offset." in body(note)


def test_update_goes_to_the_customer_under_the_owners_name_and_resets_the_clock(app, clock):
    sent = escalated(app)
    clock.advance(days=1)
    before = len(outbox(app))
    take(app, answer(sent[("owner/escalated", ERIN)], "#update\n\nFixed in tonight's release."))
    out = {(o.template, o.recipients[0]): o for o in new_since(app, before)}
    assert set(out) == {
        ("customer/reply", SAM),
        ("agent/owner-mail", DANA),
        ("staff/receipt", ERIN),
    }
    customer = parsed(out[("customer/reply", SAM)].raw)
    assert customer["From"].addresses[0].display_name == (
        "Erin Engineer (Engineering, Acme Support)"
    )
    assert "Fixed in tonight's release." in body(out[("customer/reply", SAM)])
    assert "sent the customer this update" in body(out[("agent/owner-mail", DANA)])
    assert the_escalation(app).last_customer_update_at == clock()


def test_return_hands_the_ticket_back(app):
    sent = escalated(app)
    before = len(outbox(app))
    take(app, answer(sent[("owner/escalated", ERIN)], "#return not a bug, a config issue"))
    [note] = [o for o in new_since(app, before) if o.template == "agent/owner-mail"]
    assert "handed the ticket back to you" in body(note) and "a config issue" in body(note)
    assert [e.status for e in rows(app, Escalation)] == ["returned"]
    assert rows(app, Ticket)[0].status == "open"


def test_ping_nudges_the_owner_with_the_days_waited(app, clock):
    escalated(app)
    clock.advance(days=1, hours=12)
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", DANA), "#ping customer asked again"))
    [ping] = [o for o in new_since(app, before) if o.template == "owner/ping"]
    assert ping.recipients == [ERIN]
    assert "customer asked again" in body(ping) and "1.5 days ago" in body(ping)


def test_escalating_again_moves_it_and_the_previous_owner_is_told_and_locked_out(app):
    sent = escalated(app)
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", DANA), "#escalate billing refund question"))
    out = {(o.template, o.recipients[0]) for o in new_since(app, before)}
    assert {("owner/moved", ERIN), ("owner/escalated", BO)} <= out
    assert [(e.team, e.status) for e in rows(app, Escalation)] == [
        ("eng", "moved"),
        ("billing", "open"),
    ]
    before = len(outbox(app))
    take(app, answer(sent[("owner/escalated", ERIN)], "#update\n\nStill on it!"))
    [receipt] = new_since(app, before)
    assert receipt.recipients == [ERIN]
    assert "ticket #1 is not escalated to you" in body(receipt)


def test_an_owners_out_of_office_is_recorded_never_relayed(app, clock):
    sent = escalated(app)
    before = len(outbox(app))
    ooo = answer(sent[("owner/escalated", ERIN)], "Away.", Auto_Submitted="auto-replied")
    assert take(app, ooo).verdict == "ignored"
    assert new_since(app, before) == []


def test_a_forged_owner_mail_runs_nothing(app):
    escalated(app)
    before = len(outbox(app))
    take(app, mail(subject="Re: [#1]", sender=f"Erin <{ERIN}>", text="#update\n\nAll fixed!"))
    assert [o.template for o in new_since(app, before)] == ["staff/receipt"]


def test_the_watch_reminds_once_a_period_marks_stale_and_tells_the_customer(app, clock):
    escalated(app)

    def watch_mails():
        return [
            (o.template, o.recipients[0])
            for o in outbox(app)
            if o.template in {"owner/reminder", "customer/still-working"}
        ]

    clock.advance(days=1)
    app.scheduler.run_due()
    assert watch_mails() == []
    clock.advance(days=1, hours=1)  # day 2: one period
    app.scheduler.run_due()
    assert watch_mails() == [("owner/reminder", ERIN), ("owner/reminder", DANA)]
    clock.advance(days=1)  # day 3: same period, still one reminder
    app.scheduler.run_due()
    assert len(watch_mails()) == 2
    clock.advance(days=2)  # day 5: two periods passed: stale, a second reminder, the customer told
    app.scheduler.run_due()
    assert watch_mails()[2:] == [
        ("owner/reminder", ERIN),
        ("owner/reminder", DANA),
        ("customer/still-working", SAM),
    ]
    assert the_escalation(app).stale_at == clock()
    assert "escalation_stale" in [e.kind for e in rows(app, Event)]
    still = next(o for o in outbox(app) if o.template == "customer/still-working")
    assert "our Engineering team is still working on it" in " ".join(body(still).split())


def test_closing_the_ticket_ends_the_escalation(app):
    escalated(app)
    take(app, answer(last(app, "agent/new", DANA), "#close"))
    assert [e.status for e in rows(app, Escalation)] == ["closed"]


def test_without_escalate_to_an_agent_may_escalate_to_every_configured_team(make_app):
    """The seed's point: an agent goes straight to the current owner. With
    [[escalation]] configured and no escalate_to, every team is open to them."""
    app = make_app(escalation=TEAMS["escalation"])
    open_ticket(app)
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", DANA), "#escalate sales customer wants a quote"))
    sent = {(o.template, o.recipients[0]) for o in new_since(app, before)}
    assert ("owner/escalated", "sally@acme.example") in sent
    assert the_escalation(app).team == "sales"


def test_an_empty_escalate_to_lets_nobody_escalate(make_app):
    app = make_app(escalation=TEAMS["escalation"], limits={"escalate_to": []})
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "#escalate eng"))
    assert not [e for e in rows(app, Escalation)]
    receipt = body(last(app, "staff/receipt", DANA))
    assert "your limits do not let you escalate to eng (you may: none)" in receipt


def test_a_rota_hands_each_new_escalation_to_the_next_owner_and_an_agent_may_name_one(
    app, make_app
):
    """eng's owners are Erin and backup@: escalations alternate between them, the
    turn kept in the database (a new app on the same state continues it)."""
    owners = []
    for n in range(3):
        open_ticket(app, sender=f"c{n}@example.com")
        take(app, answer(last(app, "agent/new", DANA), f"#escalate eng case {n}"))
        owners.append(rows(app, Escalation)[-1].owner)
    assert owners == [ERIN, "backup@acme.example", ERIN]
    restarted = make_app(**TEAMS)  # the same state: the turn is in the rows
    open_ticket(restarted, sender="c3@example.com")
    take(restarted, answer(last(restarted, "agent/new", DANA), "#escalate eng case 3"))
    assert rows(restarted, Escalation)[-1].owner == "backup@acme.example"
    open_ticket(app, sender="named@example.com")
    take(app, answer(last(app, "agent/new", DANA), "#escalate eng backup@acme.example urgent"))
    row = rows(app, Escalation)[-1]
    assert (row.owner, row.note) == ("backup@acme.example", "urgent")
    open_ticket(app, sender="stranger@example.com")
    take(app, answer(last(app, "agent/new", DANA), "#escalate eng bo@acme.example"))
    assert "bo@acme.example is not an owner of eng" in body(last(app, "staff/receipt", DANA))
