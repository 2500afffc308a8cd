"""What managers read, in the manager's language (issue 27): a German manager's approval
request and daily summary, a French manager's weekly mail, each built by the real service
path from the config's `manager_language`; the agents on the same tickets keep theirs."""

from __future__ import annotations

from maild.adapters.clock import ManualClock
from tests.conftest import START, mail
from tests.integration.helpers import outbox, parsed
from tests.integration.staff import answer, body, last, open_ticket, take
from tests.integration.test_cli import run
from tests.integration.test_summary import MARIA, MONDAY_0830, ON, summaries, sunday_at_the_desk
from tests.integration.test_surveys import closed
from tests.peers import PEOPLE

GERMAN_MARIA = {
    "teams": [{"name": "tier1", "manager": MARIA, "manager_language": "de"}],
    "limits": {"currency": "EUR"},
    "timezone": "Europe/Berlin",
}


def test_a_german_manager_is_asked_to_approve_in_german_with_german_money(make_app):
    app = make_app(**GERMAN_MARIA)
    open_ticket(app)
    take(app, answer(last(app, "agent/new", "dana@acme.example"), "#credit 80 kaputt\n\nHi."))
    [request] = [o for o in outbox(app) if o.template == "manager/approval"]
    msg = parsed(request.raw)
    # a subject is one line of plain spaces (core.text.one_line): 80,00 € with a space
    assert msg["Subject"] == "[#1] Freigabe erforderlich: Dana Agent schreibt 80,00 € gut"
    text = body(request)
    assert "Dana Agent <dana@acme.example> möchte auf Ticket #1 eine Gutschrift über" in text
    assert "80,00\xa0€ liegt über dem Höchstbetrag einer einzelnen Gutschrift (50,00\xa0€)" in text
    assert "Ist bis Donnerstag, 26. November 2026, 10:00 MEZ nicht entschieden" in text
    assert "#approve [Anmerkung]" in text and "wants to" not in text
    html = msg.get_body(("html",)).get_content()
    assert '<html lang="de" dir="ltr">' in html and "<b>80,00\xa0€</b>" in html
    # Dana's team has no language of its own: the receipt on the same mail stays English.
    [receipt] = [o for o in outbox(app) if o.template == "staff/receipt"]
    assert receipt.recipients == ["dana@acme.example"]
    assert "Freigabe" not in body(receipt) and "approval" in body(receipt)


def test_a_german_managers_summary_is_german(make_app, clock):
    app = make_app(**ON, **GERMAN_MARIA)
    sunday_at_the_desk(app, clock)
    clock.now = MONDAY_0830
    app.scheduler.run_due()
    [mail] = summaries(app)
    msg = parsed(mail.raw)
    assert msg["Subject"] == (
        "Tagesübersicht 2026-11-22 (tier1): 3 eröffnet, 1 gelöst, 1 Freigabe offen"
    )
    text = body(mail)
    assert text.startswith("Tagesübersicht für tier1: Sonntag, 22. November 2026")
    assert "eröffnet 3, gelöst 1, offen bei Tagesende 2" in text
    assert "erste Antwort: Median 30 Min., 90. Perzentil 1 Std. 00 Min. (2 Tickets)" in text
    assert "#3  dana@acme.example: 80,00\xa0€, wartet seit" in text
    assert "Antworten 1, gelöst 1, Gutschriften 1 (20,00\xa0€, im Schnitt 20,00\xa0€)" in text
    assert "Budget genutzt: 10\xa0% des Tagesbudgets" in text
    assert "So wird markiert: Die Markierungen vergleichen" in text
    for english in ("opened", "solved", "credits", "Daily summary", "waiting"):
        assert english not in text


def test_a_french_managers_weekly_mail_is_french(make_app, clock):
    app = make_app(
        survey={"enabled": True},
        summary={"enabled": True, "weekly": "mon"},
        teams=[{"name": "tier1", "manager": MARIA, "language": "fr"}],
    )
    for n in range(5):
        closed(app, sender=f"c{n}@example.com")
        survey = last(app, "customer/survey", f"c{n}@example.com")
        take(app, answer(survey, "good", sender=f"c{n}@example.com"))
        clock.advance(days=7)
    clock.now = clock.now.replace(hour=9)  # a Monday, past the summary time
    app.scheduler.run_due()
    [weekly] = [o for o in outbox(app) if o.template == "manager/weekly"]
    msg = parsed(weekly.raw)
    assert msg["Subject"].startswith("Bilan hebdomadaire : marge de manœuvre et résultats, du ")
    text = body(weekly)
    assert "Marge de manœuvre et résultats pour tier1 sur douze semaines (du " in text
    assert "avis positifs" in text and "100\xa0% sur 5" in text and "█" in text
    assert "Méthode d'évaluation\xa0: Sur les 12 semaines\xa0: «\xa0généreux\xa0»" in text
    assert "l'équipe" in text and "the team" not in text and "twelve weeks" not in text


def test_the_summary_preview_is_in_the_managers_language(tmp_path):
    """`maild summary --preview` writes what the manager would get: German for Maria."""
    german = PEOPLE.replace(
        'manager = "maria@acme.example"\n',
        'manager = "maria@acme.example"\nmanager_language = "de"\n',
    )
    assert "manager_language" in german
    cfg = tmp_path / "maild.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[support]\naddress = "support@acme.example"\n'
        f'{german}[limits]\ncurrency = "EUR"\n'
    )
    assert (
        run("--config", str(cfg), "ingest", "-", input=mail(), clock=ManualClock(START)).exit_code
        == 0
    )
    page = tmp_path / "page.html"
    args = ["--config", str(cfg), "summary", "--manager", MARIA, "--date", "2026-11-23"]
    result = run(*args, "--preview", str(page))
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert '<html lang="de"' in html and "Tagesübersicht" in html and "Eröffnet" in html
    assert "Montag, 23. November 2026" in html
    text = run(*args, "--text").output
    assert "Subject: Tagesübersicht 2026-11-23 (tier1): 1 eröffnet, 0 gelöst" in text


def test_a_german_managers_hourly_fyi_bundle_is_german(make_app, clock):
    """The bundle is written an hour later from the events: each sentence and its money
    come back from the event's JSON and are said in German then."""
    app = make_app(monitor={MARIA: {"credits_from": 5, "mode": "hourly"}}, **GERMAN_MARIA)
    for who in ("Sam <sam@example.com>", "Ann <ann@example.com>"):
        open_ticket(app, sender=who)
        take(app, answer(last(app, "agent/new", "dana@acme.example"), "#credit 10 sorry\n\nHi."))
    clock.advance(hours=1)
    app.scheduler.run_due()
    [bundle] = [o for o in outbox(app) if o.template == "manager/fyi"]
    assert parsed(bundle.raw)["Subject"] == "Zur Info: 2 Ereignisse in Ihren Teams in dieser Stunde"
    text = body(bundle)
    assert text.count("Dana Agent hat 10,00\xa0€ gutgeschrieben (sorry)") == 2
    assert "#coach N Ihre Nachricht" in text and "credited" not in text


def test_an_english_manager_on_a_german_desk_reads_english(make_app):
    """The desk writes German (top-level `language`: customers, agents), Maria asked for
    English: her approval request is English, Dana's receipt German."""
    app = make_app(
        language="de",
        teams=[{"name": "tier1", "manager": MARIA, "manager_language": "en"}],
        limits={"currency": "EUR"},
    )
    open_ticket(app)
    take(app, answer(last(app, "agent/new", "dana@acme.example"), "#credit 80 kaputt\n\nHallo."))
    [request] = [o for o in outbox(app) if o.template == "manager/approval"]
    assert parsed(request.raw)["Subject"] == "[#1] Approval needed: Dana Agent credits €80.00"
    assert "wants to credit €80.00 on ticket #1" in body(request)
    [receipt] = [o for o in outbox(app) if o.template == "staff/receipt"]
    html = parsed(receipt.raw).get_body(("html",)).get_content()
    assert '<html lang="de"' in html  # written for a German reader
