"""An SMTP and LMTP intake on a local port, for an MTA or for trying maild out.

A mail is answered 250 only after its commit; a transient failure answers
451 so the sending MTA keeps it and retries. The intake speaks what the client
speaks, whatever `protocol` says: a client that greets with LHLO (Postfix's or
Exim's LMTP delivery) gets LMTP, one answer per recipient as RFC 2033 asks;
one that greets with EHLO or HELO gets SMTP. A mismatch between the config and
the MTA must never end in "500 command not recognized", which makes the MTA
bounce a customer's mail. maild takes the mail once whatever the number of
recipients.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, syntax

from maild.core.intake import Outcome, RawMail, TransientError

log = logging.getLogger(__name__)


class IntakeHandler:
    def __init__(self, ingest: Callable[[Sequence[RawMail]], list[Outcome]]) -> None:
        self.ingest = ingest

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        sender = (envelope.mail_from or "").strip("<>")
        raw = f"Return-Path: <{sender}>\r\n".encode() + bytes(envelope.original_content)
        loop = asyncio.get_running_loop()
        try:
            [outcome] = await loop.run_in_executor(None, self.ingest, [RawMail(raw, "smtp")])
        except TransientError as exc:
            log.warning("smtp intake: transient failure: %s", exc)
            return self._each(
                server, envelope, "451 4.3.0 Temporary failure, please try again later"
            )
        log.info("smtp intake: %s %s", outcome.verdict, outcome.ticket_id or "")
        return self._each(server, envelope, "250 2.0.0 Message accepted")

    @staticmethod
    def _each(server: Any, envelope: Any, reply: str) -> str:
        """SMTP: one reply. LMTP: one reply per recipient."""
        count = len(envelope.rcpt_tos) if getattr(server, "lmtp", False) else 1
        return "\r\n".join([reply] * max(count, 1))


class EitherProtocol(SMTP):
    """SMTP for a client that says EHLO or HELO, LMTP for one that says LHLO."""

    lmtp = False
    expected = "smtp"  # what the config says: a mismatch is logged, then served

    @syntax("LHLO hostname")
    async def smtp_LHLO(self, arg: str) -> None:
        self.lmtp = True
        if self.expected != "lmtp":
            log.info('an LMTP client on the intake: answering in LMTP (protocol = "lmtp")')
        await super().smtp_EHLO(arg)


class IntakeController(Controller):
    def __init__(self, *args: Any, protocol: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.protocol = protocol

    def factory(self) -> SMTP:
        server = EitherProtocol(self.handler, **self.SMTP_kwargs)
        server.expected = self.protocol
        return server


def start_intake(
    ingest: Callable[[Sequence[RawMail]], list[Outcome]],
    host: str,
    port: int,
    max_bytes: int,
    protocol: str = "smtp",
) -> Controller:
    controller = IntakeController(
        IntakeHandler(ingest),
        hostname=host,
        port=port,
        data_size_limit=max_bytes,
        protocol=protocol,
    )
    controller.start()
    log.info("intake listening on %s:%s (SMTP and LMTP)", host, port)
    return controller
