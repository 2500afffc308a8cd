"""The SMTP intake's DATA reader: the mail as sent, dot-unstuffed, its first bytes
kept and its whole size counted, however the stream cuts its lines."""

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from maild.adapters.intake_smtp import read_data

LINES = st.lists(
    st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    max_size=30,
)


def on_the_wire(lines: list[bytes]) -> bytes:
    """RFC 5321 4.5.2: a line starting with a dot gets another; the lone dot ends it."""
    return b"".join((b"." + x if x.startswith(b".") else x) + b"\r\n" for x in lines) + b".\r\n"


def read(wire: bytes, keep: int, limit: int = 64):
    async def go():
        reader = asyncio.StreamReader(limit=limit)
        reader.feed_data(wire + b"QUIT\r\n")
        reader.feed_eof()
        return await read_data(reader, keep), await reader.read()

    return asyncio.run(go())


@given(LINES, st.integers(min_value=0, max_value=5000), st.sampled_from([16, 64, 4096]))
def test_the_mail_is_what_was_sent_and_the_rest_of_the_stream_stays(lines, keep, limit):
    mail = b"".join(x + b"\r\n" for x in lines)
    (kept, size), after = read(on_the_wire(lines), keep, limit)
    assert size == len(mail) and bytes(kept) == mail[:keep]
    assert after == b"QUIT\r\n"  # the next command is left for the SMTP session


def test_a_dot_line_ends_the_mail_only_at_the_start_of_a_line():
    long = b"x" * 100 + b".\r\n"  # a line longer than the buffer, ending in a dot
    (kept, size), _ = read(long + b"..\r\nend\r\n.\r\n", 10**6, limit=16)
    assert bytes(kept) == long + b".\r\nend\r\n" and size == len(kept)


def test_a_client_gone_mid_mail_gives_nothing():
    async def go():
        reader = asyncio.StreamReader()
        reader.feed_data(b"Subject: half\r\nand th")
        reader.feed_eof()
        return await read_data(reader, 100)

    assert asyncio.run(go()) is None
