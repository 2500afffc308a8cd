"""A mail with a 20 MB file, `maild run` killed with SIGKILL while the relay has half
of it: after the restart it is sent once, whole."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import time

from tests.conftest import mail
from tests.faults.conftest import Rig


class SlowLink:
    """A TCP relay to the SMTP sink that passes the client's bytes slowly and counts
    them, so a test can act while a big mail is on its way."""

    def __init__(self, target_port: int, per_second: int = 8_000_000) -> None:
        self.target_port, self.per_second = target_port, per_second
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.passed = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, slow: bool) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                if slow:
                    self.passed += len(data)
                    time.sleep(len(data) / self.per_second)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        self.listener.close()


def test_a_kill_mid_send_of_a_20_mb_file_sends_it_once_whole_after_restart(rig: Rig):
    link = SlowLink(rig.sink.port)
    cfg = rig.maild.cfg
    text = cfg.read_text().replace(f"port = {rig.sink.port}\n", f"port = {link.port}\n")
    cfg.write_text(
        text + "[intake]\nmax_message_bytes = 40000000\nmax_attachment_bytes = 30000000\n"
        "[attachments]\nmax_bytes = 30000000\n"
    )
    data = os.urandom(20_000_000)
    rig.append(
        mail(subject="big", attachments=(("capture.bin", "application/octet-stream", data),))
    )
    rig.maild.start()
    try:
        # The notice to Dana is ~27 MB on the wire: kill once 10 MB have passed.
        assert rig.wait_until(lambda: link.passed > 10_000_000, 60), rig.maild.logged()
        rig.maild.kill()
        assert not rig.sink.handler.to("dana@acme.example")  # the relay never got it whole
        rig.maild.start()
        got = rig.wait_until(lambda: rig.sink.handler.to("dana@acme.example"), 90, step=0.2)
        assert got, rig.maild.logged()
        time.sleep(1)  # a second copy would arrive by now
        [notice] = rig.sink.handler.to("dana@acme.example")
        parts = [p for p in notice.msg.walk() if p.get_filename() == "capture.bin"]
        assert len(parts) == 1
        payload = parts[0].get_payload(decode=True)
        assert isinstance(payload, bytes)
        assert hashlib.sha256(payload).digest() == hashlib.sha256(data).digest()
        # The ack left in the same batch, recorded with it: the kill may resend it,
        # as the same mail (one Message-ID), as any batch killed before its record.
        assert len({r.msg["Message-ID"] for r in rig.sink.handler.to("sam@example.com")}) == 1
        [sent] = [o for o in rig.maild.json("outbox") if o["template"] == "agent/new"]
        assert sent["status"] == "sent"
    finally:
        rig.maild.kill()
        link.close()
