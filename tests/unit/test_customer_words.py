"""What customers read, in their language: the survey asks for words maild then reads
as a rating, and the sentences around an agent's answer write money as the customer's
locale does."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from jinja2 import FileSystemLoader

from maild.adapters import i18n
from maild.adapters.render import default_templates_dir, environment
from maild.core import ratings
from maild.core.commands import REGISTRY, Context, TicketState
from maild.core.contexts import Survey
from maild.core.model import Person, Role


@pytest.mark.parametrize("lang", i18n.shipped())
def test_the_words_the_survey_asks_for_are_read_as_a_rating(lang):
    """The survey names two words in the customer's language: answering with either is
    a rating (core.ratings), never a mail that reopens the ticket."""
    speech = i18n.speech(lang)
    env = environment(FileSystemLoader(str(default_templates_dir())), speech)
    view = Survey(subject="Lieferung fehlt", customer_name="Jonas", agent_name="Dana")
    html = env.get_template("customer/survey.html.j2").render(
        ticket_id=7, support_name="Acme", **view.values()
    )
    good, bad = re.findall(r"<b>(\w+)</b>", html)
    assert (good, bad) == (speech.translations.gettext("good"), speech.translations.gettext("bad"))
    said_good, said_bad = ratings.extract(f"{good}, danke"), ratings.extract(bad)
    assert said_good is not None and said_good.score == 5, good
    assert said_bad is not None and said_bad.score == 1, bad


def _context() -> Context:
    ticket = TicketState(7, "jonas@example.de", "open", "normal", "dana@acme.example", "tier1")
    dana = Person("dana@acme.example", "Dana Agent", Role.AGENT, "tier1")
    return Context(ticket, dana, (dana,), "EUR", teams={"eng": "Entwicklung"})


def test_a_credit_is_announced_as_the_customers_locale_writes_money():
    change = REGISTRY["credit"].effect(_context(), {"amount": Decimal("1234.5"), "reason": "x"})
    assert change.announce is not None
    en = i18n.speech("en").say(change.announce)
    assert en == "A credit of €1,234.50 has been added to your account."
    assert str(change.announce) == "A credit of EUR 1234.50 has been added to your account."  # logs
    de = i18n.speech("de").say(change.announce)
    assert de == "Ihrem Konto wurde eine Gutschrift über 1.234,50\xa0€ hinzugefügt."
    assert "1\u202f234,50\xa0€" in i18n.speech("fr").say(change.announce)
    assert "reason" not in de and "x" not in de.split()  # the reason is the ledger's


def test_a_merge_names_the_ticket_as_a_subject_writes_it_never_as_a_number():
    ctx = _context()
    other = TicketState(1234, "jonas@example.de", "open", "normal", None, None)
    ctx = Context(ctx.ticket, ctx.actor, ctx.agents, "EUR", others={1234: other})
    change = REGISTRY["merge"].effect(ctx, {"into": 1234, "force": False})
    assert change.announce is not None
    assert "#1234." in i18n.speech("de").say(change.announce)  # not "#1.234"
