"""What maild writes on the wire to a relay offering PIPELINING (RFC 2920), and to one that
does not: a relay here is a plain socket that answers only once it has read what it expects."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from maild.adapters.transport import Relay as RelayAddress
from maild.adapters.transport import SmtpTransport

MAIL = b"From: support@acme.example\r\nSubject: hi\r\n\r\n.a line opening with a dot\r\n"


@dataclass
class Relay:
    """A relay that reads until the client's writes hold `expect` before answering anything:
    a client waiting for an answer in between never gets one (and the test times out)."""

    pipelining: bool
    sock: socket.socket = field(default_factory=socket.socket)
    heard: list[bytes] = field(default_factory=list)  # what each read held, in order

    def __post_init__(self) -> None:
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def serve(self) -> None:
        conn, _ = self.sock.accept()
        conn.settimeout(5)
        reader = conn.makefile("rb")
        conn.sendall(b"220 relay ESMTP\r\n")
        reader.readline()  # EHLO
        offer = b"250-PIPELINING\r\n" if self.pipelining else b""
        conn.sendall(b"250-relay\r\n" + offer + b"250 SIZE 10000000\r\n")
        if self.pipelining:
            envelope = self.read_until(reader, b"DATA\r\n")
            self.heard.append(envelope)  # everything before any answer
            conn.sendall(b"250 sender ok\r\n250 rcpt ok\r\n550 no such user\r\n354 go on\r\n")
        else:
            for answer in (b"250 sender ok", b"250 rcpt ok", b"550 no such user", b"354 go on"):
                self.heard.append(reader.readline())
                conn.sendall(answer + b"\r\n")
        self.heard.append(self.read_until(reader, b"\r\n.\r\n"))
        conn.sendall(b"250 queued\r\n")
        self.heard.append(reader.readline())  # QUIT
        conn.sendall(b"221 bye\r\n")
        conn.close()

    @staticmethod
    def read_until(reader, end: bytes) -> bytes:
        got = b""
        while not got.endswith(end):
            line = reader.readline()
            if not line:
                break
            got += line
        return got


@pytest.fixture(params=[True, False], ids=["pipelining", "step-by-step"])
def relay(request) -> Iterator[Relay]:
    relay = Relay(pipelining=request.param)
    yield relay
    relay.sock.close()


def test_the_envelope_is_pipelined_only_where_the_relay_offers_it(relay: Relay):
    transport = SmtpTransport(RelayAddress("127.0.0.1", relay.port, "none", timeout=5))
    refused = transport.send(
        "support+bounce-x@acme.example", ["sam@example.com", "nobody@example.com"], MAIL
    )
    transport.close()
    assert refused == {"nobody@example.com": (550, "550 no such user")}
    envelope = [
        b"MAIL FROM:<support+bounce-x@acme.example> SIZE=%d\r\n" % len(MAIL),
        b"RCPT TO:<sam@example.com>\r\n",
        b"RCPT TO:<nobody@example.com>\r\n",
        b"DATA\r\n",
    ]
    if relay.pipelining:  # one write, read before the relay said a word
        assert relay.heard[0] == b"".join(envelope)
    else:  # each command waited for its answer
        assert [line.upper() for line in relay.heard[:4]] == [e.upper() for e in envelope]
    # the message itself, dot-stuffed, then QUIT
    assert relay.heard[-2] == MAIL.replace(b"\r\n.a", b"\r\n..a") + b".\r\n"
    assert relay.heard[-1].upper() == b"QUIT\r\n"
