"""Shared set-up for the benchmarks: a private Dovecot, generated mail, a config file."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.peers import Dovecot, maild_config, start_dovecot  # noqa: E402


def dovecot(workdir: Path) -> Dovecot:
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    return start_dovecot(workdir / "dovecot")


def workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="maild-bench-"))
    os.chmod(path, 0o755)
    return path


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def customer_mail(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Customer {n} <customer{n}@example.com>"
    msg["To"] = "support@acme.example"
    msg["Subject"] = f"Order {n} has not arrived"
    msg["Message-ID"] = f"<bench-{n}-{os.getpid()}@example.com>"
    msg["Date"] = "Mon, 23 Nov 2026 09:00:00 +0000"
    msg.set_content(
        f"Hello,\n\nmy order {n} has not arrived yet. Could you check?\n\n"
        "Thanks,\nCustomer\n" + "Some more words about the problem. " * 20
    )
    return msg.as_bytes()


def fill(server: Dovecot, user: str, count: int, chunk: int = 250) -> None:
    client = server.client(user)
    try:
        for start in range(0, count, chunk):
            batch = [customer_mail(n) for n in range(start, min(count, start + chunk))]
            client.multiappend("INBOX", batch)
    finally:
        client.logout()


def write_config(
    path: Path,
    server: Dovecot,
    user: str,
    smtp_port: int | None = None,
    database_url: str | None = None,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = 'log_level = "WARNING"\n'
    if database_url:
        extra += f'[database]\nurl = "{database_url}"\n'
    return maild_config(path, server, user, smtp_port, extra=extra)
