"""Watching without approving: a manager's FYI copies of big credits, escalations and
reopened tickets, each as it happens or bundled hourly; each answerable with #coach."""

from tests.conftest import mail
from tests.integration.helpers import outbox
from tests.integration.staff import answer, body, last, open_ticket, take
from tests.integration.test_escalations import TEAMS

DANA, MARIA, SAM = "dana@acme.example", "maria@acme.example", "sam@example.com"


def fyis(app):
    return [o for o in outbox(app) if o.template == "manager/fyi"]


def test_each_fyi_as_it_happens_and_coaching_from_it(make_app):
    watch = {MARIA: {"credits_from": 20, "escalations": True, "reopened": True}}
    app = make_app(monitor=watch, **TEAMS)
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "#credit 10 small\n\nHi Sam."))
    assert fyis(app) == []  # under the amount watched
    take(app, answer(last(app, "agent/new", DANA), "#credit 25 late\n#close\n\nHi Sam."))
    [credit] = fyis(app)
    assert credit.recipients == [MARIA]
    assert "Dana Agent credited $25.00 (late)" in body(credit)
    take(app, mail(subject="Re: [#1] Help with my order"))  # Sam writes again: reopened
    assert "wrote again after it was closed" in body(fyis(app)[-1])
    take(app, answer(last(app, "agent/new", DANA), "#escalate eng export bug"))
    assert "Dana Agent escalated it to eng" in body(fyis(app)[-1])
    # Maria coaches right from an FYI: its token names the ticket.
    take(app, answer(credit, "#coach A replacement would have done."))
    assert "A replacement would have done." in body(last(app, "agent/coaching", DANA))


def test_hourly_bundles_and_none(make_app, clock):
    app = make_app(monitor={MARIA: {"credits_from": 5, "mode": "hourly"}})
    for who in ("Sam <sam@example.com>", "Ann <ann@example.com>"):
        open_ticket(app, sender=who)
        take(app, answer(last(app, "agent/new", DANA), "#credit 10 sorry\n\nHi."))
    assert fyis(app) == []  # nothing yet: the bundle goes on the hour
    clock.advance(hours=1)
    app.scheduler.run_due()
    [bundle] = fyis(app)
    text = body(bundle)
    assert "#1" in text and "#2" in text and "#coach N your words" in text
    off = make_app(monitor={MARIA: {"credits_from": 5, "mode": "none"}})
    take(off, answer(last(off, "agent/new", DANA), "#credit 10 sorry"))
    assert len(fyis(off)) == 1  # the same database: the earlier bundle, "none" adds nothing
