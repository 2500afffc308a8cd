"""The outbox sender in a process of its own, so `maild run` uses a second core.

The daemon's intake renders every mail's bytes when it queues them; sending
them (the SMTP conversation, the leases, the outcome) is the rest of the work
and now runs beside it instead of under the same GIL.

Parent (`SenderProcess`, a worker thread of the daemon named "outbox"):
starts `python -m maild.sendproc`, passes it the config file, this daemon's
instance id (the child's leases are the daemon's: `maild status` shows one
instance, and a restarted child takes up at once what a killed one had
leased) and the read end of a pipe. Each time the intake queues mail the
thread writes a byte to the pipe; the child wakes at once. A child that exits
while the daemon runs is logged as an ERROR and started again (1 s, 2 s, 4 s
... at most a minute apart); the worker's state says so in `maild status`.
On stop the thread sends SIGTERM and waits; the child finishes the mail in
hand, records it, and exits (SIGKILL after STOP_SECONDS).

Child (`main`): dies with its parent: PR_SET_PDEATHSIG sends it SIGTERM
when the daemon's thread that started it ends, and the pipe's end-of-file
(the daemon gone, however) stops it too. SIGINT is the parent's to handle
(a terminal's Ctrl-C reaches the whole group): the child waits for SIGTERM.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from maild.adapters.children import die_with_parent
from maild.core.retry import backoff_seconds
from maild.health import Health

if TYPE_CHECKING:
    from maild.bootstrap import App

log = logging.getLogger("maild.daemon")
IDLE_SECONDS = 5  # the child looks for due mail (retries) at least this often
STOP_SECONDS = 9.0  # SIGTERM, then SIGKILL: within systemd's 10 s stop
FD_ENV = "MAILD_SENDER_FD"
INSTANCE_ENV = "MAILD_SENDER_INSTANCE"
PARENT_ENV = "MAILD_SENDER_PARENT"
CONFIG_ENV = "MAILD_CONFIG"
Beat = Callable[[str, float], None]  # a worker's state, and by when it speaks again


@dataclass
class SenderProcess:
    """The daemon's side: start the child, wake it, hear its beats, restart it, stop it."""

    config_file: str | None
    instance: str
    stop: threading.Event
    health: Health
    proc: subprocess.Popen[bytes] | None = None
    pipe: int | None = None  # wake-ups, to the child
    beats: int | None = None  # the child's beats, from it
    deaths: int = 0  # in a row: the restart's backoff
    started_at: float = field(default=0.0)
    # poke() runs in the intake's threads: never a write to a descriptor just closed
    # (its number may already name another file)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.watch()
                self.hear(1.0)
        finally:
            self.halt()
            self.health.forget("outbox")

    def watch(self) -> None:
        """Start the child, or start it again once it exited while the daemon runs."""
        if self.proc is not None and self.proc.poll() is None:
            if time.monotonic() - self.started_at > 60:
                self.deaths = 0  # it has lived a minute: the backoff starts again
            return
        if self.proc is not None:
            self.deaths += 1
            delay = backoff_seconds(self.deaths, base=1, cap=60)
            said = exit_said(self.proc.returncode)
            log.error(
                "the sender process %d exited (%s); starting it again in %.0f s",
                self.proc.pid,
                said,
                delay,
            )
            self.health.note("outbox", error=f"sender process {self.proc.pid} exited: {said}")
            self.health.beat("outbox", f"sender process restarting in {delay:.0f} s", delay + 5)
            self._close()
            if self.stop.wait(delay):
                return
        self.start()

    def start(self) -> None:
        wake_r, wake_w = os.pipe()
        beat_r, beat_w = os.pipe()
        os.set_blocking(wake_w, False)
        env = {
            **os.environ,
            FD_ENV: f"{wake_r},{beat_w}",
            INSTANCE_ENV: self.instance,
            PARENT_ENV: str(os.getpid()),
        }
        if self.config_file:
            env[CONFIG_ENV] = self.config_file
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "maild.sendproc"], pass_fds=(wake_r, beat_w), env=env
            )
        finally:
            os.close(wake_r)
            os.close(beat_w)
        with self.lock:
            self.pipe, self.beats, self.started_at = wake_w, beat_r, time.monotonic()
        log.info("sender process %d started", self.proc.pid)
        self.health.beat("outbox", f"starting (process {self.proc.pid})", 60)

    def poke(self) -> None:
        """Mail was queued: wake the child (a full pipe has a wake-up waiting already).
        Called by the intake's threads."""
        with self.lock:
            if self.pipe is not None:
                with contextlib.suppress(OSError):  # full: a wake-up is waiting already
                    os.write(self.pipe, b"!")

    def hear(self, timeout: float) -> None:
        """The child's beats ("state<TAB>seconds" lines) become the worker's health."""
        if self.beats is None:
            self.stop.wait(timeout)
            return
        ready, _, _ = select.select([self.beats], [], [], timeout)
        if not ready:
            return
        data = os.read(self.beats, 65536)
        lines = data.decode(errors="replace").splitlines()
        if lines and "\t" in lines[-1]:
            state, within = lines[-1].rsplit("\t", 1)
            self.health.beat("outbox", state, float(within))
        elif not data and self.proc is not None:
            self.proc.wait()  # the child closed its end: it is exiting

    def halt(self) -> None:
        """SIGTERM: the mail in hand is finished and recorded; SIGKILL if it hangs."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                log.error("the sender process %d did not stop; killing it", proc.pid)
                proc.kill()
                proc.wait()
        self._close()

    def _close(self) -> None:
        with self.lock:
            for fd in (self.pipe, self.beats):
                if fd is not None:
                    os.close(fd)
            self.pipe = self.beats = None


def exit_said(code: int | None) -> str:
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


def watch_pipe(fd: int, stopping: int, wakeup: threading.Event, stop: threading.Event) -> None:
    """Wake-ups from the daemon; a byte on `stopping` (SIGTERM) or end of file on `fd`
    (the daemon is gone): stop. The signal handler only writes that byte: setting an
    Event in a handler deadlocked when the signal came while the main thread held the
    same Event's lock (between two bytecodes of Event.wait or clear)."""
    while not stop.is_set():
        ready, _, _ = select.select([fd, stopping], [], [], 1.0)
        if stopping in ready:
            stop.set()
        elif fd in ready and not os.read(fd, 4096):
            log.warning("sender process: the daemon is gone; stopping")
            stop.set()
        if ready:
            wakeup.set()


@dataclass
class Beats:
    """The child's side of the daemon's health: what it does, and by when it beats again."""

    fd: int
    stop: threading.Event

    def __call__(self, state: str, within: float) -> None:
        try:
            os.write(self.fd, f"{state}\t{within}\n".encode())
        except OSError:  # the daemon is gone
            self.stop.set()


def main() -> int:
    """The child. PR_SET_PDEATHSIG first: maild's imports take a second or more, and a
    daemon killed meanwhile must not leave this process behind."""
    die_with_parent()
    stop, wakeup = threading.Event(), threading.Event()
    stopping, stop_w = os.pipe()
    signal.signal(signal.SIGTERM, lambda *_: os.write(stop_w, b"!"))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the daemon reloads, then starts a new child
    if str(os.getppid()) != os.environ.get(PARENT_ENV):
        return 0  # the daemon died before PR_SET_PDEATHSIG was set
    wake_fd, beat_fd = (int(fd) for fd in os.environ[FD_ENV].split(","))
    watcher = threading.Thread(
        target=watch_pipe, args=(wake_fd, stopping, wakeup, stop), name="wake-ups", daemon=True
    )
    watcher.start()
    from maild import config
    from maild.adapters import logs
    from maild.bootstrap import build

    settings, _ = config.load(os.environ.get(CONFIG_ENV))
    logs.setup(logging.getLevelName(settings.log_level), settings.log_format)
    app = build(settings)
    app.sender.instance = os.environ[INSTANCE_ENV]  # the daemon's: its presence keeps them
    timeout = settings.smtp.timeout if settings.smtp else 30
    send_loop(app, stop, wakeup, Beats(beat_fd, stop), timeout)
    app.db.engine.dispose()
    return 0


def send_loop(
    app: App, stop: threading.Event, wakeup: threading.Event, beat: Beat, timeout: float
) -> None:
    """Send while there is mail; wait for a wake-up (or IDLE_SECONDS, for retries)."""
    while not stop.is_set():
        sending = functools.partial(beat, "sending", IDLE_SECONDS + 2 * timeout)
        sending()
        try:  # a stop: the mail in hand, no more
            app.sender.drain(stop, keep_open=True, sent_batch=sending)
            app.sender.idle()
        except Exception:
            log.exception("outbox sender failed; retrying")
            app.sender.close()
            stop.wait(IDLE_SECONDS)
        beat("idle", IDLE_SECONDS)
        wakeup.wait(IDLE_SECONDS)
        wakeup.clear()
    app.sender.close()


if __name__ == "__main__":
    sys.exit(main())
