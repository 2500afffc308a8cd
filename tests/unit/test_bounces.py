"""Delivery status notifications (RFC 3464) and VERP addresses."""

from hypothesis import given
from hypothesis import strategies as st

from maild.core import bounces
from tests.integration.test_bounces import postfix_dsn

ORIGINAL = (
    b"From: support@acme.example\nTo: sam@example.com\nMessage-ID: <t1-abc.x@acme.example>\n\nHi"
)


def test_a_postfix_report_names_the_failure_and_our_mail():
    for headers_only in (False, True):
        raw = postfix_dsn(
            ORIGINAL, "support+bounce-x@acme.example", "sam@example.com", headers_only=headers_only
        )
        report = bounces.read(raw)
        assert report.message_id == "<t1-abc.x@acme.example>"
        [failed] = report.failures
        assert (failed.recipient, failed.status) == ("sam@example.com", "5.1.1")
        assert failed.words.startswith("550 5.1.1 <sam@example.com>: Recipient address rejected")


def test_only_failed_recipients_count():
    raw = postfix_dsn(ORIGINAL, "x@acme.example", "sam@example.com").replace(
        b"Action: failed", b"Action: delayed"
    )
    assert bounces.read(raw).failures == ()


def test_verp_addresses_are_ours_and_unguessable():
    one = bounces.verp_address("support@acme.example", b"k" * 32, "<a@acme.example>")
    two = bounces.verp_address("support@acme.example", b"k" * 32, "<b@acme.example>")
    assert one.startswith("support+bounce-") and one.endswith("@acme.example") and one != two
    assert bounces.verp_candidates((one.upper(), "sam@example.com"), "support@acme.example") == (
        one,
    )
    other_key = bounces.verp_address("support@acme.example", b"j" * 32, "<a@acme.example>")
    assert other_key != one


@given(st.binary(max_size=2000))
def test_any_bytes_read_without_crashing(raw):
    report = bounces.read(raw)
    assert all("@" in f.recipient for f in report.failures)
