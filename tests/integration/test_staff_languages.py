"""Staff and escalation owners hear from maild in their own language (issue 27): the
notices come out of the real services (ingest, the desk's #queue, #escalate) and are
read as the mails in the outbox, subject and text."""

from __future__ import annotations

import re

import pytest

from tests.conftest import mail
from tests.integration.helpers import outbox, parsed
from tests.integration.staff import answer, body, last, new_since, open_ticket, take

DANA, LEE, ERIN = "dana@acme.example", "lee@acme.example", "erin@acme.example"
ENGLISH = ("New ticket", "Reply to this mail", "Subject:", "Your queue", "has escalated")


def _subject(row) -> str:  # type: ignore[no-untyped-def]
    return str(parsed(row.raw)["Subject"])


def _html(row) -> str:  # type: ignore[no-untyped-def]
    return parsed(row.raw).get_body(("html",)).get_content()


@pytest.fixture
def app(make_app):  # type: ignore[no-untyped-def]
    """A German-speaking team (its customers are written to in German) with a German
    agent and an English one, and an escalation team whose owner reads French."""
    return make_app(
        language="de",
        timezone="Europe/Berlin",
        agents=[
            {"email": DANA, "name": "Dana Agent", "team": "tier1", "language": "de"},
            {"email": LEE, "name": "Lee Agent", "team": "tier1", "language": "en"},
        ],
        escalation=[{"name": "eng", "owner": f"Erin Engineer <{ERIN}>", "language": "fr"}],
        limits={"escalate_to": ["eng"]},
    )


def test_a_german_agent_is_told_of_a_new_ticket_in_german(app):  # type: ignore[no-untyped-def]
    number = open_ticket(app, "Jonas Weber <jonas@example.de>")
    new = last(app, "agent/new", DANA)
    assert _subject(new) == f"[#{number}] Neu: Help with my order"
    text = body(new)
    assert text.startswith(f"Neues Ticket #{number} von Jonas Weber <jonas@example.de>\n")
    assert "Betreff: Help with my order" in text
    assert "Hello, my order did not arrive." in text  # the customer's words as they wrote them
    assert "Antworten Sie auf diese Mail, um dem Kunden zu antworten." in text
    assert '<html lang="de" dir="ltr">' in _html(new)
    assert not [w for w in ENGLISH if w in text]


def test_an_english_agent_on_a_german_customers_ticket_reads_english(app):  # type: ignore[no-untyped-def]
    number = open_ticket(app, "Jonas Weber <jonas@example.de>")
    ack = [o for o in outbox(app) if o.template == "customer/ack"][-1]
    assert body(ack).startswith("Guten Tag Jonas Weber,")  # the customer: the team's German
    new = last(app, "agent/new", LEE)
    assert _subject(new) == f"[#{number}] New: Help with my order"
    assert body(new).startswith(f"New ticket #{number} from Jonas Weber <jonas@example.de>\n")
    assert "Reply to this mail to answer the customer." in body(new)
    assert '<html lang="en" dir="ltr">' in _html(new)


def test_a_repeat_customers_history_line_is_in_the_agents_language(app, clock):  # type: ignore[no-untyped-def]
    open_ticket(app, "Jonas Weber <jonas@example.de>")
    clock.advance(days=3)
    take(app, mail(subject="Noch eine Frage", sender="Jonas Weber <jonas@example.de>"))
    assert "Jonas hat bereits einmal geschrieben: #1 (offen, vor 3 Tagen)" in body(
        last(app, "agent/new", DANA)
    )
    assert "Jonas has written once before: #1 (open, 3 days ago)" in body(
        last(app, "agent/new", LEE)
    )


def test_a_german_agents_queue_answers_in_german(app):  # type: ignore[no-untyped-def]
    number = open_ticket(app, "Jonas Weber <jonas@example.de>")
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", DANA), "#queue", quote=False))
    [queue] = [o for o in new_since(app, before) if o.template == "agent/queue"]
    assert queue.recipients == [DANA]
    assert _subject(queue) == "Ihre Warteschlange: 1 Ticket"
    text = body(queue)
    assert re.match(
        r"Hallo Dana Agent: Ihre Warteschlange am \w+, \d+\. \w+ 20\d\d \(tier1\)\.", text
    )
    assert "== Ihr Team, noch niemandem zugewiesen (1) ==" in text
    assert f"#{number} Help with my order" in text
    assert "Antworten:" in text and "seit " in text
    assert not [w for w in ENGLISH if w in text]


def test_a_french_owner_is_told_of_an_escalation_in_french(app):  # type: ignore[no-untyped-def]
    number = open_ticket(app, "Jonas Weber <jonas@example.de>")
    take(app, answer(last(app, "agent/new", DANA), "#assign me", quote=False))
    before = len(outbox(app))
    take(app, answer(last(app, "agent/new", DANA), "#escalate eng Export bricht ab", quote=False))
    [escalated] = [o for o in new_since(app, before) if o.template == "owner/escalated"]
    assert escalated.recipients == [ERIN]
    # a header's spaces are plain ones (one_line): the non-breaking one before ":" too
    assert _subject(escalated) == f"[#{number}] Escaladé vers eng : Help with my order"
    text = body(escalated)
    assert text.startswith("Dana Agent a escaladé ce ticket vers eng, et vous en êtes responsable.")
    assert f"Ticket #{number}\u00a0: «\u00a0Help with my order\u00a0» (ouvert)" in text
    assert "Export bricht ab" in text  # the agent's note, as written
    assert "Ce que le client a écrit\u00a0:" in text
    assert (
        "Répondez à ce message\u00a0; en tête de votre réponse, vous pouvez écrire\u00a0:" in text
    )
    assert '<html lang="fr" dir="ltr">' in _html(escalated)
