"""What customers thought: one question when a ticket closes, answered by reply; a
rating is a row naming the agent, its comment goes to them; anything else is a normal
reply; never twice in 30 days to one customer, never to a robot."""

from datetime import UTC, datetime, timedelta

import pytest

from maild.adapters.db.models import Event, Survey, Ticket
from tests.integration.helpers import outbox, parsed, rows
from tests.integration.staff import answer, body, last, open_ticket, take

DANA, SAM = "dana@acme.example", "sam@example.com"


@pytest.fixture
def app(make_app):
    return make_app(survey={"enabled": True})


def closed(app, sender="Sam <sam@example.com>"):
    ticket = open_ticket(app, sender=sender)
    take(
        app, answer(last(app, "agent/new", DANA), "#close\n\nHi, sorted: the kettle is on its way.")
    )
    return ticket


def test_a_rating_is_a_row_for_the_agent_and_the_comment_reaches_them(app):
    ticket = closed(app)
    survey = last(app, "customer/survey", SAM)
    assert "How did we do?" in body(survey) and "good or bad" in body(survey)
    outcome = take(app, answer(survey, "Good, Dana was quick and kind.", sender=SAM))
    assert (outcome.verdict, outcome.reason) == ("joined", "rated 5 of 5")
    [row] = rows(app, Survey)
    assert (row.ticket_id, row.agent, row.score) == (ticket, DANA, 5)
    assert row.comment == "Dana was quick and kind"
    told = last(app, "agent/rating", DANA)
    assert "rated ticket #1: 5 of 5 (good)" in body(told) and "quick and kind" in body(told)
    assert [t.status for t in rows(app, Ticket)] == ["closed"]  # a rating does not reopen


def delivered(app, clock, hours=24):
    """The survey's hour comes and the sender sends it."""
    clock.advance(hours=hours)
    app.sender.drain()


def test_an_answer_that_is_not_a_rating_is_a_normal_reply(app, clock):
    closed(app)
    delivered(app, clock)
    survey = last(app, "customer/survey", SAM)
    outcome = take(app, answer(survey, "The new kettle is broken too.", sender=SAM))
    assert outcome.verdict == "joined" and outcome.reason != "rated"
    assert [t.status for t in rows(app, Ticket)] == ["open"]  # reopened, as any reply
    assert rows(app, Survey)[0].score is None


def test_never_twice_in_30_days_and_never_to_a_robot(app, clock):
    closed(app)
    closed(app)  # Sam's second ticket, the same day: no second survey
    assert len([o for o in outbox(app) if o.template == "customer/survey"]) == 1
    clock.advance(days=32)  # 30 days after the first survey went (a day after its closing)
    closed(app)
    assert len([o for o in outbox(app) if o.template == "customer/survey"]) == 2
    survey = last(app, "customer/survey", SAM)
    ooo = answer(
        survey, "Good morning, I am out of the office.", sender=SAM, Auto_Submitted="auto-replied"
    )
    assert take(app, ooo).verdict == "ignored"
    assert [s.score for s in rows(app, Survey)] == [None, None]


def test_the_survey_can_be_turned_off(make_app):
    app = make_app(survey={"enabled": False})
    closed(app)
    assert [o for o in outbox(app) if o.template == "customer/survey"] == []


def test_the_summary_weighs_latitude_against_what_customers_thought(app, clock):
    """Dana credits USD 40 a ticket and her customers answer bad; Lee credits nothing
    and his answer good: the summary says Dana's generosity does not make anyone
    happier, and on how many ratings and tickets it rests."""
    for n in range(5):
        for agent, words, rating in (
            ("dana", "#credit 40 sorry\n#close", "bad"),
            ("lee", "#close", "good"),
        ):
            open_ticket(app, sender=f"{agent}{n}@example.com")
            take(app, answer(last(app, "agent/new", f"{agent}@acme.example"), f"{words}\n\nDone."))
            survey = last(app, "customer/survey", f"{agent}{n}@example.com")
            take(app, answer(survey, rating, sender=f"{agent}{n}@example.com"))
    with app.db.transaction() as store:
        built = app.summaries.build(store, "maria@acme.example", clock().date(), clock())
    text = app.ingest.queue.renderer.part(app.summaries.notice(built), "txt")
    assert "LATITUDE AND OUTCOME (last 30 days)" in text
    assert "Dana Agent: satisfaction 0% good (5 ratings)" in text
    assert "Lee Agent: satisfaction 100% good (5 ratings)" in text
    assert (
        "** Dana Agent gives 2.0x the team's credits per solved ticket, yet their customers" in text
    )
    assert "0% good against the team's 50%; 5 ratings, 5 solved tickets" in text
    html = app.ingest.queue.renderer.part(app.summaries.notice(built), "html")
    assert "Latitude and outcome" in html


def test_a_weekly_mail_gives_twelve_weeks_with_trends(make_app, clock):
    app = make_app(survey={"enabled": True}, summary={"enabled": True, "weekly": "mon"})
    for n in range(5):
        closed(app, sender=f"c{n}@example.com")
        take(
            app,
            answer(
                last(app, "customer/survey", f"c{n}@example.com"),
                "good",
                sender=f"c{n}@example.com",
            ),
        )
        clock.advance(days=7)
    clock.now = clock.now.replace(hour=9)  # a Monday, past the summary time
    app.scheduler.run_due()
    [weekly] = [o for o in outbox(app) if o.template == "manager/weekly"]
    text = body(weekly)
    assert "twelve weeks" in text and "Dana Agent" in text
    assert "100% of 5" in text  # five good ratings over the weeks
    assert "█" in text  # the trend bars
    app.scheduler.run_due()
    clock.advance(hours=1)
    app.scheduler.run_due()
    assert len([o for o in outbox(app) if o.template == "manager/weekly"]) == 1  # once a week


def sent_at(app, clock, hours):
    """Hours after now: the sender has sent what was due by then (a maildir here)."""
    clock.advance(hours=hours)
    app.sender.drain()
    return {o.template: o for o in outbox(app) if o.status == "sent"}


def test_the_survey_goes_a_day_after_the_closing_not_in_the_same_second(app, clock):
    closed_at = clock()
    closed(app)
    assert "customer/reply" in sent_at(app, clock, 0)  # the closing answer goes at once
    assert "customer/survey" not in sent_at(app, clock, 23.9)
    survey = sent_at(app, clock, 0.2)["customer/survey"]
    assert survey.sent_at is not None and survey.sent_at - closed_at >= timedelta(hours=24)
    assert parsed(survey.raw)["Date"].datetime == closed_at + timedelta(hours=24)


def test_the_survey_waits_for_the_teams_working_hours(make_app, clock):
    app = make_app(
        survey={"enabled": True, "delay_hours": 24},
        business_hours={"days": "mon-fri", "hours": "09:00-17:00"},
    )
    clock.now = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # a Friday, late
    closed(app)
    [survey] = [o for o in outbox(app) if o.template == "customer/survey"]
    # a day later is Saturday 16:00: it goes on Monday at nine
    assert survey.next_attempt_at.replace(tzinfo=UTC) == datetime(2026, 11, 30, 9, tzinfo=UTC)


def test_a_ticket_opened_again_before_its_survey_went_takes_it_back(app, clock):
    ticket = closed(app)
    clock.advance(hours=2)
    take(app, answer(last(app, "customer/reply", SAM), "It has not arrived after all.", SAM))
    assert [t.status for t in rows(app, Ticket)] == ["open"]
    assert "customer/survey" not in sent_at(app, clock, 48)
    assert rows(app, Survey) == []
    kinds = [e.kind for e in rows(app, Event) if e.ticket_id == ticket]
    assert "survey_withdrawn" in kinds
    # closed again: asked then, once
    take(app, answer(last(app, "agent/reply", DANA), "#close\n\nHi, found it."))
    assert "customer/survey" in sent_at(app, clock, 24)
    assert len([o for o in outbox(app) if o.template == "customer/survey"]) == 1
