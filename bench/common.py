"""Shared set-up for the benchmarks: a private Dovecot, generated mail, a config file."""

from __future__ import annotations

import os
import random
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


def cpu_ticks() -> tuple[int, int]:
    """The whole machine's (busy, all) CPU time so far, in clock ticks (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


def busy_since(before: tuple[int, int]) -> float:
    """The share of every core's time spent busy since `before` (cpu_ticks()): 1.0 is
    a machine with no idle core left to give."""
    now = cpu_ticks()
    return (now[0] - before[0]) / max(1, now[1] - before[1])


def workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="maild-bench-"))
    os.chmod(path, 0o755)
    return path


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# The corpus mix the issue measures on, one kind per mail in turn.
KINDS = ("plain", "html", "attachment", "reply", "encoded")
OPENING = ("plain", "html", "attachment", "encoded")  # each from its own customer: a new ticket


def opening_mail(n: int) -> bytes:
    """A mail of the mix that opens a ticket for customer n (acknowledged to them)."""
    return customer_mail(n, OPENING[n % len(OPENING)])


WORDS = "Some more words about the problem. " * 20


def customer_mail(n: int, kind: str | None = None) -> bytes:
    """Mail n of the bench corpus: plain, HTML alternative, a 20 kB attachment,
    a reply to this customer's earlier mail, or a non-ASCII subject and name
    (in turn, or the kind asked for)."""
    kind = kind or KINDS[n % len(KINDS)]
    msg = EmailMessage()
    msg["From"] = f"Customer {n} <customer{n}@example.com>"
    msg["To"] = "support@acme.example"
    msg["Subject"] = f"Order {n} has not arrived"
    msg["Message-ID"] = f"<bench-{n}-{os.getpid()}@example.com>"
    msg["Date"] = "Mon, 23 Nov 2026 09:00:00 +0000"
    text = f"Hello,\n\nmy order {n} has not arrived yet. Could you check?\n\nThanks,\nCustomer\n"
    if kind == "reply":
        earlier = n - 3
        msg.replace_header("From", f"Customer {earlier} <customer{earlier}@example.com>")
        msg.replace_header("Subject", f"Re: Order {earlier} has not arrived")
        msg["In-Reply-To"] = f"<bench-{earlier}-{os.getpid()}@example.com>"
        msg["References"] = msg["In-Reply-To"]
        text = "Any news?\n\n> " + text.replace("\n", "\n> ")
    if kind == "encoded":
        msg.replace_header("From", f"Zoë Müller {n} <customer{n}@example.com>")
        msg.replace_header("Subject", f"Commande n°{n} — le colis n'est pas arrivé ✉")
    msg.set_content(text + WORDS)
    if kind == "html":
        msg.add_alternative(f"<html><body><p>{text}</p><p>{WORDS}</p></body></html>", "html")
    if kind == "attachment":
        data = random.Random(n).randbytes(20_000)
        msg.add_attachment(data, "application", "pdf", filename=f"receipt-{n}.pdf")
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
    # a backlog of thousands in one hour is what the hourly cap is for; the bench
    # measures the work with every acknowledgement rendered, as before the cap
    extra += "[limits]\nacks_per_hour = 1000000\n"
    if database_url:
        extra += f'[database]\nurl = "{database_url}"\n'
    return maild_config(path, server, user, smtp_port, extra=extra)
