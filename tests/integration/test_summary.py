"""The manager's daily summary: what Maria receives, exactly once a day."""

from datetime import UTC, datetime

import pytest

from maild.adapters.db.models import Approval, Ledger
from maild.adapters.db.models import Summary as SummaryRow
from tests.conftest import mail
from tests.integration.helpers import outbox, parsed, rows
from tests.integration.staff import answer, body, last, open_ticket, take

MARIA, DANA, LEE = "maria@acme.example", "dana@acme.example", "lee@acme.example"
ON = {"summary": {"enabled": True, "time": "08:00", "timezone": "Europe/Berlin"}}
SUNDAY = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
MONDAY_0830 = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # 08:30 in Berlin


def running_since_saturday(app, clock):
    """maild took a mail (a robot's: no ticket) before the summary's day."""
    before, clock.now = clock.now, datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    take(app, mail(sender="noreply@shop.example", Auto_Submitted="auto-generated"))
    clock.now = before


def summaries(app):
    return [o for o in outbox(app) if o.template == "manager/summary"]


def sunday_at_the_desk(app, clock):
    clock.now = SUNDAY
    for who in ("Sam <sam@example.com>", "Ann <ann@example.com>", "Bo <bo@example.com>"):
        open_ticket(app, who)
    notes = [o for o in outbox(app) if o.template == "agent/new"]
    dana = {o.ticket_id: o for o in notes if o.recipients == [DANA]}
    lee = {o.ticket_id: o for o in notes if o.recipients == [LEE]}
    clock.advance(minutes=30)
    take(app, answer(dana[1], "#credit 20 late\n#close\n\nHi Sam, sorted."))
    clock.advance(minutes=30)
    take(app, answer(lee[2], "Hi Ann, looking into it."))
    take(app, answer(dana[3], "#credit 80 broken\n\nHi Bo, refund coming."))


@pytest.fixture
def app(make_app):
    return make_app(**ON)


def test_the_summary_reports_yesterday_for_the_managers_team(app, clock):
    sunday_at_the_desk(app, clock)
    clock.now = MONDAY_0830
    app.scheduler.run_due()
    [mail] = summaries(app)
    assert mail.recipients == [MARIA]
    msg = parsed(mail.raw)
    assert msg["Subject"] == (
        "Daily summary 2026-11-22 (tier1): 3 opened, 1 solved, 1 approval waiting"
    )
    text = body(mail)
    assert "opened 3, solved 1, open at the end of the day 2" in text
    assert "first response: median 30m, 90th percentile 1h 00m (2 tickets)" in text
    assert "resolution: median 30m" in text
    assert "#3  dana@acme.example: $80.00" in text
    assert "replies 1, solved 1, credits 1 ($20.00, average $20.00)" in text
    assert "budget used: 10% of the day's, 2% of the month's" in text
    assert "approvals asked: 1, waiting 1" in text
    assert "How flags are decided:" in text
    html = msg.get_body(("html",)).get_content()
    assert "<table" in html and "<script" not in html.lower() and "<svg" not in html.lower()
    assert "http" not in html.replace("http-equiv", "")  # no remote images or links
    assert "Dana Agent" in html and "Approvals waiting for you" in html


def test_exactly_one_summary_per_manager_and_day_across_instances_and_restarts(make_app, clock):
    first, second = make_app(**ON), make_app(**ON)  # two instances on one database
    running_since_saturday(first, clock)
    clock.now = MONDAY_0830
    first.scheduler.run_due()
    second.scheduler.run_due()
    clock.advance(minutes=20)
    second.scheduler.run_due()
    make_app(**ON).scheduler.run_due()  # a restart
    assert len(summaries(first)) == 1
    assert [(r.manager, r.day) for r in rows(first, SummaryRow)] == [(MARIA, "2026-11-22")]


def test_a_daemon_down_at_eight_sends_when_back_the_same_day_only(app, clock):
    clock.now = datetime(2026, 11, 23, 6, 50, tzinfo=UTC)  # 07:50 Berlin: not yet
    app.scheduler.run_due()
    assert summaries(app) == []
    clock.now = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # back at 14:00
    app.scheduler.run_due()
    assert [r.day for r in rows(app, SummaryRow)] == ["2026-11-22"]
    clock.now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # down all Tuesday, back Wednesday
    app.scheduler.run_due()
    assert [r.day for r in rows(app, SummaryRow)] == ["2026-11-22", "2026-11-24"]


def test_days_and_per_manager_overrides(make_app, clock):
    app = make_app(
        summary={
            "enabled": True,
            "timezone": "Europe/Berlin",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "managers": {MARIA: {"time": "09:30"}},
        }
    )
    running_since_saturday(app, clock)
    clock.now = MONDAY_0830
    app.scheduler.run_due()
    assert summaries(app) == []  # Maria's own time is 09:30
    clock.now = datetime(2026, 11, 23, 8, 40, tzinfo=UTC)
    app.scheduler.run_due()
    assert len(summaries(app)) == 1
    clock.now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)  # a Saturday
    app.scheduler.run_due()
    assert len(summaries(app)) == 1


@pytest.mark.parametrize("when_empty,mails", [("short", 1), ("none", 0)])
def test_a_manager_with_nothing_to_report(make_app, clock, when_empty, mails):
    app = make_app(summary={**ON["summary"], "when_empty": when_empty})
    running_since_saturday(app, clock)
    clock.now = MONDAY_0830
    app.scheduler.run_due()
    assert len(summaries(app)) == mails
    assert len(rows(app, SummaryRow)) == 1  # recorded either way: never twice
    if mails:
        assert "Nothing to report" in body(summaries(app)[0])


def test_approvals_are_answered_from_the_summary(app, clock):
    sunday_at_the_desk(app, clock)
    clock.now = MONDAY_0830
    app.scheduler.run_due()
    [mail] = summaries(app)
    take(app, answer(mail, "#approve 3 fine, the parcel was crushed", MARIA))
    assert [a.status for a in rows(app, Approval)] == ["approved"]
    assert sorted(c.amount_cents for c in rows(app, Ledger)) == [2000, 8000]
    receipt = last(app, "staff/receipt", MARIA)
    assert "Approved." in body(receipt)


def test_summary_replies_must_name_a_ticket_waiting_for_this_manager(app, clock):
    sunday_at_the_desk(app, clock)
    clock.now = MONDAY_0830
    app.scheduler.run_due()
    [mail] = summaries(app)
    take(app, answer(mail, "#approve", MARIA))
    assert "name the ticket" in body(last(app, "staff/receipt", MARIA))
    take(app, answer(mail, "#deny 2 no", MARIA))
    assert "nothing on ticket #2 waits" in body(last(app, "staff/receipt", MARIA))
    take(app, answer(mail, "#deny 3", MARIA))
    assert "#deny needs a reason" in body(last(app, "staff/receipt", MARIA))
    take(app, answer(mail, "#deny 3 offer a replacement", MARIA))
    assert [a.status for a in rows(app, Approval)] == ["denied"]


def test_the_summary_arrives_at_an_smtp_server_with_both_parts(make_app, clock, sink):
    app = make_app(**ON, smtp={"host": "127.0.0.1", "port": sink.port, "security": "none"})
    sunday_at_the_desk(app, clock)
    clock.now = MONDAY_0830
    app.scheduler.run_due()
    app.sender.drain()
    [got] = [r for r in sink.handler.received if "Daily summary" in str(r.msg["Subject"])]
    assert got.rcpt_tos == [MARIA]
    assert "opened 3, solved 1" in got.text()
    html = got.msg.get_body(("html",)).get_content()
    assert "Opened" in html and "bgcolor=" in html  # the bars are table cells


def test_a_daylight_saving_day_is_counted_in_local_time(app, clock):
    # 29 March 2026: Berlin springs forward; the local day is 23 hours long.
    clock.now = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 on the 29th in Berlin
    open_ticket(app, "Early <early@example.com>")
    clock.now = datetime(2026, 3, 29, 21, 30, tzinfo=UTC)  # 23:30 on the 29th (CEST)
    open_ticket(app, "Late <late@example.com>")
    clock.now = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)  # 00:30 on the 30th: not counted
    open_ticket(app, "Next <next@example.com>")
    clock.now = datetime(2026, 3, 30, 5, 55, tzinfo=UTC)  # 07:55 CEST: not yet
    app.scheduler.run_due()
    assert summaries(app) == []
    clock.now = datetime(2026, 3, 30, 6, 5, tzinfo=UTC)  # 08:05 CEST
    app.scheduler.run_due()
    [mail] = summaries(app)
    assert "Daily summary 2026-03-29 (tier1): 2 opened" in parsed(mail.raw)["Subject"]


def test_no_summary_about_a_day_before_maild_took_any_mail(make_app, clock):
    app = make_app(**ON)  # installed on Monday morning: Sunday was before its time
    clock.now = MONDAY_0830
    app.scheduler.run_due()
    assert summaries(app) == []
    assert len(rows(app, SummaryRow)) == 1  # decided once, not asked again
