"""The desk's pure parts: order, links, words, ages, the history line, the commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maild.core import commands, desk
from maild.core.model import Role
from maild.core.policy import Money

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def line(n, section=desk.MINE, due=None, breached=False):
    return desk.Line(
        n, section, "c", "s", "open", "normal", None, "1 hour", None, breached, "mailto:x",
        NOW + timedelta(hours=due) if due is not None else None,
    )  # fmt: skip


def test_sections_in_order_breached_first_then_by_due_then_no_target():
    lines = [
        line(1, desk.ESCALATED, due=-5, breached=True),
        line(2, desk.MINE),
        line(3, desk.MINE, due=2),
        line(4, desk.MINE, due=-1, breached=True),
        line(5, desk.MINE, due=-3, breached=True),
        line(6, desk.UNASSIGNED, due=1),
        line(7, desk.WAITING),
        line(8, desk.MINE, due=1),
    ]
    assert [x.id for x in desk.ordered(lines)] == [5, 4, 8, 3, 2, 6, 7, 1]


@given(st.text(max_size=200), st.integers(min_value=1, max_value=10**9))
def test_a_mailto_link_opens_a_reply_to_that_address_with_that_subject(subject, ticket):
    address = "support+t12-abcdefghijklmnopqrst@acme.example"
    link = desk.mailto(address, ticket, subject)
    parts = urlsplit(link)
    assert parts.scheme == "mailto" and unquote(parts.path) == address
    assert "\n" not in link and " " not in link and "&" not in parts.query
    [shown] = parse_qs(parts.query, keep_blank_values=True)["subject"]
    assert shown == "Re: " + desk.subject_line(ticket, subject)


@given(st.text(max_size=300))
def test_search_words_carry_nothing_but_words_to_the_database(text):
    for word in desk.search_words(text):
        core = word.rstrip("*")
        assert core and all(c.isalnum() or c == "_" for c in core)
        assert word == word.lower()
    assert len(desk.search_words(text)) <= 8


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=5), "5 hours"),
        (timedelta(days=1, hours=3), "1 day"),
        (timedelta(days=13), "13 days"),
        (timedelta(days=15), "2 weeks"),
        (timedelta(days=70), "2 months"),
        (timedelta(days=400), "1 year"),
    ],
)
def test_ages(delta, shown):
    assert str(desk.age(NOW - delta, NOW)) == shown


def test_the_history_line_names_open_ones_first_and_the_credits():
    before = [
        desk.Before(12, "closed", NOW - timedelta(days=15), (Money.from_cents(2000, "USD"),)),
        desk.Before(14, "open", NOW - timedelta(days=2)),
        desk.Before(9, "closed", NOW - timedelta(days=90), (), merged_into=12),
    ]
    assert str(desk.history_line("Sam", 4, before, NOW)) == (
        "Sam has written 4 times before: #14 (open, 2 days ago), "
        "#12 (closed, 2 weeks ago, credit USD 20.00), #9 (merged into #12, 3 months ago)"
        ", and 1 more"
    )
    assert desk.history_line("Sam", 0, [], NOW) is None
    assert str(desk.history_line("Sam", 1, before[:1], NOW)).startswith(
        "Sam has written once before"
    )


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("#queue", {}),
        ("#show 88", {"ticket": 88}),
        ("#show #88", {"ticket": 88}),
        ("#find Rechnung März", {"words": "Rechnung März"}),
        ("#customer <Sam@Example.com>", {"address": "sam@example.com"}),
    ],
)
def test_desk_commands_parse(text, args):
    block = commands.parse_block(text, Role.AGENT)
    assert not block.errors and block.commands[0].args == args
    assert commands.spec(block.commands[0]).asks is not None
    assert not commands.parse_block(text, Role.MANAGER).errors


@pytest.mark.parametrize(
    "text", ["#queue now", "#show", "#show 1 2", "#show x", "#find", "#find ?!", "#customer sam"]
)
def test_desk_commands_refuse_what_does_not_fit(text):
    block = commands.parse_block(text, Role.AGENT)
    assert block.errors and not block.commands


def test_owners_and_customers_do_not_ask_the_desk():
    assert commands.parse_block("#queue", Role.OWNER).errors
