"""Header rendering: whatever a customer puts in a subject or name stays one header."""

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maild.adapters.render import Renderer, default_templates_dir
from maild.core.notices import Notice
from maild.core.text import duration_words

RENDERER = Renderer(default_templates_dir(), "support@acme.example", "Acme Support")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EXPECTED = {
    "from",
    "to",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "auto-submitted",
    "x-auto-response-suppress",
    "x-maild-loop",
    "x-maild-ticket",
    "mime-version",
    "content-type",
}


def notice(subject: str, name: str) -> Notice:
    return Notice(
        template="customer/ack",
        to_addr="sam@example.com",
        to_name=name,
        ticket_id=12,
        message_id="<t12-abc.def@acme.example>",
        reply_to="support+t12-abc@acme.example",
        in_reply_to="<orig@example.com>",
        references=("<orig@example.com>", "not an id\r\nBcc: x@evil"),
        auto_submitted="auto-replied",
        context={
            "ticket_id": 12,
            "subject": subject,
            "support_name": "Acme Support",
            "customer_name": name,
        },
    )


@settings(max_examples=200)
@given(st.text(max_size=120), st.text(max_size=60))
def test_no_header_injection(subject, name):
    raw = RENDERER.render(notice(subject, name), NOW)
    head = raw.split(b"\r\n\r\n", 1)[0]
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert {k.lower() for k in msg} == EXPECTED
    assert all(len(msg.get_all(k)) == 1 for k in msg)
    assert b"\nBcc:" not in head and "\n" not in str(msg["subject"])
    assert str(msg["subject"]).startswith("[#12]")
    assert msg["to"].addresses[0].addr_spec == "sam@example.com"


def test_rendered_mail_has_text_and_html_and_loop_headers():
    raw = RENDERER.render(notice("Kettle <b>broken</b>", "Sam"), NOW)
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "ticket #12" in text and "Kettle <b>broken</b>" in text
    assert "&lt;b&gt;broken&lt;/b&gt;" in html  # escaped in HTML
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Maild-Loop"] == "support@acme.example"
    assert msg["References"] == "<orig@example.com>"  # the junk reference was dropped
    assert raw == RENDERER.render(notice("Kettle <b>broken</b>", "Sam"), NOW)  # exact bytes


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (0.0, "less than an hour"),
        (0.04, "less than an hour"),
        (1 / 24, "1 hour"),
        (0.5, "12 hours"),
        (1.0, "1 day"),
        (1.04, "1 day"),
        (1.5, "1.5 days"),
        (3.0, "3 days"),
    ],
)
def test_a_wait_is_said_as_a_person_says_it(days, words):
    assert str(duration_words(days)) == words


@given(st.floats(min_value=0, max_value=10_000, allow_nan=False))
def test_a_wait_never_reads_zero_or_one_days(days):
    said = str(duration_words(days))
    assert not said.startswith(("0 ", "0.0", "1 days", "1 hours")) and "e+" not in said
