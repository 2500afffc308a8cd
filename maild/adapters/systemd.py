"""sd_notify: tell systemd we are ready, alive, or stopping. A no-op elsewhere."""

from __future__ import annotations

import os
import socket


def notify(state: str) -> None:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(state.encode())


def waiting(status: str, seconds: float) -> None:
    """Still starting: say why, and ask systemd for the time before the next try."""
    notify(f"STATUS={status}")
    notify(f"EXTEND_TIMEOUT_USEC={int((seconds + 30) * 1_000_000)}")


def watchdog_interval() -> float | None:
    usec = os.environ.get("WATCHDOG_USEC")
    return int(usec) / 2_000_000 if usec and usec.isdigit() else None
