"""Several `maild run` instances on one PostgreSQL, against one reading every mailbox.

  python bench/instances.py [--mails 1500] [--rounds 2] [--postgres URL] [--kill]
  python bench/instances.py --sender     one instance: its sender a thread, then a process

Two mailboxes on a private Dovecot, N waiting mails in each (the corpus mix of
bench/common.py), one SMTP sink (its own process, noting each Message-ID). In
each round, alternating, on a fresh PostgreSQL database:
  one    one `maild run` reading both mailboxes (its sender in its own process,
         as `maild run` does on PostgreSQL)
  two    two `maild run --mailbox`, one a mailbox, plus a third started last with
         no --mailbox: the standby (it reads a mailbox only when its reader stops;
         its sender shares the outbox with the others meanwhile)
Each figure is the time from the instances' READY=1 until every mail is a ticket
and every acknowledgement and notice is at the sink: 2N customer mails / that
time. Target: two >= 1.7x one. With --kill, the last round kills (kill -9) one
reading instance in the middle of a batch: the standby takes its mailbox over,
and the sink is counted: tickets, acknowledgements and notices, Message-IDs
(0 lost, 0 doubled: a mail the killed process had sent but not yet recorded is
sent again with its Message-ID, which the receiving side folds into one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from tests.peers import PEOPLE, free_port

BOXES = ("box0", "box1")


def sink_main(port: str, out: str) -> None:
    """The sink: each mail's Message-ID and first recipient, a line each, to `out`."""
    import email
    import threading

    from aiosmtpd.controller import Controller

    lines = open(out, "a", buffering=1)  # noqa: SIM115 - kept open for the sink's life

    class Note:
        async def handle_DATA(self, server: object, session: object, envelope) -> str:  # type: ignore[no-untyped-def]
            msg = email.message_from_bytes(envelope.content, _class=email.message.Message)
            lines.write(f"{msg.get('Message-ID', '').strip()}\t{envelope.rcpt_tos[0]}\n")
            return "250 OK"

    controller = Controller(Note(), hostname="127.0.0.1", port=int(port))
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    controller.stop()


def write_config(path: Path, server, smtp_port: int, url: str) -> Path:  # type: ignore[no-untyped-def]
    boxes = "".join(
        f'[[mailboxes]]\nname = "{b}"\nhost = "127.0.0.1"\nport = {server.port}\n'
        f'security = "none"\nusername = "{b}"\npassword = "{server.password}"\n'
        for b in BOXES
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'state_dir = "{path.parent / "state"}"\nlog_level = "WARNING"\n'
        "[limits]\nacks_per_hour = 1000000\n"
        f'[database]\nurl = "{url}"\n[support]\naddress = "support@acme.example"\n'
        'name = "Acme Support"\n[intake.smtp]\nenabled = false\n'
        f'{boxes}[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
        f"{PEOPLE}[summary]\nenabled = false\n[survey]\nenabled = false\n"
    )
    return path


def opened(mails: int) -> int:
    """Tickets N mails of the mix open: all but the replies (one in five)."""
    return sum(1 for n in range(mails) if common.KINDS[n % len(common.KINDS)] != "reply")


class Run:
    """The instances of one round and their sink."""

    def __init__(self, work: Path, server, admin: str, name: str) -> None:  # type: ignore[no-untyped-def]
        self.work = work / name
        self.work.mkdir(parents=True)
        self.db = f"maild_i29_{uuid.uuid4().hex[:8]}"
        self.admin = admin
        self._sql(f"CREATE DATABASE {self.db}")
        self.port = free_port()
        self.out = self.work / "sink.txt"
        self.out.touch()
        self.sink = subprocess.Popen(
            [sys.executable, __file__, "--sink", str(self.port), str(self.out)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.sink.stdout is not None and self.sink.stdout.readline().strip() == "ready"
        url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        self.cfg = write_config(self.work / "maild.toml", server, self.port, f"{url}/{self.db}")
        subprocess.run(
            [sys.executable, "-m", "maild", "--config", str(self.cfg), "migrate"],
            check=True,
            capture_output=True,
        )
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(self.work / "notify.sock"))
        self.notify.settimeout(60)
        self.procs: list[subprocess.Popen[bytes]] = []

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(statement)

    def start(self, *mailboxes: str) -> subprocess.Popen[bytes]:
        args = [a for b in mailboxes for a in ("--mailbox", b)]
        proc = subprocess.Popen(
            [sys.executable, "-m", "maild", "--config", str(self.cfg), "run", *args],
            stdout=subprocess.DEVNULL,
            stderr=open(self.work / f"maild-{len(self.procs)}.log", "ab"),  # noqa: SIM115
            env={**os.environ, "NOTIFY_SOCKET": str(self.work / "notify.sock")},
        )
        while b"READY=1" not in self.notify.recv(4096).split(b"\n"):
            pass
        self.procs.append(proc)
        return proc

    def delivered(self) -> list[tuple[str, str]]:
        text = self.out.read_text()
        return [tuple(ln.split("\t", 1)) for ln in text.splitlines() if "\t" in ln]  # type: ignore[misc]

    def counts(self) -> tuple[int, int, int, int]:
        """Mails taken, tickets, outgoing mails, and those still queued."""
        import psycopg

        url = self.admin.rsplit("/", 1)[0] + "/" + self.db
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM inbound), (SELECT count(*) FROM ticket), "
                "(SELECT count(*) FROM outbox), "
                "(SELECT count(*) FROM outbox WHERE status = 'queued')"
            ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    def wait_all(self, mails: int, timeout: float = 600) -> float:
        """Until every mail is taken and every outgoing mail is at the sink."""
        start = time.perf_counter()
        while True:
            taken, _, out, queued = self.counts()
            if taken >= mails and not queued and len({m for m, _ in self.delivered()}) >= out:
                return time.perf_counter()
            if time.perf_counter() - start > timeout:
                raise SystemExit(f"{taken} of {mails} taken, {queued} queued after {timeout} s")
            time.sleep(0.05)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)
        self.sink.terminate()
        self.sink.wait(timeout=30)
        self.notify.close()
        self._sql(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")


def fill(server, mails: int, chunk: int = 250) -> None:  # type: ignore[no-untyped-def]
    """N mails in each mailbox, from other customers in each (no mail is in both)."""
    for index, box in enumerate(BOXES):
        client = server.client(box)
        first = index * 1_000_000
        try:
            for start in range(first, first + mails, chunk):
                end = min(first + mails, start + chunk)
                client.multiappend("INBOX", [common.customer_mail(n) for n in range(start, end)])
        finally:
            client.logout()


def one(  # type: ignore[no-untyped-def]
    work: Path, server, admin: str, mails: int, n: int, process: str = "auto"
) -> tuple[float, float]:
    """One instance reading both mailboxes; `process`: [outgoing] process. The rate in
    mails/s, and how busy the machine's cores were meanwhile (1.0: none idle)."""
    fill(server, mails)
    run = Run(work, server, admin, f"one{n}-{process}")
    value = f'"{process}"' if process == "auto" else process
    run.cfg.write_text(run.cfg.read_text() + f"[outgoing]\nprocess = {value}\n")
    try:
        start, ticks = time.perf_counter(), common.cpu_ticks()
        run.start()
        return 2 * mails / (run.wait_all(2 * mails) - start), common.busy_since(ticks)
    finally:
        run.close()


def two(  # type: ignore[no-untyped-def]
    work: Path, server, admin: str, mails: int, n: int, kill: bool = False
) -> tuple[float, float]:
    fill(server, mails)
    run = Run(work, server, admin, f"two{n}")
    try:
        start, ticks = time.perf_counter(), common.cpu_ticks()
        first = run.start(BOXES[0])
        run.start(BOXES[1])
        run.start()  # the standby
        if kill:
            killed(run, first, mails)
        seconds = run.wait_all(2 * mails) - start
        cores = common.busy_since(ticks)
        if kill:
            time.sleep(2)
            counted(run, mails)
        return 2 * mails / seconds, cores
    finally:
        run.close()


def killed(run: Run, victim: subprocess.Popen[bytes], mails: int) -> None:
    """kill -9 the first reader (and so its sender process) once a fifth of the mail
    is out: batches are being taken and sent."""
    while len(run.delivered()) < mails * 2 * 9 // 5 // 5:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    print(f"  killed instance {victim.pid} (kill -9) with {len(run.delivered())} mails out")


def counted(run: Run, mails: int) -> None:
    out = run.delivered()
    ids = Counter(m for m, _ in out)
    acks = {r for m, r in out if r.startswith("customer")}
    taken, tickets, queued_in_all, _ = run.counts()
    print(
        f"  exactly-once: {taken} mails taken of {2 * mails}, {tickets} tickets (expected "
        f"{2 * opened(mails)}), {len(acks)} customers acknowledged, {len(ids)} distinct "
        f"Message-IDs at the sink for {queued_in_all} outgoing mails, "
        f"{sum(ids.values()) - len(ids)} sent again with the same Message-ID (sent, not yet "
        "recorded when killed)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=1500, help="waiting in each mailbox")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--sink", nargs=2)
    parser.add_argument(
        "--sender", action="store_true", help="only: one instance, its sender a thread vs a process"
    )
    opts = parser.parse_args()
    if opts.sink:
        sink_main(*opts.sink)
        return
    work = common.workdir()
    server = common.dovecot(work)
    try:
        if opts.sender:
            for n in range(opts.rounds):
                load = os.getloadavg()[0]
                thread, busy_t = one(work, server, opts.postgres, opts.mails, n, "false")
                process, busy_p = one(work, server, opts.postgres, opts.mails, n, "true")
                print(
                    f"round {n + 1} (load {load:.1f}): one instance on PostgreSQL, both "
                    f"mailboxes, end to end: sender thread {thread:.0f} mails/s (cores "
                    f"{busy_t:.0%} busy), sender process {process:.0f}/s ({busy_p:.0%}); "
                    f"ratio {process / thread:.2f} (target >= 1.5)"
                )
            return
        for n in range(opts.rounds):
            load = os.getloadavg()[0]
            single, busy_one = one(work, server, opts.postgres, opts.mails, n)
            double, busy_two = two(work, server, opts.postgres, opts.mails, n)
            print(
                f"round {n + 1} (load {load:.1f}): one instance reading both mailboxes "
                f"{single:.0f} mails/s in->out (the machine's cores {busy_one:.0%} busy); "
                f"two pinned + a standby {double:.0f}/s ({busy_two:.0%}); ratio "
                f"{double / single:.2f} (target >= 1.7; the bound: no idle core left)"
            )
        if opts.kill:
            rate, _ = two(work, server, opts.postgres, opts.mails, opts.rounds, kill=True)
            print(f"  with the kill: {rate:.0f} mails/s in->out")
    finally:
        server.stop()
        common.cleanup(work)


if __name__ == "__main__":
    main()
