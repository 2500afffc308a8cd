"""A receipt's sentences: said in the reader's language, while the action row, the events
and the CLI keep the English they always had."""

from decimal import Decimal

from maild.adapters import i18n
from maild.core import apply, commands, policy
from maild.core.commands import Context, TicketState
from maild.core.model import Person, Role
from maild.core.words import N_, joined
from maild.services.staff.mail import line_record

DANA = Person("dana@acme.example", "Dana Agent", Role.AGENT, team="tier1")
TICKET = TicketState(1, "sam@example.com", "open", "normal", None, "tier1")


def _plan(text: str, usage: policy.Usage | None = None) -> apply.Plan:
    block = commands.parse_block(text, Role.AGENT)
    ctx = Context(TICKET, DANA, (DANA,), "USD")
    return apply.plan(block, ctx, policy.Limits(), usage or policy.Usage(), approver="maria")


def test_the_stored_lines_keep_the_english_they_had():
    plan = _plan("#credit 20 late delivery\n#pending")
    assert [line_record(x)["reason"] for x in plan.lines] == [
        "credited USD 20.00 to sam@example.com (late delivery); within your limits (USD 20.00)",
        "status set to pending",
    ]
    refused = _plan("#credit 20\n#cerdit 5\n#priority huge")
    assert [line_record(x)["reason"] for x in refused.lines] == [
        "another line in this mail was refused",
        "unknown command '#cerdit': did you mean #credit? (#help lists your commands)",
        "#priority: priority must be one of low, normal, high, urgent"
        " (usage: #priority low|normal|high|urgent)",
    ]
    held = _plan("#credit 30", policy.Usage(today=Decimal(190)))
    assert held.held_because == (
        "USD 30.00 is over your daily credit budget (USD 200.00, USD 10.00 left)"
    )


def test_the_same_lines_are_said_in_the_readers_language():
    de, fr = i18n.speech("de"), i18n.speech("fr")
    [credit, pending] = _plan("#credit 20 late delivery\n#pending").lines
    assert de.localize(credit.reason) == (
        "20,00\xa0$ an sam@example.com gutgeschrieben (late delivery);"
        " im Rahmen Ihrer Limits (20,00\xa0$)"
    )
    assert de.localize(pending.reason) == "Status auf „wartend“ gesetzt"
    held = _plan("#credit 30", policy.Usage(today=Decimal(190))).lines[0]
    assert fr.localize(held.reason).startswith("30,00\xa0$US dépasse le budget quotidien")


def test_sentences_in_a_row_take_the_languages_separator():
    said = joined([N_("the ticket is not escalated"), N_("a ticket cannot be merged into itself")])
    assert str(said) == "the ticket is not escalated; a ticket cannot be merged into itself"
    assert i18n.speech("fr").localize(said) == (
        "le ticket n\u2019est pas escaladé\xa0; un ticket ne peut pas être fusionné avec lui-même"
    )
    assert joined([]) == "" and joined(["words"]) == "words"
