"""An SMTP and LMTP intake on a local port, for an MTA or for trying maild out.

A mail is answered 250 only after its commit; a transient failure answers
451 so the sending MTA keeps it and retries. The intake speaks what the client
speaks, whatever `protocol` says: a client that greets with LHLO (Postfix's or
Exim's LMTP delivery) gets LMTP, one answer per recipient as RFC 2033 asks;
one that greets with EHLO or HELO gets SMTP. A mismatch between the config and
the MTA must never end in "500 command not recognized", which makes the MTA
bounce a customer's mail. maild takes the mail once whatever the number of
recipients.

Big mail is kept as the IMAP intake keeps it: a mail over `max_message_bytes`
is read for its first `max_message_bytes` only (its text; the attachments are
named on the ticket, their content dropped), and the rest is counted, not
held, so memory follows the cap whatever the size. Only a mail over the hard
limit (`[intake.smtp] max_bytes`, well above the cap) is refused, with 552 and
a log line.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, syntax

from maild.core.intake import Outcome, RawMail, TransientError

log = logging.getLogger(__name__)
_SIZE = re.compile(rb"\bSIZE=(\d+)", re.IGNORECASE)


class IntakeUnavailable(Exception):
    """The intake's address cannot be listened on: the message says why, in a line."""


@dataclass(frozen=True)
class Sizes:
    """How much of a mail is read (the rest is counted), and over what it is refused."""

    keep: int  # max_message_bytes
    refuse_over: int  # the hard limit

    def too_big(self, size: int) -> str:
        return (
            f"552 5.3.4 Message too big: {size} bytes, this intake takes at most {self.refuse_over}"
        )


class IntakeHandler:
    def __init__(
        self, ingest: Callable[[Sequence[RawMail]], list[Outcome]], sizes: Sizes | None = None
    ) -> None:
        self.ingest = ingest
        self.sizes = sizes

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        sender = (envelope.mail_from or "").strip("<>")
        head = f"Return-Path: <{sender}>\r\n".encode()
        raw = head + bytes(envelope.original_content)
        envelope.content = envelope.original_content = b""  # one copy in memory, not two
        whole = getattr(server, "whole_size", None)  # set when the rest was only counted
        size = whole + len(head) if whole else None
        loop = asyncio.get_running_loop()
        try:
            [outcome] = await loop.run_in_executor(
                None, self.ingest, [RawMail(raw, "smtp", size=size)]
            )
        except TransientError as exc:
            log.warning("smtp intake: transient failure: %s", exc)
            return per_recipient(
                server, envelope, "451 4.3.0 Temporary failure, please try again later"
            )
        if size is not None and self.sizes is not None:
            log.warning(
                "smtp intake: %s #%s: a mail of %d bytes from <%s>, over max_message_bytes "
                "(%d): its first %d bytes were read and its text kept; the attachments past "
                "them were dropped (named on the ticket: maild ticket %s)",
                outcome.verdict,
                outcome.ticket_id or "-",
                size,
                sender,
                self.sizes.keep,
                self.sizes.keep,
                outcome.ticket_id or "-",
            )
        log.info("smtp intake: %s %s", outcome.verdict, outcome.ticket_id or "")
        return per_recipient(server, envelope, "250 2.0.0 Message accepted")


def per_recipient(server: Any, envelope: Any, reply: str) -> str:
    """SMTP: one reply. LMTP: one reply per recipient."""
    count = len(envelope.rcpt_tos) if getattr(server, "lmtp", False) else 1
    return "\r\n".join([reply] * max(count, 1))


class EitherProtocol(SMTP):
    """SMTP for a client that says EHLO or HELO, LMTP for one that says LHLO."""

    lmtp = False
    expected = "smtp"  # what the config says: a mismatch is logged, then served
    sizes = Sizes(keep=2**25, refuse_over=2**25)
    whole_size: int | None = None  # the mail in hand's, when only its first bytes are kept

    async def smtp_MAIL(self, arg: str | None) -> None:
        """A client that declares a size over the hard limit (SIZE=) is refused at
        once, and the log says so."""
        params = (arg or "").rpartition(">")[2]  # after the address: SIZE=<n> and the like
        declared = _SIZE.search(params.encode())
        if declared and int(declared[1]) > self.sizes.refuse_over:
            log.warning(
                "smtp intake: refused a mail from %s: it declares %s bytes, over max_bytes (%d)",
                (arg or "").split()[0].removeprefix("FROM:").removeprefix("from:"),
                declared[1].decode(),
                self.sizes.refuse_over,
            )
            await self.push(self.sizes.too_big(int(declared[1])))
            return
        await super().smtp_MAIL(arg)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        """aiosmtpd's DATA, but holding only the first `keep` bytes: the rest of a
        big mail is counted as it streams by, so memory follows the cap."""
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            read = await read_data(self._reader, self.sizes.keep)
        except asyncio.CancelledError:  # the connection was reset: aiosmtpd cancels us
            self._writer.close()
            raise
        if read is None:
            log.info("smtp intake: the connection was lost during DATA")
            self._writer.close()
            return
        kept, size = read
        del read
        if size > self.sizes.refuse_over:
            log.warning(
                "smtp intake: refused a mail of %d bytes from <%s>: over max_bytes (%d)",
                size,
                (self.envelope.mail_from or "").strip("<>"),
                self.sizes.refuse_over,
            )
            reply = per_recipient(self, self.envelope, self.sizes.too_big(size))
            self._set_post_data_state()  # type: ignore[no-untyped-call]
            await self.push(reply)
            return
        self.whole_size = size if size > len(kept) else None
        self.envelope.content = self.envelope.original_content = bytes(kept)
        del kept  # the handler's copy is the one that lives on
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()  # type: ignore[no-untyped-call]
        await self.push(status)

    @syntax("LHLO hostname")
    async def smtp_LHLO(self, arg: str) -> None:
        self.lmtp = True
        if self.expected != "lmtp":
            log.info('an LMTP client on the intake: answering in LMTP (protocol = "lmtp")')
        await super().smtp_EHLO(arg)


async def read_data(reader: asyncio.StreamReader, keep: int) -> tuple[bytearray, int] | None:
    """The mail up to the lone dot, dot-unstuffed (RFC 5321 4.5.2): its first `keep`
    bytes, and its whole size; None when the client went away first. A line longer
    than the stream's buffer is read in pieces, and a line starts only after CRLF,
    however the pieces fell."""
    kept = bytearray()
    size = 0
    tail = b"\r\n"  # the stream's last two bytes: a line starts after CRLF
    while True:
        try:
            piece = await reader.readuntil(b"\r\n")
        except asyncio.LimitOverrunError as exc:
            piece = await reader.read(max(exc.consumed, 1))
        except asyncio.IncompleteReadError:
            return None  # the client went away mid-mail: nothing is taken
        at_start = tail == b"\r\n"
        if at_start and piece == b".\r\n":
            return kept, size
        if at_start and piece.startswith(b"."):
            piece = piece[1:]
        tail = (tail + piece)[-2:]
        size += len(piece)
        if len(kept) < keep:
            kept += piece[: keep - len(kept)]


class IntakeController(Controller):
    def __init__(self, *args: Any, protocol: str, sizes: Sizes, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        self.sizes = sizes

    def factory(self) -> SMTP:
        server = EitherProtocol(self.handler, **self.SMTP_kwargs)
        server.expected = self.protocol
        server.sizes = self.sizes
        return server


def start_intake(
    ingest: Callable[[Sequence[RawMail]], list[Outcome]],
    host: str,
    port: int,
    max_bytes: int,
    protocol: str = "smtp",
    refuse_over: int | None = None,
) -> Controller:
    """Listen on host:port. `max_bytes`: how much of a mail is read (max_message_bytes);
    `refuse_over`: the hard limit (default four times that)."""
    sizes = Sizes(max_bytes, refuse_over or 4 * max_bytes)
    free(host, port)
    controller = IntakeController(
        IntakeHandler(ingest, sizes),
        hostname=host,
        port=port,
        data_size_limit=sizes.refuse_over,  # what EHLO announces as SIZE
        protocol=protocol,
        sizes=sizes,
    )
    try:
        controller.start()
    except OSError as exc:  # taken between the check and the start: rare
        if not controller.loop.is_closed():
            controller.loop.close()
        raise IntakeUnavailable(unavailable(host, port, exc)) from exc
    log.info("intake listening on %s:%s (SMTP and LMTP)", host, port)
    return controller


def free(host: str, port: int) -> None:
    """Bind and let go, as asyncio would bind (SO_REUSEADDR: a port left in
    TIME_WAIT by a restart is free): aiosmtpd finds a taken port only after its
    whole ready_timeout, and leaves its loop open."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise IntakeUnavailable(unavailable(host, port, exc)) from exc


def unavailable(host: str, port: int, exc: OSError) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return f"{where} is in use: is maild already running? `maild status`"
    if exc.errno == errno.EACCES:
        return f"{where}: permission denied (a port under 1024 needs privileges)"
    return f"{where}: {exc.strerror or exc}"
