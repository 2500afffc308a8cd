"""The command block parser (groundwork for the agents issue)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maild.core.commands import ArgumentError, parse_amount, parse_block
from maild.core.model import Role

REPLY = "Hi Sam, sorry about the wait. I've added a $20 credit."


def test_the_example_from_the_product_notes():
    block = parse_block(f"#credit 20 late delivery\n#close\n\n{REPLY}\n", Role.AGENT)
    assert [(c.name, dict(c.args), c.line) for c in block.commands] == [
        ("credit", {"amount": Decimal("20"), "currency": None, "reason": "late delivery"}, 1),
        ("close", {}, 2),
    ]
    assert block.errors == () and block.reply == REPLY


def test_names_are_case_insensitive_and_currency_is_optional():
    [credit] = parse_block("#CREDIT 19.99 eur goodwill", Role.AGENT).commands
    assert credit.args == {"amount": Decimal("19.99"), "currency": "EUR", "reason": "goodwill"}


@pytest.mark.parametrize("amount", ["-5", "1e3", "NaN", "20,00", "10.999", "0", "0.00", "", "½"])
def test_amounts_that_are_errors_not_guesses(amount):
    block = parse_block(f"#credit {amount} reason", Role.AGENT)
    assert block.commands == () and len(block.errors) == 1
    assert block.errors[0].line == 1 and "#credit" in str(block.errors[0].reason)


def test_unknown_and_not_allowed_commands_are_named_with_their_line():
    block = parse_block("#close\n#bogus eng\n#approve\nbody", Role.AGENT)
    assert [(e.line, str(e.reason)) for e in block.errors] == [
        (2, "unknown command '#bogus' (#help lists your commands)"),
        (3, "#approve is not a command for agents"),
    ]


def test_arguments_are_checked():
    block = parse_block("#priority huge\n#assign\n#close now", Role.AGENT)
    assert len(block.errors) == 3
    block = parse_block("#priority URGENT\n#assign me", Role.AGENT)
    assert [dict(c.args) for c in block.commands] == [{"priority": "urgent"}, {"to": "me"}]


def test_a_command_after_the_first_text_line_is_just_text():
    block = parse_block(f"{REPLY}\n#credit 500\n> #close", Role.AGENT)
    assert block.commands == () and block.errors == () and "#credit 500" in block.reply


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2))
def test_amounts_round_trip(amount):
    assert parse_amount(str(amount)) == amount


@given(st.text())
def test_the_parser_never_raises_and_never_invents_commands(text):
    block = parse_block(text, Role.AGENT)
    lines = text.replace("\r\n", "\n").split("\n")
    for command in block.commands:
        assert lines[command.line - 1].strip().startswith("#")
    for error in block.errors:
        assert lines[error.line - 1].strip().startswith("#")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20))
def test_an_amount_is_positive_with_two_places_or_a_clear_error(text):
    try:
        value = parse_amount(text)
    except ArgumentError as exc:
        assert "amount" in str(exc)
        return
    assert value > 0 and -value.as_tuple().exponent <= 2 and value.is_finite()


@pytest.mark.parametrize(
    ("written", "role", "meant"),
    [
        ("#credti 20", Role.AGENT, "#credit"),
        ("#CLSOE", Role.AGENT, "#close"),
        ("#escalte eng", Role.AGENT, "#escalate"),
        ("#aprove", Role.MANAGER, "#approve"),
        ("#aprove", Role.AGENT, None),  # not theirs: no hint at a command they may not use
        ("#frobnicate", Role.AGENT, None),
    ],
)
def test_an_unknown_command_names_the_closest_one_the_sender_may_use(written, role, meant):
    [error] = parse_block(written, role).errors
    assert str(error.reason).endswith("(#help lists your commands)")
    hint = f": did you mean {meant}?" if meant else ""
    name = written.split()[0]
    assert str(error.reason) == f"unknown command '{name}'{hint} (#help lists your commands)"
