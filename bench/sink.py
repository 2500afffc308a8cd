"""An SMTP sink in its own process, so it never competes with the sender for the GIL.

python bench/sink.py PORT     prints "ready", accepts and discards every mail,
                              counts them; SIGTERM prints the count and exits.
"""

from __future__ import annotations

import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Discard:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 OK"


def main() -> None:
    handler = Discard()
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
    print(handler.count, flush=True)


if __name__ == "__main__":
    main()
