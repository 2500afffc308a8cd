from email.header import Header

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maild.core import mail as parser
from tests.conftest import mail

LIMITS = {"max_attachment_bytes": 1000, "max_message_bytes": 100_000}


def parse(raw: bytes, **limits):
    return parser.parse(raw, **{**LIMITS, **limits})


def test_plain_mail():
    m = parse(mail(subject="Order", text="Where is it?", msgid="<a@x>"))
    assert (m.from_addr, m.from_name, m.from_strict) == ("sam@example.com", "Sam Customer", True)
    assert m.subject == "Order" and m.text == "Where is it?" and m.text_source == "plain"
    assert m.message_id == "<a@x>" and m.robot is None


def test_plain_part_wins_over_html():
    m = parse(mail(text="plain words", html="<p>html words</p>"))
    assert m.text == "plain words" and m.attachments == ()


def test_html_only_is_converted_with_layout():
    html = (
        "<html><body><p>Hello&nbsp;team,</p><table><tr><td>Order</td><td>4411</td></tr>"
        "</table><ul><li>kettle</li></ul><script>x()</script></body></html>"
    )
    m = parse(mail(text=None, html=html))
    assert m.text_source == "html"
    assert "Hello team," in m.text and "4411" in m.text and "kettle" in m.text
    assert "<" not in m.text and "x()" not in m.text


def test_encoded_subjects():
    raw = (
        b"From: =?iso-8859-1?q?J=FCrgen?= <j@example.de>\r\nTo: support@acme.example\r\n"
        b"Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=\r\nMessage-ID: <k@x>\r\n\r\nHallo\r\n"
    )
    m = parse(raw)
    assert m.subject == "Grüße aus Köln" and m.from_name == "Jürgen"
    m = parse(mail(subject="Ça ne marche pas — 注文"))
    assert m.subject == "Ça ne marche pas — 注文"


def test_latin1_body():
    raw = (
        b"From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\nSch\xf6ne Gr\xfc\xdfe\r\n"
    )
    assert parse(raw).text == "Schöne Grüße"


def test_attachments_kept_and_capped():
    m = parse(
        mail(
            attachments=(
                ("small.txt", "text/plain", b"tiny"),
                ("big.pdf", "application/pdf", b"x" * 5000),
            )
        )
    )
    small, big = m.attachments
    assert (small.filename, small.content, small.size) == ("small.txt", b"tiny", 4)
    assert (big.filename, big.content, big.size) == ("big.pdf", None, 5000)
    assert "big.pdf" in m.notes[0]


def test_oversized_mail_keeps_text_drops_attachments():
    m = parse(
        mail(text="please see", attachments=(("a.bin", "application/octet-stream", b"y" * 3000),)),
        max_message_bytes=1000,
    )
    assert m.text == "please see" and m.attachments[0].content is None
    assert "over the 1000-byte limit" in m.notes[0]


def test_missing_message_id_gets_a_stable_stand_in():
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse(raw).message_id == parse(raw).message_id
    assert parse(raw).message_id != parse(raw + b"more").message_id


def test_two_from_headers_or_two_addresses_are_not_strict():
    raw = b"From: a@example.com\r\nFrom: b@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse(raw).from_strict is False
    raw = b"From: a@example.com, b@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse(raw).from_strict is False


def test_unknown_charset_raises_for_quarantine():
    raw = (
        b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=x-nope\r\n"
        b"\r\nbody\r\n"
    )
    with pytest.raises(LookupError):
        parse(raw)


def _with_encoded_subject(subject: str) -> bytes:
    encoded = Header(subject, "utf-8").encode()
    return f"From: a@example.com\r\nSubject: {encoded}\r\nMessage-ID: <s@x>\r\n\r\nhi\r\n".encode()


@given(st.text(max_size=200))
def test_a_decoded_subject_is_always_one_clean_line(subject):
    m = parse(_with_encoded_subject(subject))
    assert not any(ord(c) < 32 or ord(c) == 127 for c in m.subject)
    assert m.subject == m.subject.strip()


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=200))
def test_printable_subjects_keep_their_words(subject):
    m = parse(_with_encoded_subject(subject))
    assert m.subject.split() == subject.split()
