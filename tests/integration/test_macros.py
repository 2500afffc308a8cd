"""Canned replies: #macro NAME puts templates/macros/NAME.txt.j2, filled in, where the
command stood; #macros lists them in the receipt; an unknown name is refused like any
bad line (nothing applies, nothing reaches the customer)."""

from tests.integration.helpers import outbox
from tests.integration.staff import answer, body, last, new_since, open_ticket, take

DANA, SAM = "dana@acme.example", "sam@example.com"


def test_a_macro_goes_into_the_answer_where_the_command_stood(app):
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "#macro shipping-delay\n\nP.S. Sorry again!"))
    text = body(last(app, "customer/reply", SAM))
    assert text.index("I am sorry your order is taking longer") < text.index("P.S. Sorry again!")
    assert "Hello Sam Customer," in text  # the customer's name
    assert "Your ticket number is #1." in text
    assert "Dana Agent" in text  # the agent's name


def test_macros_are_listed_and_an_unknown_one_is_refused(app):
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "#macros"))
    receipt = body(last(app, "staff/receipt", DANA))
    assert "Canned replies" in receipt
    assert "shipping-delay" in receipt and "refund-issued" in receipt
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", DANA), "#macro nope\n\nHi Sam"))
    sent = new_since(app, before)
    assert [o.template for o in sent] == ["staff/receipt"]  # nothing to the customer
    assert "no canned reply 'nope' (there are: refund-issued, shipping-delay)" in body(sent[0])
