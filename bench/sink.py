"""An SMTP sink in its own process, so it never competes with the sender for the GIL.

python bench/sink.py PORT [LOG]   prints "ready", accepts and discards every mail,
                                  counts them; SIGTERM prints the count and exits.
                                  With LOG, one line per mail, tab-separated: its
                                  arrival (time.monotonic(), one clock for every
                                  process of the machine), recipients, Message-ID,
                                  X-Maild-Ticket, Reply-To, Subject (bench/soak.py).
It offers PIPELINING as Postfix does (aiosmtpd reads pipelined commands in order but
does not say so); MAILD_SINK_PIPELINING=0 makes it a relay without, answered step by step.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import IO

from aiosmtpd.controller import Controller

FIELDS = ("Message-ID", "X-Maild-Ticket", "Reply-To", "Subject")


class Discard:
    def __init__(self, log: IO[str] | None = None) -> None:
        self.count = 0
        self.log = log
        self.parser = BytesHeaderParser(policy=compat32)
        self.pipelining = os.environ.get("MAILD_SINK_PIPELINING", "1") != "0"

    async def handle_EHLO(
        self, server: object, session: object, envelope: object, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname  # type: ignore[attr-defined]
        if self.pipelining:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        if self.log is not None:
            self.write(envelope)
        return "250 OK"

    def write(self, envelope: object) -> None:
        at = time.monotonic()
        raw = bytes(envelope.original_content)  # type: ignore[attr-defined]
        head = self.parser.parsebytes(raw.split(b"\r\n\r\n", 1)[0])
        values = [" ".join(str(head.get(f, "")).split()) for f in FIELDS]
        rcpts = ",".join(envelope.rcpt_tos)  # type: ignore[attr-defined]
        assert self.log is not None
        self.log.write("\t".join([f"{at:.4f}", rcpts, *values]) + "\n")


def main() -> None:
    log = open(sys.argv[2], "a", buffering=1) if len(sys.argv) > 2 else None  # noqa: SIM115
    handler = Discard(log)
    # Room for a 25 MB file in base64 (aiosmtpd refuses over 32 MiB by default).
    controller = Controller(
        handler, hostname="127.0.0.1", port=int(sys.argv[1]), data_size_limit=200_000_000
    )
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    controller.stop()
    if log is not None:
        log.close()
    print(handler.count, flush=True)


if __name__ == "__main__":
    main()
