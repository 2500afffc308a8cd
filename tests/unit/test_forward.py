"""Inline forwards as each client writes them, in four languages."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maild.core import forward
from tests.forwards import FORMS, ORIGINAL, forwarded


@pytest.mark.parametrize(
    ("client", "lang", "block"), FORMS, ids=[f"{c}-{lang}" for c, lang, _ in FORMS]
)
def test_each_client_and_language(client, lang, block):
    found = forward.find_inline(forwarded(block, "#priority high\n\nLena wrote to me directly."))
    assert found is not None
    assert (found.sender, found.sender_name) == ("lena@example.org", "Lena Berg")
    assert found.subject == "Refund please"
    assert found.text == ORIGINAL
    assert found.above == "#priority high\n\nLena wrote to me directly."
    assert found.date is not None, found.date_text
    local = found.date.replace(tzinfo=None)
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2026, 12, 7, 10, 15)
    zoned = any(z in found.date_text for z in ("CET", "MEZ", "UTC+1", "+0100"))
    assert found.date.utcoffset() == (timedelta(hours=1) if zoned else timedelta(0))


def test_a_quoted_forward_is_read_too():
    quoted = "\n".join("> " + line for line in forwarded(FORMS[0][2], "").splitlines())
    found = forward.find_inline("see below\n" + quoted)
    assert found is not None and found.sender == "lena@example.org"
    assert found.text == ORIGINAL


def test_no_forward_no_sender():
    assert forward.find_inline("Hello,\nFrom: the start it was broken.\n") is None
    assert forward.find_inline("---------- Forwarded message ---------\nFrom: nobody\n\nx") is None
    assert forward.find_inline("") is None


def test_dates_as_written():
    assert forward.read_date("Mon, 7 Dec 2026 10:15:00 +0100") == datetime(
        2026, 12, 7, 9, 15, tzinfo=UTC
    )
    assert forward.read_date("07.12.2026 10:15") == datetime(2026, 12, 7, 10, 15, tzinfo=UTC)
    assert forward.read_date("12/7/2026 10:15 PM") == datetime(2026, 12, 7, 22, 15, tzinfo=UTC)
    assert forward.read_date("sometime last week") is None


@given(st.text(max_size=400))
def test_any_text_reads_without_crashing(text):
    found = forward.find_inline(text)
    assert found is None or "@" in found.sender
    forward.read_date(text)
