"""The desk in the inbox: #queue, #show, #find, #customer and the customer's history
line, as the agent and the manager receive them (SQLite, and PostgreSQL with
MAILD_TEST_DATABASE=postgresql)."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from maild.adapters.db.models import Ticket
from maild.core.model import TicketStatus
from tests.conftest import mail
from tests.integration.helpers import outbox, parsed
from tests.integration.staff import answer, body, last, new_since, open_ticket, take

DANA, LEE, KIM = "dana@acme.example", "lee@acme.example", "kim@acme.example"
MARIA = "maria@acme.example"
TEAMS = {
    "teams": [
        {"name": "tier1", "manager": MARIA},
        {"name": "tier2", "manager": "ivan@acme.example"},
    ],
    "agents": [
        {"email": DANA, "name": "Dana Agent", "team": "tier1"},
        {"email": LEE, "name": "Lee Agent", "team": "tier1"},
        {"email": KIM, "name": "Kim Agent", "team": "tier2"},
    ],
    "targets": {"first_response": {"normal": "4h"}},
}


@pytest.fixture
def desk(make_app):
    return make_app(**TEAMS)


def set_ticket(app, number, **values):
    with app.db.transaction() as store:
        ticket = store.session.get(Ticket, number)
        for key, value in values.items():
            setattr(ticket, key, value)


def ask(app, to, text, about=None):
    """`text` in a reply to the newest mail maild sent `to` (or to `about`)."""
    mine = about or [o for o in outbox(app) if o.recipients[0] == to][-1]
    before = len(outbox(app))
    take(app, answer(mine, text, quote=False))
    return new_since(app, before)


def click(link: str, sender: str, text: str) -> bytes:
    """What a mail client sends for a mailto: link (RFC 6068) with `text` typed in."""
    parts = urlsplit(link)
    assert parts.scheme == "mailto"
    fields = parse_qs(parts.query)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = unquote(parts.path)
    msg["Subject"] = fields["subject"][0]
    msg["Message-ID"] = f"<click-{abs(hash(link))}@acme.example>"
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    msg.set_content(text)
    return msg.as_bytes()


def links(row) -> list[str]:
    return [w for w in body(row).split() if w.startswith("mailto:")]


def test_queue_lists_the_agents_plate_in_sections_with_reply_links(desk, clock):
    first = open_ticket(desk)  # Dana takes it
    take(desk, answer(last(desk, "agent/new", DANA), "#assign me"))
    clock.advance(hours=1)
    open_ticket(desk, "Jo <jo@example.com>")  # nobody's: the team's
    clock.advance(hours=1)
    third = open_ticket(desk, "Ann <ann@example.com>")
    set_ticket(desk, third, team="tier2")  # another team's: not in Dana's queue
    clock.advance(hours=4)  # the first is breached (4 working hours... of every hour)
    [sent] = ask(desk, DANA, "#queue")
    assert (sent.template, sent.recipients) == ("agent/queue", [DANA])
    msg = parsed(sent.raw)
    assert msg["Subject"].startswith("Your queue: 2 tickets, 2 past the target")
    text = body(sent)
    assert text.index("Your open tickets") < text.index("nobody's yet")
    assert "#1 Help with my order" in text and "#2 Help with my order" in text
    assert f"#{third} " not in text
    assert "target breached" in text
    [mine, theirs] = links(sent)
    assert mine.startswith("mailto:support+t1-") and "subject=Re%3A%20%5B%231%5D" in mine
    # the link opens a reply that acts on the ticket: #assign me takes it
    before = len(outbox(desk))
    take(desk, click(theirs, "Dana Agent <dana@acme.example>", "#assign me"))
    assert [o.template for o in new_since(desk, before)] == ["staff/receipt"]
    with desk.db.transaction() as store:
        assert store.session.get(Ticket, 2).agent == DANA
    assert first == 1


def test_queue_sorts_breached_first_and_waiting_for_the_customer_apart(desk, clock):
    for who in ("a", "b", "c"):
        open_ticket(desk, f"{who} <{who}@example.com>")
        clock.advance(hours=3)
    set_ticket(desk, 2, status=TicketStatus.PENDING, agent=DANA, awaiting_since=None)
    [sent] = ask(desk, DANA, "#queue", last(desk, "agent/new", DANA))
    text = body(sent)
    # ticket 1 waited 9 h (breached), 3 waited 3 h (due), 2 waits for its customer
    assert text.index("#1 ") < text.index("#3 ") < text.index("Waiting for the customer")
    assert text.index("Waiting for the customer") < text.index("#2 ")


def test_an_unproven_queue_gets_the_usual_receipt_and_nothing_else(desk):
    open_ticket(desk)
    before = len(outbox(desk))
    take(desk, mail(subject="queue", text="#queue", sender="Dana Agent <dana@acme.example>"))
    [sent] = new_since(desk, before)
    assert sent.template == "staff/receipt"
    assert "not proven" in parsed(sent.raw)["Subject"]
    assert "Help with my order" not in body(sent)


def test_show_sends_a_colleagues_ticket_signed_for_the_asker(desk):
    open_ticket(desk)
    take(desk, answer(last(desk, "agent/new", DANA), "#note\nCalled the courier."))
    take(desk, answer(last(desk, "agent/new", LEE), "#assign lee"))
    [sent] = ask(desk, DANA, "#show 1", last(desk, "agent/new", DANA))
    assert (sent.template, sent.ticket_id) == ("agent/ticket", 1)
    text = body(sent)
    assert "Hello, my order did not arrive." in text and "Called the courier." in text
    assert "agent lee@acme.example" in text
    msg = parsed(sent.raw)
    assert msg["Reply-To"].addresses[0].addr_spec.startswith("support+t1-")
    take(desk, answer(sent, "#assign me"))  # she acts from it
    with desk.db.transaction() as store:
        assert store.session.get(Ticket, 1).agent == DANA


def test_show_of_another_teams_ticket_is_refused_whether_it_exists_or_not(desk):
    open_ticket(desk)
    other = open_ticket(desk, "Ann <ann@example.com>")
    set_ticket(desk, other, team="tier2")
    sent = ask(desk, DANA, f"#show {other}\n#show 999", last(desk, "agent/new", DANA))
    assert [o.template for o in sent] == ["staff/receipt"]
    text = body(sent[0])
    assert f"#{other} is not a ticket of your team's" in text
    assert "#999 is not a ticket of your team's" in text
    assert "Ann" not in text


def test_find_matches_words_in_german_and_english_within_the_team(desk):
    take(desk, mail(subject="Rechnung fehlt", text="Die Rechnung für März ist nicht da."))
    take(desk, mail(subject="Broken kettle", text="The kettle arrived broken, refund please."))
    take(desk, mail(subject="Kettle", text="another kettle", sender="Ann <ann@example.com>"))
    set_ticket(desk, 3, team="tier2")
    [found] = ask(desk, DANA, "#find rechnung MÄRZ", last(desk, "agent/new", DANA))
    assert found.template == "agent/found"
    assert "1 ticket" in parsed(found.raw)["Subject"]
    assert "#1 Rechnung fehlt" in body(found) and "#2" not in body(found)
    [found] = ask(desk, DANA, "#find kettle", found)
    assert "#2 Broken kettle" in body(found) and "#3" not in body(found)  # tier2's
    [found] = ask(desk, DANA, "#find refu*", found)
    assert "#2 Broken kettle" in body(found) and links(found)
    [found] = ask(desk, DANA, "#find nothing-like-this", found)
    assert "0 tickets" in parsed(found.raw)["Subject"]


def test_customer_lists_their_tickets_newest_first_with_the_count(desk, clock):
    for _ in range(3):
        open_ticket(desk)
        clock.advance(hours=1)
    open_ticket(desk, "Jo <jo@example.com>")
    [found] = ask(desk, DANA, "#customer SAM@example.com", last(desk, "agent/new", DANA))
    text = body(found)
    assert "3 tickets" in text
    assert text.index("#3 ") < text.index("#2 ") < text.index("#1 ")
    assert "#4 " not in text


def test_a_new_ticket_names_the_customers_earlier_ones_open_first(desk, clock):
    open_ticket(desk)
    take(desk, answer(last(desk, "agent/new", DANA), "#credit 20 late\n#close\n\nSorry!"))
    clock.advance(days=15)
    open_ticket(desk)
    clock.advance(days=1)
    open_ticket(desk)
    text = body(last(desk, "agent/new", DANA))
    assert (
        "Sam has written twice before: #2 (open, 1 day ago), "
        "#1 (closed, 2 weeks ago, credit $20.00)" in text
    )
    html = parsed(last(desk, "agent/new", DANA).raw).get_body(("html",)).get_content()
    assert "Sam has written twice before" in html
    first = next(o for o in outbox(desk) if o.template == "agent/new")
    assert "written" not in body(first)  # a first mail has no history


def test_a_manager_sees_every_team_they_manage(desk):
    open_ticket(desk)
    take(desk, answer(last(desk, "agent/new", DANA), "#assign lee"))
    open_ticket(desk, "Ann <ann@example.com>")
    set_ticket(desk, 2, team="tier2")
    before = len(outbox(desk))
    take(desk, mail(subject="hi", text="#queue", sender=MARIA))  # no token yet: a receipt
    [receipt] = new_since(desk, before)
    [sent] = ask(desk, MARIA, "#queue", receipt)
    text = body(sent)
    assert "Your teams' open tickets" in text and "lee@acme.example" in text
    assert "#2 " not in text
    [shown] = ask(desk, MARIA, "#show 2", sent)
    assert shown.template == "staff/receipt"  # tier2 is Ivan's
    [found] = ask(desk, MARIA, "#customer sam@example.com", sent)
    assert "#1 " in body(found)


def test_help_lists_the_desk_commands(desk):
    open_ticket(desk)
    [receipt] = ask(desk, DANA, "#help", last(desk, "agent/new", DANA))
    for usage in ("#queue", "#show N", "#find WORDS", "#customer ADDRESS"):
        assert usage in body(receipt)


def test_erasing_a_customer_takes_their_words_out_of_the_search(desk):
    take(desk, mail(subject="Rechnung fehlt", text="Die Rechnung ist weg."))
    open_ticket(desk, "Jo <jo@example.com>")
    notification = last(desk, "agent/new", DANA)
    [found] = ask(desk, DANA, "#find rechnung weg", notification)
    assert "1 ticket" in parsed(found.raw)["Subject"]
    with desk.db.transaction() as store:
        store.erase_customer("sam@example.com", "forgotten-1@invalid", [1])
    [found] = ask(desk, DANA, "#find rechnung", notification)
    assert "0 tickets" in parsed(found.raw)["Subject"]
    [found] = ask(desk, DANA, "#find sam", notification)
    assert "0 tickets" in parsed(found.raw)["Subject"]


def test_a_question_with_an_answer_does_both_and_a_bare_question_leaves_no_message(desk):
    open_ticket(desk)
    note = last(desk, "agent/new", DANA)
    with desk.db.transaction() as store:
        before = len(store.messages(1))
    sent = ask(desk, DANA, "#queue", note)
    with desk.db.transaction() as store:
        assert len(store.messages(1)) == before  # "#queue" is no message on the ticket
    assert [o.template for o in sent] == ["agent/queue"]
    sent = ask(desk, DANA, "#queue\n#priority high\n\nHi Sam, on it.", note)
    assert sorted(o.template for o in sent) == ["agent/queue", "customer/reply", "staff/receipt"]
    reply = next(o for o in sent if o.template == "customer/reply")
    assert "Hi Sam, on it." in body(reply) and "#queue" not in body(reply)
    with desk.db.transaction() as store:
        assert store.session.get(Ticket, 1).priority == "high"


def test_a_bad_line_beside_a_question_is_named_in_a_receipt(desk):
    open_ticket(desk)
    first = next(o for o in outbox(desk) if o.template == "agent/new")
    take(desk, mail(subject="hi", text="#queue", sender="Dana Agent <dana@acme.example>"))
    receipt = last(desk, "staff/receipt", DANA)  # unproven: a token for no ticket
    sent = ask(desk, DANA, "#queue\n#frobnicate\n#close", receipt)
    assert sorted(o.template for o in sent) == ["agent/queue", "staff/receipt"]
    text = body(next(o for o in sent if o.template == "staff/receipt"))
    assert "unknown command '#frobnicate'" in text
    assert "names no ticket" in text  # #close has nothing to close
    with desk.db.transaction() as store:
        assert store.session.get(Ticket, 1).status == "open"
    assert first.ticket_id == 1


def test_a_replayed_question_is_not_answered_twice(desk):
    open_ticket(desk)
    raw = answer(last(desk, "agent/new", DANA), "#queue", quote=False)
    take(desk, raw)
    again = raw.replace(b"Message-ID: <reply-", b"Message-ID: <again-")
    before = len(outbox(desk))
    take(desk, again)
    assert [o.template for o in new_since(desk, before)] == ["staff/receipt"]
    assert "replay" in body(new_since(desk, before)[0])


def test_show_names_the_files_credits_and_escalation(make_app):
    from tests.integration.test_escalations import TEAMS as ESCALATING

    app = make_app(**ESCALATING)
    take(app, mail(attachments=(("invoice.pdf", "application/pdf", b"%PDF-1.4"),)))
    note = last(app, "agent/new", DANA)
    take(app, answer(note, "#credit 20 late\n#escalate eng export fails\n\nHi Sam."))
    [shown] = ask(app, DANA, "#show 1", note)
    text = body(shown)
    assert "[files: invoice.pdf]" in text
    assert "Credits: $20.00 by dana@acme.example (late)" in text
    assert "Escalated: with eng" in text
