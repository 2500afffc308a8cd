from email.header import Header

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maild.core import mail as parser
from maild.core import mime
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
    assert "big.pdf" in str(m.notes[0])


def test_oversized_mail_keeps_text_drops_attachments():
    m = parse(
        mail(text="please see", attachments=(("a.bin", "application/octet-stream", b"y" * 3000),)),
        max_message_bytes=1000,
    )
    assert m.text == "please see" and m.attachments[0].content is None
    assert "over the 1000-byte limit" in str(m.notes[0])


def test_missing_message_id_gets_a_stable_stand_in():
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse(raw).message_id == parse(raw).message_id
    assert parse(raw).message_id != parse(raw + b"more").message_id


def test_two_from_headers_or_two_addresses_are_not_strict():
    raw = b"From: a@example.com\r\nFrom: b@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse(raw).from_strict is False
    raw = b"From: a@example.com, b@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    assert parse(raw).from_strict is False


def test_a_misspelt_or_unknown_charset_is_read_with_a_note():
    for charset, guess in ((b"uft-8", "UTF-8"), (b"x-nope", "UTF-8")):
        raw = (
            b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset="
            + charset
            + b"\r\n\r\ncaf\xc3\xa9\r\n"
        )
        m = parse(raw)
        assert m.text == "caf\u00e9"
        assert tuple(map(str, m.notes)) == (
            f"The text was read as {guess}: its charset {charset.decode()!r} is unknown.",
        )
    latin = b"From: a@example.com\r\nContent-Type: text/plain; charset=latin-9x\r\n\r\ncaf\xe9"
    assert parse(latin).text == "caf\u00e9" and "CP1252" in str(parse(latin).notes[0])


def test_undeclared_8bit_utf8_is_read_as_utf8():
    raw = b"From: a@example.com\r\nContent-Type: text/plain\r\n\r\ncaf\xc3\xa9 \xc3\xbc\r\n"
    m = parse(raw)
    assert m.text == "caf\u00e9 \u00fc" and "declares no charset" in str(m.notes[0])


def test_a_line_break_encoded_in_the_display_name_is_read_but_not_strict():
    raw = (
        b"From: =?utf-8?q?Sam=0D=0ABcc=3A_x=40evil?= <sam@example.com>\r\n"
        b"Subject: =?utf-8?q?hi=0D=0AX-Evil=3A_1?=\r\n\r\nhello\r\n"
    )
    m = parse(raw)
    assert m.from_addr == "sam@example.com" and m.from_strict is False
    assert m.from_name == "Sam Bcc: x@evil" and m.subject == "hi X-Evil: 1"
    assert "From header was damaged" in str(m.notes[0])


def test_a_broken_rfc2231_filename_still_keeps_the_attachment():
    raw = (
        b"From: a@example.com\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        b"Content-Type: text/plain\r\n\r\nhello\r\n--XX\r\n"
        b"Content-Type: application/pdf; name*=utf-8''%E2%28\r\n"
        b"Content-Disposition: attachment; filename*=bogus'x\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--XX--\r\n"
    )
    m = parse(raw)
    assert m.text == "hello"
    [a] = m.attachments
    assert a.content == b"hello" and a.content_type == "application/pdf"


def test_nul_never_reaches_the_text():
    plain = b"From: a@example.com\r\nSubject: a\x00b\r\n\r\nhel\x00lo\r\n"
    b64 = (
        b"From: a@example.com\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\naGVsAGxv\r\n"
    )
    assert parse(plain).text == "hello" and "\x00" not in parse(plain).subject
    assert parse(b64).text == "hello"


def test_no_usable_sender_is_unreadable():
    for value in (b"", b"From: nobody\r\n", b"From: <<<>>>\r\n", b"From: undisclosed:;\r\n"):
        with pytest.raises(parser.Unreadable, match="no usable sender"):
            parse(value + b"Subject: x\r\n\r\nbody\r\n")


def test_a_huge_header_is_cut_with_a_note():
    raw = b"From: a@example.com\r\nSubject: " + b"word " * 400_000 + b"\r\n\r\nhi\r\n"
    m = parse(raw)
    assert m.text == "hi" and m.subject.startswith("word word")
    assert tuple(map(str, m.notes)) == (
        f"Header(s) Subject were cut to {mime.MAX_HEADER_CHARS} characters.",
    )


def test_too_deep_or_too_many_parts_are_read_for_their_headers_only():
    deep = b"From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    for n in range(mime.MAX_CONTAINERS + 1):
        deep += b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n)
    m = parse(deep + b"Content-Type: text/plain\r\n\r\nx\r\n")
    assert m.subject == "deep" and "MIME containers" in str(m.notes[0])
    flat = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n"
    flat += b"--X\r\nContent-Type: text/plain\r\n\r\np\r\n" * (mime.MAX_PARTS + 1)
    assert "MIME parts" in str(parse(flat + b"--X--\r\n").notes[0])


def test_the_content_key_ignores_what_each_delivery_adds():
    body = mail(msgid="<same@x>")
    hop1 = b"Received: from a by b; Mon, 23 Nov 2026 09:00:01 +0000\r\nDelivered-To: s@x\r\n"
    hop2 = (
        b"Return-Path: <sam@example.com>\r\nReceived: from c\r\n by d; Mon, 23 Nov 2026\r\n"
        b"X-Original-To: support@acme.example\r\nAuthentication-Results: mx; dkim=pass\r\n"
        b"ARC-Seal: i=1; a=rsa-sha256\r\n"
    )
    assert parser.content_hash(hop1 + body) == parser.content_hash(hop2 + body)
    assert parser.content_hash(body) != parser.content_hash(body.replace(b"Hello", b"Hallo"))
    assert parse(hop1 + body).content_hash == parse(hop2 + body).content_hash


@given(st.binary(max_size=2000))
def test_any_bytes_are_read_or_refused_as_unreadable(raw):
    try:
        m = parse(b"From: a@example.com\r\n" + raw)
    except parser.Unreadable:
        return
    assert "\x00" not in m.text and "\x00" not in m.subject


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


@pytest.mark.parametrize("size", [10, mime.STUB_BYTES - 100, mime.STUB_BYTES + 1, 3_000_000])
def test_big_bodies_are_read_from_the_raw_bytes_exactly(size):
    data = bytes(range(256)) * (size // 256 + 1)
    text = ("Grüße, " * (size // 8 + 1))[: size // 2]
    raw = mail(text=text, attachments=(("blob.bin", "application/octet-stream", data),))
    m = parse(raw, max_attachment_bytes=10**8, max_message_bytes=10**8)
    [attachment] = m.attachments
    assert attachment.content == data and attachment.filename == "blob.bin"
    assert m.text == text.strip()[: parser.MAX_TEXT_CHARS]


@given(st.lists(st.integers(0, 3 * mime.STUB_BYTES), min_size=1, max_size=4))
def test_stubbed_or_not_every_attachment_comes_back_whole(sizes):
    files = tuple(
        (f"f{n}.bin", "application/octet-stream", bytes([n]) * size) for n, size in enumerate(sizes)
    )
    m = parse(mail(attachments=files), max_attachment_bytes=10**8, max_message_bytes=10**8)
    assert [a.content for a in m.attachments] == [f[2] for f in files]


def test_a_text_over_the_cap_is_cut_with_a_note():
    m = parse(mail(text="x" * (parser.MAX_TEXT_CHARS + 10)), max_message_bytes=10**8)
    assert len(m.text) == parser.MAX_TEXT_CHARS and "the whole mail is kept" in str(m.notes[0])


_HEADER_NAMES = st.sampled_from(["Content-Type", "content-type", "From", "Subject", "To", "X-Any"])
_HEADER_VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(['text/plain; charset="utf-8"', "multipart/mixed; boundary=x", "a <b@c.d>"]),
)


def _reading(registry, name, value):
    """What a header parse gives: its words, name, defects and parameters, or the
    error it raises."""
    try:
        h = registry(name, value)
    except Exception as exc:  # the email package raises on some damaged values
        return type(exc)
    defects = [type(d) for d in h.defects]
    return (str(h), h.name, defects, getattr(h, "params", None))


@given(_HEADER_NAMES, _HEADER_VALUES)
def test_shared_headers_read_as_the_stock_registry_reads_them(name, value):
    from email.headerregistry import HeaderRegistry

    value = value.replace("\r", "").replace("\n", "")
    shared = mime._Headers()
    first = _reading(shared, name, value)
    assert first == _reading(HeaderRegistry(), name, value)
    assert _reading(shared, name, value) == first  # a second look, from the cache


def test_two_mails_with_the_same_content_type_each_read_their_own_body():
    one = parser.parse(mail("x", "first words", sender="a@example.com"), **LIMITS)
    two = parser.parse(mail("y", "second words", sender="b@example.com"), **LIMITS)
    assert (one.text, two.text) == ("first words", "second words")


# Headers as mail clients read them ------------------------------------------------
@pytest.mark.parametrize(
    ("head", "addr", "name", "subject"),
    [
        # an old mailer's raw Latin-1 bytes, in the name and the subject
        (
            b"From: H\xe5vard Hansen <h@example.no>\r\nSubject: Gr\xfc\xdfe",
            "h@example.no",
            "Håvard Hansen",
            "Grüße",
        ),
        # raw UTF-8 bytes (RFC 6532)
        (
            b"From: H\xc3\xa5vard <h@example.no>\r\nSubject: \xc3\xa6\xc3\xb8\xc3\xa5",
            "h@example.no",
            "Håvard",
            "æøå",
        ),
        # the comment is the name
        (
            b"From: marc@example.com (Marc Smith)\r\nSubject: x",
            "marc@example.com",
            "Marc Smith",
            "x",
        ),
        # adjacent encoded words join without the space between them (RFC 2047 6.2)
        (
            b"From: =?utf-8?Q?B=C3=84KO?= =?utf-8?Q?Sch=C3=B6nland?= <b@example.de>\r\n"
            b"Subject: =?utf-8?Q?B=C3=84KO?= =?utf-8?Q?Sch=C3=B6nland?=",
            "b@example.de",
            "BÄKOSchönland",
            "BÄKOSchönland",
        ),
        # a subject encoded in GB2312 that holds GBK
        (
            b"From: a@example.cn\r\nSubject: =?gb2312?B?ztLDx7XEsvrGtw==?=",
            "a@example.cn",
            "",
            "我们的产品",
        ),
    ],
)
def test_headers_read_as_mail_clients_read_them(head, addr, name, subject):
    m = parse(head + b"\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nHei\r\n")
    assert (m.from_addr, m.from_name, m.subject, m.text) == (addr, name, subject, "Hei")


def test_8bit_header_bytes_in_the_mails_own_charset():
    raw = (
        b"From: \xc8\xe2\xe0\xed <ivan@example.ru>\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=windows-1251\r\n\r\n\xcf\xf0\xe8\xe2\xe5\xf2\r\n"
    )
    m = parse(raw)
    assert (m.from_name, m.text) == ("Иван", "Привет")


@pytest.mark.parametrize(
    ("head", "answered", "note"),
    [
        (b"Reply-To: Sam <sam@example.com>", "sam@example.com", "Reply-To address"),
        (b"Sender: sam@example.com", "sam@example.com", "Sender address"),
        (b"From: undisclosed\r\nFrom: Sam <sam@example.com>", "sam@example.com", "From header 2"),
        (b"From: nobody\r\nReply-To: sam@example.com", "sam@example.com", "Reply-To address"),
    ],
)
def test_no_usable_from_answers_the_address_there_is(head, answered, note):
    m = parse(head + b"\r\nSubject: x\r\n\r\nHi\r\n")
    assert (m.from_addr, m.from_strict) == (answered, False)
    assert note in str(m.notes[0])


@pytest.mark.parametrize(
    "first", [b"From sam@example.com Mon Jan  1 00:00:00 2024", b"garbage line here", b"\x00junk"]
)
def test_a_junk_or_mbox_line_before_the_headers_is_skipped(first):
    m = parse(first + b"\r\nFrom: Sam <sam@example.com>\r\nSubject: x\r\n\r\nHi\r\n")
    assert (m.from_addr, m.subject, m.text) == ("sam@example.com", "x", "Hi")


def test_a_parameter_without_a_value_does_not_stop_the_mail():
    raw = (
        b"From: sam@example.com\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nHi\r\n--b\r\n"
        b"Content-Type: application/pdf; name*\r\nContent-Disposition: attachment; filename*\r\n"
        b"\r\n%PDF\r\n--b--\r\n"
    )
    m = parse(raw)
    assert m.text == "Hi" and [a.content_type for a in m.attachments] == ["application/pdf"]


@pytest.mark.parametrize(
    ("label", "data", "text"),
    [
        (b"gb2312", "我們的產品 鍶".encode("gb18030"), "我們的產品 鍶"),
        (b"GB2312", "€".encode("gb18030"), "€"),
        (b"iso-8859-1", b"\x80 \x93ok\x94", "€ “ok”"),
        (b"us-ascii", b"caf\xe9 \x96 ok", "café \u2013 ok"),
        (b"ks_c_5601-1987", "똠방각하".encode("cp949"), "똠방각하"),
        (b"Shift_JIS", "①ｱ".encode("cp932"), "①ｱ"),
        (b"iso-8859-8-i", "שלום".encode("iso8859-8"), "שלום"),
        (b"windows-1251", "Привет".encode("cp1251"), "Привет"),
        (b"iso-2022-jp", "日本語".encode("iso2022_jp"), "日本語"),
        # valid UTF-8 under another label: it is UTF-8
        (b"gb2312", "你好".encode(), "你好"),
    ],
)
def test_charsets_as_labelled_in_the_wild(label, data, text):
    raw = b"From: a@example.com\r\nContent-Type: text/plain; charset=" + label + b"\r\n\r\n"
    assert parse(raw + data).text == text


def test_an_attached_mail_nobody_named_is_named_from_its_subject():
    def forwarded(subject: bytes) -> bytes:
        return (
            b"From: sam@example.com\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
            b"Content-Type: text/plain\r\n\r\nSee attached\r\n--b\r\n"
            b"Content-Type: message/rfc822\r\n\r\nFrom: x@example.com\r\n"
            + subject
            + b"\r\n\r\nnotes\r\n--b--\r\n"
        )

    [a] = parse(forwarded(b"Subject: Meeting notes")).attachments
    assert (a.filename, a.content_type) == ("Meeting notes.eml", "message/rfc822")
    assert b"notes" in (a.content or b"")
    [a] = parse(forwarded(b"Subject: =?utf-8?q?Q3/Q4_plan?=")).attachments
    assert a.filename == "Q3_Q4 plan.eml"
    [a] = parse(forwarded(b"X-Nothing: 1")).attachments
    assert a.filename == "forwarded mail.eml"


@pytest.mark.parametrize(
    "sender", [b"MAILER-DAEMON", b"<>", b"Mail Delivery System <>", b"postmaster"]
)
def test_a_bounce_with_no_address_is_a_robot(sender):
    m = parse(b"From: " + sender + b"\r\nSubject: Undelivered Mail\r\n\r\nbounce\r\n")
    assert m.from_addr is None and m.robot is not None and "bounce" in m.robot


_NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda s: s.strip() == s and "  " not in s)


@given(_NAME, st.integers(min_value=1, max_value=8))
def test_a_name_split_into_adjacent_encoded_words_reads_back_whole(name, pieces):
    """RFC 2047 6.2: the space between adjacent encoded words is no part of the name."""
    size = max(1, len(name) // pieces)
    chunks = [name[i : i + size] for i in range(0, len(name), size)]
    words = " ".join(Header(c, "utf-8").encode() for c in chunks)
    raw = b"From: " + words.encode() + b" <sam@example.com>\r\nSubject: x\r\n\r\nhi\r\n"
    m = parse(raw)
    assert m.from_addr == "sam@example.com" and m.from_name == " ".join(name.split())
