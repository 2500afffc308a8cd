"""#assign hands a ticket over: the new agent gets its history with a token signed for
them, and can answer the customer from that mail; the agent who had it is told."""

from maild.adapters.db.models import Event, Ticket
from tests.integration.helpers import outbox, rows
from tests.integration.staff import answer, body, last, new_since, open_ticket, take

DANA, LEE, SAM = "dana@acme.example", "lee@acme.example", "sam@example.com"


def test_assign_hands_the_history_to_the_new_agent_who_can_act_at_once(app):
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "#credit 5 late\n\nHi Sam, sorry.\n\nDana"))
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", DANA), "#assign lee\n#note\n\nLee knows the courier."))
    [handover] = [o for o in new_since(app, before) if o.template == "agent/handover"]
    assert handover.recipients == [LEE]  # Dana did it herself: she needs no word
    text = body(handover)
    assert "Dana Agent handed ticket #1 to you" in text
    assert "Hello, my order did not arrive." in text  # the customer's words
    assert "Credits given: $5.00 by dana@acme.example (late)" in text
    assert "Lee knows the courier" in text
    assert [t.agent for t in rows(app, Ticket)] == [LEE]
    # Lee answers right from the handover mail: its token is signed for Lee.
    take(app, answer(handover, "Hi Sam, I have the courier on the phone.\n\nLee"))
    assert "courier on the phone" in body(last(app, "customer/reply", SAM))


def test_taking_a_ticket_tells_the_agent_who_had_it(app):
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "Hi Sam, on it.\n\nDana"))  # Dana's now
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", LEE), "#assign me"))
    [told] = [o for o in new_since(app, before) if o.template == "agent/handover"]
    assert told.recipients == [DANA]
    assert "Lee Agent handed ticket #1 to Lee Agent" in body(told)
    [event] = [e for e in rows(app, Event) if e.kind == "handed_over"]
    assert event.detail == {"previous": DANA, "to": LEE}
