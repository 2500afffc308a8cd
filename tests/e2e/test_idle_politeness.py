"""Polite while idling, safe against a server that reports late: `maild run` against a
real Dovecot behind a relay that counts what maild sends and, when told to, holds back
the new-mail reports Dovecot pushes during IDLE until maild asks (as a server that
only looks when asked does)."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from maild.adapters import imap
from tests.conftest import mail
from tests.e2e.test_imap import running
from tests.peers import maild_config

pytestmark = pytest.mark.dovecot
TAGGED = re.compile(rb"^[A-Za-z0-9.]+ ([A-Za-z]+)")


class Relay:
    """client <-> Dovecot; counts the client's commands; `late`: EXISTS lines that
    arrive while the client idles are held until the client sends something."""

    def __init__(self, target: int) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.target = target
        self.late = False
        self.commands: list[tuple[float, bytes]] = []
        self.held = b""
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, server]
            threading.Thread(target=self._up, args=(client, server), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket) -> None:
        try:
            while data := client.recv(65536):
                with self.lock:
                    for line in data.splitlines():
                        found = TAGGED.match(line)
                        if found or line.strip() == b"DONE":
                            self.commands.append(
                                (time.monotonic(), found.group(1) if found else b"DONE")
                            )
                    held, self.held = self.held, b""
                if held:
                    client.sendall(held)  # what the server "finds" when asked
                server.sendall(data)
        except OSError:
            pass

    def _down(self, server: socket.socket, client: socket.socket) -> None:
        try:
            while data := server.recv(65536):
                with self.lock:
                    if self.late and b" EXISTS" in data and data.startswith(b"* "):
                        self.held += data
                        continue
                client.sendall(data)
        except OSError:
            pass

    def count(self, since: float) -> int:
        with self.lock:
            return sum(1 for at, _ in self.commands if at >= since)

    def close(self) -> None:
        self.listener.close()
        for sock in self.sockets:
            sock.close()


def test_idle_is_quiet_on_a_pushing_server_and_safe_on_a_late_one(
    tmp_path, dovecot, imap_user, sink, monkeypatch
):
    # A check every 12 s instead of 300, so the test sees one; the quiet window before it
    # is 8 s (at idle_check_seconds = 2: 4 NOOPs, 4 IDLEs, 4 DONEs).
    monkeypatch.setattr(imap, "AUTO_CHECK_SECONDS", 12.0)
    relay = Relay(dovecot.port)
    cfg = maild_config(tmp_path / "maild.toml", dovecot, imap_user, sink.port, imap_port=relay.port)
    try:
        with running(cfg):
            # The first is found by the first SEARCH; the next ones are pushed in IDLE, and
            # the server earns trust by pushing.
            for n in range(imap.PROMPT_PUSHES + 1):
                dovecot.append(imap_user, mail(subject=f"m{n}", sender=f"c{n}@example.com"))
                assert wait_for(lambda n=n: sink.handler.to(f"c{n}@example.com"))
                if n < imap.PROMPT_PUSHES:
                    time.sleep(0.5)
            time.sleep(0.2)  # back in IDLE since the mail was taken, before its ack went
            quiet_from = time.monotonic()
            time.sleep(8)
            assert relay.count(quiet_from) == 0

            # Now the server reports late: the next check finds the mail, and from then
            # on the mailbox is checked every 2 s.
            relay.late = True
            dovecot.append(imap_user, mail(subject="late", sender="late@example.com"))
            assert wait_for(lambda: sink.handler.to("late@example.com"), 15)
            time.sleep(1)
            start = time.monotonic()
            dovecot.append(imap_user, mail(subject="after", sender="after@example.com"))
            assert wait_for(lambda: sink.handler.to("after@example.com"), 15)
            assert time.monotonic() - start < imap.LATE_CHECK_SECONDS + 2.5
    finally:
        relay.close()


def wait_for(predicate, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
