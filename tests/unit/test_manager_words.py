"""The sentences managers read, as the core writes them and as a locale says them: the
limits a held credit crosses read back from the approval row, and the formatting the
manager templates use (a Decimal's places, shares, an amount with its currency)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from jinja2 import DictLoader

from maild.adapters import i18n
from maild.adapters.render import environment
from maild.core import policy
from maild.core.summary import Bar
from maild.core.words import N_, Msg

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2)


@given(amounts, amounts, amounts, amounts, st.sampled_from(["USD", "EUR", "CHF"]))
def test_what_a_credit_crosses_reads_back_as_the_sentences_it_was(
    amount, limit, today, customer, currency
):
    limits = policy.Limits(currency, limit, limit * 2, limit * 10, limit * 3)
    over = policy.crossed(limits, policy.Usage(today, today, customer), amount)
    read = policy.crossing("; ".join(str(sentence) for _key, sentence in over))
    assert all(isinstance(m, Msg) for m in read)
    assert [str(m) for m in read] == [str(sentence) for _key, sentence in over]


def test_a_crossing_is_said_in_german_and_an_unknown_one_stays_as_written():
    over = policy.crossed(policy.Limits("EUR"), policy.Usage(Decimal(180)), Decimal(80))
    text = "; ".join(str(s) for _k, s in over) + "; a limit of an older maild"
    first, second, old = policy.crossing(text)
    de = i18n.speech("de")
    assert de.say(first) == (  # type: ignore[arg-type]
        "80,00\xa0€ liegt über dem Höchstbetrag einer einzelnen Gutschrift (50,00\xa0€)"
    )
    assert "noch 20,00\xa0€ frei" in de.say(second)  # type: ignore[arg-type]
    assert old == "a limit of an older maild"
    assert policy.crossing("") == ()


def test_a_decimal_keeps_its_places_and_a_share_is_a_percentage():
    de, en = i18n.speech("de"), i18n.speech("en")
    assert de.number(Decimal("6.00")) == "6,00" and en.number(Decimal("1.5")) == "1.5"
    assert de.number(Decimal("1234.50")) == "1.234,50" and de.number(1234) == "1.234"
    assert de.percent(0.456) == "46\xa0%" and en.percent(0.456) == "46%"
    assert de.percent(None) == "-"
    assert de.say(N_("%(ratio)s a ticket", ratio=Decimal("6.00"))) == "6,00 a ticket"


def test_the_filters_write_amounts_dates_and_shares_by_locale():
    loader = DictLoader(
        {"t": '{{ 20.5 | money("EUR") }}|{{ d | date(skeleton="MMMEd") }}|{{ 0.1 | percent }}'}
    )
    render = environment(loader, i18n.speech("fr")).get_template("t").render
    assert render(d=date(2026, 9, 14)) == "20,50\xa0€|lun. 14 sept.|10\xa0%"


def test_localizing_leaves_what_has_no_sentence_as_it_was():
    de = i18n.speech("de")
    bars = (Bar(date(2026, 9, 14), "3", 10),) * 3
    assert de.localize(bars) is bars  # nothing said: nothing copied
    said = de.localize((Bar(date(2026, 9, 14), "3", 10), N_("the team")))
    assert said[1] == "das Team"
