"""An SMTP (or LMTP) intake on a local port, for an MTA or for trying maild out.

A mail is answered 250 only after its commit; a transient failure answers
451 so the sending MTA keeps it and retries. LMTP (for Postfix's or Exim's
local delivery) answers once per recipient, as RFC 2033 asks; maild takes the
mail once whatever the number of recipients.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP

from maild.services.ingest import Outcome, RawMail, TransientError

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
        count = len(envelope.rcpt_tos) if isinstance(server, LMTP) else 1
        return "\r\n".join([reply] * max(count, 1))


class LmtpController(Controller):
    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def start_intake(
    ingest: Callable[[Sequence[RawMail]], list[Outcome]],
    host: str,
    port: int,
    max_bytes: int,
    protocol: str = "smtp",
) -> Controller:
    kind = LmtpController if protocol == "lmtp" else Controller
    controller = kind(IntakeHandler(ingest), hostname=host, port=port, data_size_limit=max_bytes)
    controller.start()
    log.info("%s intake listening on %s:%s", protocol, host, port)
    return controller
