"""#merge folds a duplicate into another ticket: its history moves, the customer is told
the surviving number once, later mail to either lands there; across customers only
with `force`, and the receipt says what that means."""

from maild.adapters.db.models import Message, Ticket
from tests.conftest import mail
from tests.integration.helpers import rows
from tests.integration.staff import answer, body, last, take

DANA, SAM = "dana@acme.example", "sam@example.com"


def test_a_duplicate_folds_into_the_first_ticket(app):
    first = take(app, mail(subject="Order 17 missing")).ticket_id
    second = take(app, mail(subject="Where is order 17?")).ticket_id
    ack_of_second = last(app, "customer/ack", SAM)
    take(app, answer(last(app, "agent/new", DANA), f"#merge {first}\n\nHi Sam, on it.\n\nDana"))
    reply = last(app, "customer/reply", SAM)
    assert "please use that number from now on" in body(reply) and f"#{first}" in body(reply)
    by_id = {t.id: t for t in rows(app, Ticket)}
    assert by_id[second].status == "closed" and by_id[second].merged_into == first
    assert {m.ticket_id for m in rows(app, Message) if m.kind == "customer"} == {first}
    # Sam answers the old ticket's acknowledgement: it lands on the survivor.
    outcome = take(app, answer(ack_of_second, "Any news?", sender=f"Sam <{SAM}>"))
    assert (outcome.verdict, outcome.ticket_id) == ("joined", first)
    # and an agent answering the old ticket's notification acts on the survivor
    take(app, answer(last(app, "agent/new", DANA), "#priority high"))
    assert {t.id: t for t in rows(app, Ticket)}[first].priority == "high"


def test_across_customers_only_with_force(app):
    first = take(app, mail(sender="Kim <kim@example.com>")).ticket_id
    take(app, mail())
    take(app, answer(last(app, "agent/new", DANA), f"#merge {first}"))
    receipt = body(last(app, "staff/receipt", DANA))
    assert f"#{first} is another customer's (kim@example.com)" in receipt
    assert f"#merge {first} force" in receipt
    assert all(t.merged_into is None for t in rows(app, Ticket))
    take(app, answer(last(app, "agent/new", DANA), f"#merge {first} force"))
    assert [t.merged_into for t in rows(app, Ticket)] == [None, first]
    # Sam's later mail on his old ticket lands on Kim's, where Sam is now on copy.
    outcome = take(app, answer(last(app, "customer/ack", SAM), "Hello?", sender=SAM))
    assert (outcome.verdict, outcome.ticket_id) == ("joined", first)


def test_merge_refusals(app):
    take(app, mail())
    take(app, answer(last(app, "agent/new", DANA), "#merge 99"))
    assert "there is no ticket #99" in body(last(app, "staff/receipt", DANA))
    take(app, answer(last(app, "agent/new", DANA), "#merge 1"))
    assert "cannot be merged into itself" in body(last(app, "staff/receipt", DANA))
