"""systemd's watchdog is fed only while every worker makes progress; STATUS= says what
each one does. A real datagram socket stands in for systemd's notify socket."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from maild.core.intake import RawMail
from maild.daemon import Daemon
from maild.health import Health
from tests.conftest import mail


@pytest.fixture
def notify(tmp_path, monkeypatch):
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.1)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")  # feed at least every 0.5 s
    heard: list[tuple[float, str]] = []
    done = threading.Event()

    def listen() -> None:
        while not done.is_set():
            try:
                heard.append((time.monotonic(), sock.recv(4096).decode()))
            except TimeoutError:
                continue

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    yield heard
    done.set()
    thread.join()
    sock.close()


class StuckTransport:
    """A relay conversation that never ends (our own port, faked): a hung worker."""

    release = threading.Event()

    def send(self, envelope_from, recipients, raw):
        self.release.wait(60)
        return {}

    def close(self):
        return None


def test_a_hung_worker_stops_the_watchdog_and_status_names_it(make_app, notify):
    app = make_app(smtp={"host": "127.0.0.1", "port": 1, "security": "none", "timeout": 0.5})
    daemon = Daemon(app, None, health=Health(grace=0.5))
    thread = threading.Thread(target=daemon.serve, daemon=True)
    thread.start()
    try:
        time.sleep(3)
        fed = [t for t, m in notify if m == "WATCHDOG=1"]
        assert len(fed) >= 2  # all well: fed as often as the main loop ticks (1 s)
        assert any("outbox: idle" in m and "scheduler" in m for _, m in notify)
        app.sender.transport = StuckTransport
        app.ingest([RawMail(mail())])  # wakes the sender, which hangs
        stuck_at = time.monotonic()
        deadline = stuck_at + 15
        while time.monotonic() < deadline and not any("STUCK" in m for _, m in notify):
            time.sleep(0.2)
        [(noticed, status)] = [(t, m) for t, m in notify if "STUCK" in m][:1]
        assert "outbox: STUCK, sending" in status
        time.sleep(2)
        assert not [t for t, m in notify if m == "WATCHDOG=1" and t > noticed + 0.1]
    finally:
        StuckTransport.release.set()
        daemon.stop.set()
        thread.join(timeout=30)
    assert "READY=1" in [m for _, m in notify]
