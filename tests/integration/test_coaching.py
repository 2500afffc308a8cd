"""Coaching by mail: a manager answers an approval request or the summary with
#coach; the agent gets the words with the ticket's context, nothing changes on the
ticket, and the agent's answer goes to the manager, never to the customer."""

from maild.adapters.db.models import Approval, Event, Ticket
from tests.integration.helpers import outbox, rows
from tests.integration.staff import answer, body, last, new_since, open_ticket, take

DANA, MARIA, SAM = "dana@acme.example", "maria@acme.example", "sam@example.com"


def test_coach_from_an_approval_request_and_the_agents_answer(app):
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "#credit 80 broken\n\nHi Sam, refund."))
    request = last(app, "manager/approval", MARIA)
    before = len(outbox(app))
    take(app, answer(request, "#coach Offer a replacement first; a refund when that fails."))
    sent = {o.template: o for o in new_since(app, before)}
    assert set(sent) == {"agent/coaching", "staff/receipt"}
    coaching = sent["agent/coaching"]
    assert coaching.recipients == [DANA]
    text = body(coaching)
    assert "Offer a replacement first" in text and "Hello, my order did not arrive." in text
    assert "Your words went to Dana Agent" in body(sent["staff/receipt"])
    # Words, not a decision: the held mail still waits, the ticket is as it was.
    assert [a.status for a in rows(app, Approval)] == ["waiting"]
    assert [t.status for t in rows(app, Ticket)] == ["open"]
    # Dana answers the coaching mail: Maria gets it, the customer gets nothing.
    before = len(outbox(app))
    take(app, answer(coaching, "Understood, I will offer a replacement next time."))
    [to_maria] = new_since(app, before)
    assert (to_maria.template, to_maria.recipients) == ("manager/coaching-answer", [MARIA])
    assert "I will offer a replacement next time" in body(to_maria)
    assert "Offer a replacement first" in body(to_maria)  # what Maria had written
    kinds = [e.kind for e in rows(app, Event)]
    assert "coaching" in kinds and "coaching_answer" in kinds
    assert [o for o in outbox(app) if o.template == "customer/reply"] == []


def test_commands_in_an_answer_to_coaching_are_not_run(app):
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "#credit 80 broken"))
    take(app, answer(last(app, "manager/approval", MARIA), "#coach Ask me first."))
    take(app, answer(last(app, "agent/coaching", DANA), "#close\n\nWill do."))
    assert [t.status for t in rows(app, Ticket)] == ["open"]
    receipt = body(last(app, "staff/receipt", DANA))
    assert "The commands in it were not run" in receipt


def test_coach_from_the_summary_names_the_ticket(app, clock):
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "Hi Sam, on it."))
    app.summaries.send(MARIA, clock().date(), clock(), sent_date=clock().date())
    summary = last(app, "manager/summary", MARIA)
    take(app, answer(summary, "#coach 1 Good tone with Sam."))
    assert "Good tone with Sam." in body(last(app, "agent/coaching", DANA))
    take(app, answer(summary, "#coach Good tone."))
    assert "name the ticket: #coach 123 your words" in body(last(app, "staff/receipt", MARIA))
