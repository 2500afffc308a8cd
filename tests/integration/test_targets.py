"""Response targets as the agent and the manager see them: one reminder near the
target, one at the breach, none twice, none outside business hours; an answer,
#pending or #close stops the clock; `maild tickets --due` lists what waits."""

import json

import pytest

from maild.adapters.db.models import Ticket
from tests.integration.helpers import outbox, rows
from tests.integration.staff import answer, body, last, open_ticket, take

DANA, LEE, MARIA = "dana@acme.example", "lee@acme.example", "maria@acme.example"
TARGETS = {
    "business_hours": {"timezone": "UTC", "days": "mon-fri", "hours": "09:00-17:00"},
    "targets": {
        "first_response": {"normal": "4h", "urgent": "1h"},
        "next_response": {"normal": "1d"},
    },
}


@pytest.fixture
def app(make_app):
    return make_app(**TARGETS)


def reminders(app):
    return [o for o in outbox(app) if o.template == "agent/target"]


def tick(app, clock, **delta):
    clock.advance(**delta)
    app.scheduler.run_due()
    return reminders(app)


def test_near_then_breached_once_each_to_the_right_people(app, clock):
    open_ticket(app)  # Monday 09:00: first response due 13:00
    assert tick(app, clock, hours=2, minutes=55) == []  # 11:55: under 75 %
    near = tick(app, clock, minutes=5)  # 12:00: 3 of 4 hours
    assert sorted(o.recipients[0] for o in near) == [DANA, LEE]  # unassigned: the team
    text = body(near[0])
    assert "due a first response by Monday, November 23, 2026, 1:00\u202fPM UTC." in text
    assert "60 working minutes left." in text
    assert "Hello, my order did not arrive." in text
    assert tick(app, clock, minutes=30) == near  # 12:30: nothing twice
    breached = tick(app, clock, minutes=30)[len(near) :]  # 13:00
    assert sorted(o.recipients[0] for o in breached) == [DANA, LEE, MARIA]
    [manager] = [o for o in breached if o.recipients == [MARIA]]
    assert "missed its first response target" in body(manager)
    assert "unassigned, for the team" in body(manager)
    assert tick(app, clock, hours=1) == near + breached  # never twice


def test_reminders_wait_for_business_hours(app, clock):
    clock.advance(days=4, hours=7)  # Friday 16:00
    open_ticket(app)  # due Monday 12:00 (1 h on Friday, 3 h on Monday)
    assert tick(app, clock, hours=11) == []  # Saturday 03:00
    assert tick(app, clock, days=1) == []  # Sunday 03:00
    assert tick(app, clock, days=1, hours=7) == []  # Monday 10:00: 2 of 4 hours
    near = tick(app, clock, hours=1)  # Monday 11:00
    assert near and "Monday, November 30, 2026, 12:00\u202fPM UTC" in body(near[0])


def test_an_answer_stops_the_clock_and_the_customers_reply_starts_the_next(app, clock):
    open_ticket(app)
    clock.advance(hours=1)
    take(app, answer(last(app, "agent/new", DANA), "Hi Sam, looking into it.\n\nDana"))
    assert tick(app, clock, hours=5) == []
    [ticket] = rows(app, Ticket)
    assert ticket.awaiting_since is None and ticket.agent == DANA
    take(app, answer(last(app, "customer/reply", "sam@example.com"), "Still nothing."))
    # Monday 15:00; next response: one working day (8 h), due Tuesday 15:00; the
    # reminder at 6 working hours: Tuesday 13:00 (2 h on Monday, 4 h on Tuesday)
    assert tick(app, clock, hours=5) == []  # Monday 20:00
    assert tick(app, clock, hours=16, minutes=55) == []  # Tuesday 12:55
    near = tick(app, clock, minutes=10)  # Tuesday 13:05
    assert [o.recipients[0] for o in near] == [DANA]  # the ticket's own agent now
    assert "next response" in body(near[0])


def test_pending_and_close_stop_the_clock(app, clock):
    open_ticket(app)
    take(app, answer(last(app, "agent/new", DANA), "#pending"))
    assert tick(app, clock, hours=8) == []
    open_ticket(app, sender="other@example.com")
    take(app, answer(last(app, "agent/new", DANA), "#close"))
    assert tick(app, clock, days=2) == []


def test_tickets_due_lists_what_waits_soonest_first(app, clock, tmp_path):
    from click.testing import CliRunner

    from maild.cli import main

    open_ticket(app)
    clock.advance(minutes=30)
    urgent = open_ticket(app, sender="boss@example.com")
    take(app, answer(last(app, "agent/new", DANA), "#priority urgent"))
    clock.advance(hours=2)
    with app.db.transaction() as store:
        found = app.targets.due(store, clock())
    assert [d.ticket_id for _, d in found] == [urgent, 1]
    assert found[0][1].breached and found[0][1].business_minutes_left == -60.0
    assert found[1][1].business_minutes_left == 90.0
    cfg = tmp_path / "maild.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[support]\naddress = "support@acme.example"\n'
        f'[database]\nurl = "{app.settings.database_url()}"\n'
        '[targets]\nfirst_response = { normal = "4h", urgent = "1h" }\n'
    )
    result = CliRunner().invoke(main, ["--config", str(cfg), "tickets", "--due", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [x["ticket"] for x in listed] == [urgent, 1]
    assert set(listed[0]) >= {"ticket", "priority", "target", "due_at", "breached"}
    assert listed[0]["business_minutes_left"] < 0 and listed[0]["breached"] is True


def test_a_target_with_a_bad_span_is_a_config_error(make_app):
    from maild import config

    with pytest.raises(config.ConfigError, match="is not a target"):
        config.parse({"targets": {"first_response": {"normal": "soon"}}}, "test")


def test_the_daily_summary_counts_breaches_per_agent_and_for_the_team(app, clock):
    open_ticket(app)  # unassigned: the team's
    open_ticket(app, sender="kim@example.com")
    take(app, answer(last(app, "agent/new", DANA), "#assign me"))  # Dana's
    tick(app, clock, hours=4)  # 13:00: both breached (near skipped: one message each)
    with app.db.transaction() as store:
        built = app.summaries.build(store, MARIA, clock().date(), clock())
    [dana] = [a for a in built.facts.agents if a.email == DANA]
    assert dana.targets_breached == 1
    assert built.facts.unassigned_breached == 1
    text = app.ingest.queue.renderer.part(app.summaries.notice(built), "txt")
    assert "response targets: 2 breached" in text
    assert "1 breached and 0 near on tickets nobody had taken" in text


def test_a_team_has_its_own_hours_and_targets(make_app, clock):
    app = make_app(
        business_hours={
            "timezone": "UTC",
            "teams": {"tier1": {"timezone": "America/New_York", "hours": "09:00-17:00"}},
        },
        targets={
            "first_response": {"normal": "4h"},
            "teams": {"tier1": {"first_response": {"normal": "1h"}}},
        },
    )
    open_ticket(app)  # Monday 09:00 UTC = 04:00 in New York: tier1 opens at 14:00 UTC
    with app.db.transaction() as store:
        [(_, due)] = app.targets.due(store, clock())
    assert due.due_at.isoformat() == "2026-11-23T15:00:00+00:00"  # 1 h after 09:00 NY
    assert tick(app, clock, hours=5) == []  # 14:00 UTC: opened, nothing passed yet
    assert tick(app, clock, minutes=45)  # 14:45: 45 of 60 minutes
