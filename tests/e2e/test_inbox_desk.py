"""End to end through Dovecot and the sink: the agent's whole desk inside the inbox.
#queue, a click on a reply link (parsed from the HTML as a mail client does, and
the mail it describes sent), #show of a colleague's ticket then #assign me, #find
in German and English, a manager's view, an unproven #queue, the morning digest
with the clock moved into and out of business hours and over a holiday."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from maild.adapters.clock import ManualClock
from tests.conftest import START, mail
from tests.e2e.conftest import Desk
from tests.e2e.test_imap import cli
from tests.integration.staff import answer
from tests.peers import maild_config

pytestmark = pytest.mark.dovecot
DANA, LEE, MARIA = "dana@acme.example", "lee@acme.example", "maria@acme.example"
PEOPLE = """
[business_hours]
timezone = "Europe/Berlin"
days = "mon-fri"
hours = "09:00-17:00"
holidays = ["2026-11-25"]
[targets]
first_response = { normal = "4h" }
"""
MORE = """[[agents]]
email = "lee@acme.example"
name = "Lee Agent"
team = "tier1"
[[teams]]
name = "tier2"
manager = "ivan@acme.example"
[[agents]]
email = "kim@acme.example"
name = "Kim Agent"
team = "tier2"
digest = "none"
"""


class Links(HTMLParser):
    """The href of every <a>, as a mail client's renderer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.found.append(href)


def mailto_links(received) -> list[str]:
    parser = Links()
    parser.feed(received.msg.get_body(("html",)).get_content())
    return list(dict.fromkeys(h for h in parser.found if h.startswith("mailto:")))


def clicked(link: str, sender: str, text: str, n: int) -> bytes:
    """The mail a client writes for a mailto: link (RFC 6068), `text` typed in."""
    parts = urlsplit(link)
    fields = parse_qs(parts.query)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = unquote(parts.path)
    msg["Subject"] = fields["subject"][0]
    msg["Message-ID"] = f"<click-{n}@acme.example>"
    msg["Date"] = "Mon, 23 Nov 2026 10:30:00 +0000"
    msg.set_content(text + "\n" + fields.get("body", [""])[0])
    return msg.as_bytes()


@pytest.fixture
def desk(tmp_path, dovecot, imap_user, sink):
    cfg = maild_config(tmp_path / "maild.toml", dovecot, imap_user, sink.port, extra=PEOPLE)
    cfg.write_text(cfg.read_text().replace("[summary]", MORE + "[summary]"))
    clock = ManualClock(START)  # Monday 10:00 in Berlin
    return cfg, Desk(cfg, dovecot, imap_user, clock), sink.handler, clock


def newest(got, to: str, subject: str):
    return [r for r in got.to(to) if subject in str(r.msg["Subject"])][-1]


def agent_of(cfg, number: int) -> str | None:
    [ticket] = [t for t in json.loads(cli(cfg, "tickets", "--json").output) if t["id"] == number]
    return ticket["agent"]


def test_the_agents_desk_in_the_inbox(desk):
    cfg, d, got, _clock = desk
    d.step(mail(subject="Rechnung fehlt", text="Die Rechnung für März ist nicht gekommen.",
                sender="Jürgen <juergen@example.de>"))  # fmt: skip
    d.step(mail(subject="Broken kettle", text="It arrived broken, a refund please.",
                sender="Bob <bob@example.com>"), minutes=5)  # fmt: skip
    d.step(mail(subject="Where is my parcel", sender="Ann <ann@example.com>"), minutes=5)
    bob = newest(got, DANA, "Broken kettle")
    d.step(answer(bob.raw, "#assign me"))
    jurgen = newest(got, LEE, "Rechnung fehlt")
    d.step(answer(jurgen.raw, "#assign me"))  # Lee takes it, then falls ill

    # Dana's queue: hers first, then the team's unassigned, each with a reply link
    d.step(answer(bob.raw, "#queue"), hours=3, minutes=55)  # #2 near its target
    queue = newest(got, DANA, "Your queue")
    text = queue.text()
    assert text.index("#2 Broken kettle") < text.index("#3 Where is my parcel")
    assert "#1 " not in text  # Lee's
    assert "Where is my parcel" not in str(got.to("bob@example.com")[-1].msg["Subject"])
    links = mailto_links(queue)
    assert len(links) == 2 and all(x.startswith("mailto:support+t") for x in links)
    d.step(clicked(links[1], "Dana Agent <dana@acme.example>", "#assign me", 1))
    assert agent_of(cfg, 3) == DANA

    # Lee is ill: Dana reads his ticket, then takes it from that very mail
    d.step(answer(bob.raw, "#show 1"))
    shown = newest(got, DANA, "the whole history")
    assert "Die Rechnung für März ist nicht gekommen." in shown.text()
    d.step(answer(shown.raw, "#assign me\n\nHallo Jürgen, ich kümmere mich darum."))
    assert agent_of(cfg, 1) == DANA
    assert "ich kümmere mich darum" in got.to("juergen@example.de")[-1].text()

    # #find in German and English words
    d.step(answer(bob.raw, "#find märz rechnung"))
    found = newest(got, DANA, "#find märz rechnung")
    assert "1 ticket" in str(found.msg["Subject"]) and "#1 Rechnung fehlt" in found.text()
    d.step(answer(bob.raw, "#find refund"))
    found = newest(got, DANA, "#find refund")
    assert "#2 Broken kettle" in found.text() and mailto_links(found)

    # an unproven #queue: the usual receipt, nothing of the queue
    before = len(got.to(DANA))
    d.step(mail(subject="queue", text="#queue", sender="Dana Agent <dana@acme.example>"))
    [receipt] = got.to(DANA)[before:]
    assert "not proven" in str(receipt.msg["Subject"]) and "kettle" not in receipt.text()

    # the manager's view: every ticket of her team, with whose it is
    d.step(mail(subject="hello", text="#queue", sender=MARIA))
    proof = newest(got, MARIA, "Receipt")
    d.step(answer(proof.raw, "#queue"))
    managed = newest(got, MARIA, "Your queue")
    assert "Your teams' open tickets" in managed.text() and DANA in managed.text()


def test_the_morning_digest_through_the_day_and_a_holiday(desk):
    _cfg, d, got, clock = desk
    clock.now = START.replace(hour=14)  # Monday 15:00 in Berlin: the morning is over
    d.step(mail(subject="Broken kettle", sender="Bob <bob@example.com>"))
    clock.now = datetime(2026, 11, 24, 7, 50, tzinfo=UTC)  # Tuesday 08:50 in Berlin
    d.step()
    assert not [r for r in got.to(DANA) if "Good morning" in str(r.msg["Subject"])]
    d.step(minutes=20)  # 09:10: the day starts
    d.step(hours=2)  # 11:10: not again
    mornings = [r for r in got.to(DANA) if "Good morning" in str(r.msg["Subject"])]
    assert len(mornings) == 1 and "#1 Broken kettle" in mornings[0].text()
    assert [r for r in got.to(LEE) if "Good morning" in str(r.msg["Subject"])]
    assert not got.to("kim@acme.example")  # digest = "none", and nothing of tier2
    clock.now = datetime(2026, 11, 25, 8, 10, tzinfo=UTC)  # Wednesday: a holiday
    d.step()
    clock.now = datetime(2026, 11, 26, 8, 10, tzinfo=UTC)  # Thursday
    d.step()
    mornings = [r for r in got.to(DANA) if "Good morning" in str(r.msg["Subject"])]
    assert len(mornings) == 2
