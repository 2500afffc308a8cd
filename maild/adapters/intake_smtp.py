"""An SMTP (or LMTP) intake on a local port, for an MTA or for trying maild out.

A mail is answered 250 only after its commit; a transient failure answers
451 so the sending MTA keeps it and retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from aiosmtpd.controller import Controller

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
            return "451 4.3.0 Temporary failure, please try again later"
        log.info("smtp intake: %s %s", outcome.verdict, outcome.ticket_id or "")
        return "250 2.0.0 Message accepted"


def start_intake(
    ingest: Callable[[Sequence[RawMail]], list[Outcome]], host: str, port: int, max_bytes: int
) -> Controller:
    controller = Controller(
        IntakeHandler(ingest), hostname=host, port=port, data_size_limit=max_bytes
    )
    controller.start()
    log.info("smtp intake listening on %s:%s", host, port)
    return controller
