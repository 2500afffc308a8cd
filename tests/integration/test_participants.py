"""Colleagues on copy: a customer's Cc becomes a participant of the ticket, on copy of
the agents' answers, and their own replies join it; agents add or remove one with
#cc; a stranger who was never a participant still opens a ticket of their own."""

from maild.adapters.db.models import Event, Participant, Ticket
from tests.conftest import mail
from tests.integration.helpers import parsed, rows
from tests.integration.staff import answer, body, last, take

DANA, SAM, KIM = "dana@acme.example", "sam@example.com", "kim@example.com"


def _opened_with_kim(app):
    cc = "Kim Colleague <kim@example.com>, support@acme.example, dana@acme.example"
    outcome = take(app, mail(Cc=cc))
    assert outcome.verdict == "ticket"
    return outcome.ticket_id


def test_a_colleague_in_cc_is_on_copy_and_their_reply_joins(app):
    ticket = _opened_with_kim(app)
    # Only Kim: never the support address or an agent.
    assert [p.address for p in rows(app, Participant)] == [KIM]
    take(app, answer(last(app, "agent/new", DANA), "Hi Sam and Kim, on it.\n\nDana"))
    reply = last(app, "customer/reply", SAM)
    assert reply.recipients == [SAM, KIM]  # one mail: Kim on copy
    assert parsed(reply.raw)["Cc"].addresses[0].addr_spec == KIM
    # Kim answers the agent's mail: it joins the ticket, no new ticket, no new ack.
    outcome = take(app, answer(reply, "I am the one who ordered it.", sender=f"Kim <{KIM}>"))
    assert (outcome.verdict, outcome.ticket_id) == ("joined", ticket)
    assert len(rows(app, Ticket)) == 1


def test_a_stranger_quoting_the_ticket_still_opens_their_own(app):
    _opened_with_kim(app)
    take(app, answer(last(app, "agent/new", DANA), "Hi Sam, on it.\n\nDana"))
    stranger = answer(last(app, "customer/reply", SAM), "Me too!", sender="eve@example.org")
    assert take(app, stranger).verdict == "ticket"


def test_agents_add_and_remove_a_participant(app):
    take(app, mail())
    take(app, answer(last(app, "agent/new", DANA), "#cc add kim@example.com\n\nHi both."))
    assert last(app, "customer/reply", SAM).recipients == [SAM, KIM]
    take(app, answer(last(app, "agent/new", DANA), "#cc remove kim@example.com\n\nJust you."))
    assert last(app, "customer/reply", SAM).recipients == [SAM]
    kinds = [e.kind for e in rows(app, Event)]
    assert "participant_added" in kinds and "participant_removed" in kinds
    take(app, answer(last(app, "agent/new", DANA), "#cc add sam@example.com"))
    assert "sam@example.com is the ticket's customer" in body(last(app, "staff/receipt", DANA))
    take(app, answer(last(app, "agent/new", DANA), "#cc add nobody"))
    assert "'nobody' is not an email address" in body(last(app, "staff/receipt", DANA))
