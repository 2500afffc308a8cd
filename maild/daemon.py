"""The long-running process: a few threads and one stop event.

Threads: one intake per IMAP mailbox (IDLE or polling), one outbox sender,
one scheduler; plus aiosmtpd's own thread for the SMTP intake. SIGTERM and
SIGINT set the stop event: each thread finishes the batch in hand and ends.
SIGHUP reloads the settings, keeping the old ones if the new ones are invalid.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from maild import config, metrics
from maild.adapters import systemd
from maild.adapters.db.checks import record_check
from maild.adapters.db.engine import mailbox_lock
from maild.adapters.imap import ERRORS, ImapMailbox, Lateness, explain
from maild.adapters.intake_smtp import IntakeUnavailable, start_intake
from maild.adapters.langid import Detector
from maild.adapters.oauth import LoginNeeded
from maild.adapters.oauth.accounts import mailbox_tokens
from maild.adapters.parsepool import ParsePool
from maild.bootstrap import App, build
from maild.config import Mailbox, Settings
from maild.core.contexts import MailboxDown
from maild.core.intake import Outcome, RawMail, TransientError
from maild.core.retry import backoff_seconds
from maild.health import Health
from maild.sendproc import SenderProcess, send_loop
from maild.services.intake import Plan, drain

log = logging.getLogger(__name__)
SCHEDULER_SECONDS = 30
STANDBY_SECONDS = 5  # a standby instance tries a mailbox's lock this often
RECONNECT_MAX_SECONDS = 120


def open_mailbox(
    box: Mailbox, index: int, state_dir: Path | None = None, lateness: Lateness | None = None
) -> ImapMailbox:
    """The mailbox's connection, not yet opened (`with` opens it). `state_dir`: where
    an OAuth2 refresh token is kept (default: the one settings name when not set)."""
    if box.auth == "oauth2":
        tokens = mailbox_tokens(box, index, state_dir or config.default_state_path())
        return ImapMailbox(box, "", tokens=tokens, lateness=lateness)
    password = box.resolve_password("MAILD_IMAP_PASSWORD", f"imap-{index}") or ""
    return ImapMailbox(box, password, lateness=lateness)


def said(box: Mailbox, exc: BaseException) -> str:
    """An error as the log says it, naming the mailbox once (login errors name it)."""
    text = described(box, exc)
    prefix = f"mailbox {box.key}:"
    return text if text.startswith(prefix) else f"{prefix} {text}"


def drain_mailbox(
    app: App, mailbox: ImapMailbox, beat: Callable[[], None] = lambda: None
) -> Counter[str]:
    def ingest(batch: Sequence[RawMail]) -> list[Outcome]:
        beat()  # each batch is progress the watchdog can see
        return app.ingest(batch)

    c = mailbox.config
    plan = Plan(
        c.batch_size,
        app.settings.intake.max_message_bytes,
        c.processed_folder,
        c.quarantine_folder,
    )
    return drain(mailbox, ingest, plan)


def described(box: Mailbox, exc: BaseException) -> str:
    """An IMAP failure with the server's host:port and words; any other as it is."""
    return explain(exc, f"{box.host}:{box.real_port}") if isinstance(exc, ERRORS) else str(exc)


def remember_check(app: App, mailbox: str, taken: int, error: str | None = None) -> None:
    """For `maild status`: a cron-driven install leaves no running process to ask."""
    try:
        with app.db.transaction() as store:
            record_check(store.session, mailbox, app.ingest.clock(), taken, error)
    except DBAPIError as exc:
        log.warning("mailbox %s: could not record the check: %s", mailbox, exc)


def run_once(app: App, mailboxes: Sequence[str] = ()) -> int:
    """Take all waiting mail (of `mailboxes` alone, when named), run due jobs, send all
    due mail. Exit status for the CLI."""
    status = 0
    with app.presence():
        for index, box in enumerate(app.settings.mailboxes):
            if mailboxes and not {box.key, box.name} & set(mailboxes):
                continue
            try:
                with mailbox_lock(app.db.engine, box.key) as mine:
                    if not mine:
                        log.info("mailbox %s: another instance is reading it", box.key)
                        continue
                    state = app.settings.state_path()
                    with open_mailbox(box, index, state) as mailbox:
                        taken = drain_mailbox(app, mailbox)
                remember_check(app, box.key, sum(taken.values()))
            except (*ERRORS, TransientError, DBAPIError) as exc:
                log.error("%s", said(box, exc))
                remember_check(app, box.key, 0, described(box, exc))
                status = 75
        app.scheduler.run_due()
        app.sender.drain()
    return status


@dataclass
class MailboxWorker:
    """One IMAP mailbox, for as long as the daemon runs: connect, drain, wait, repeat.
    A lost connection reconnects after 0.5 s, 1 s, 2 s ... at most 2 minutes; the
    backoff starts again from the bottom once a connection has worked."""

    app: App
    box: Mailbox
    index: int
    stop: threading.Event
    health: Health
    connected: bool = False  # since the last failure: then the backoff starts again
    last_ok: float = field(default_factory=time.monotonic)  # the last successful check
    alerted: bool = False  # the operator was told of this stretch already
    said_login: bool = False  # a needed sign-in was logged at ERROR for this stretch
    lateness: Lateness | None = None  # what the server showed of its IDLE, kept across reconnects

    @property
    def name(self) -> str:
        return f"imap-{self.index}"

    def run(self) -> None:
        failures = 0
        while not self.stop.is_set():
            try:
                self.session()
                failures = 0
            except (*ERRORS, TransientError, DBAPIError) as exc:
                failures = 1 if self.connected else failures + 1
                self.backoff(failures, exc)
            except Exception as exc:
                log.exception("mailbox %s: unexpected error; reconnecting", self.box.key)
                failures = 1 if self.connected else failures + 1
                self.backoff(failures, exc)
            self.connected = False
        self.health.forget(self.name)

    def backoff(self, failures: int, exc: BaseException) -> None:
        metrics.reconnect(self.box.key)
        if isinstance(exc, LoginNeeded) and not self.said_login:
            # Not a passing trouble: a person has to sign in. Said at once, once a stretch;
            # the worker keeps trying (the new token is picked up without a restart).
            self.said_login = True
            log.error("%s", exc)
        self.alarm(exc)
        delay = backoff_seconds(failures, base=0.5, cap=RECONNECT_MAX_SECONDS)
        log.warning("%s; reconnecting in %.1f s", said(self.box, exc), delay)
        self.health.beat(
            self.name, f"reconnecting in {delay:.0f} s: {described(self.box, exc)}", delay
        )
        self.stop.wait(delay)

    def session(self) -> None:
        """One connection's life. Returns when stopped or standing by; raises when lost."""
        key = self.box.key
        with mailbox_lock(self.app.db.engine, key) as mine:
            if not mine:  # another instance reads this mailbox; stand by
                log.debug("mailbox %s: another instance is reading it", key)
                wait = min(self.box.poll_seconds, STANDBY_SECONDS)
                self.health.beat(self.name, "standby (another instance reads it)", wait)
                self.stop.wait(wait)
                return
            if self.lateness is None:
                self.lateness = Lateness(self.box.idle_check_seconds, self.box.host)
            state = self.app.settings.state_path()
            with open_mailbox(self.box, self.index, state, self.lateness) as mailbox:
                self.connected = True
                self.said_login = False
                self.serve(mailbox)

    def serve(self, mailbox: ImapMailbox) -> None:
        def beat(state: str = "idle") -> None:
            self.health.beat(self.name, state, 5)

        self.health.note(
            self.name, mailbox=self.box.key, connected=True, mode=mailbox.mode(), error=None
        )
        while not self.stop.is_set():
            beat("taking mail")
            taken = drain_mailbox(self.app, mailbox, lambda: beat("taking mail"))
            self.checked(sum(taken.values()))
            if mailbox.mode() == "IDLE" and self.lateness is not None:
                self.health.note(self.name, idle_check=self.lateness.describe())
            beat()
            mailbox.wait_for_mail(self.stop, beat)

    def checked(self, taken: int) -> None:
        """A successful check: the alarm clock starts again."""
        self.last_ok, self.alerted = time.monotonic(), False
        self.health.note(self.name, last_check=self.app.ingest.clock().isoformat(), taken=taken)
        remember_check(self.app, self.box.key, taken)

    def alarm(self, exc: BaseException) -> None:
        """Not checked for alert_after_minutes: an ERROR and the operator told, once."""
        said = described(self.box, exc)
        self.health.note(self.name, connected=False, error=said)
        quiet = time.monotonic() - self.last_ok
        if self.alerted or quiet < self.box.alert_after_minutes * 60:
            return
        self.alerted = True
        minutes = int(quiet // 60)
        log.error("mailbox %s: not checked for %d minutes: %s", self.box.key, minutes, said)
        self.app.ingest.tell_operator(
            "operator/mailbox-down",
            f"mailbox-down-{self.box.key}-{self.app.ingest.clock():%Y%m%d%H%M}",
            MailboxDown(mailbox=self.box.key, minutes=minutes, error=said),
        )


def _sender_loop(app: App, stop: threading.Event, health: Health) -> None:
    """The sender as a thread of the daemon (`[outgoing] process = false`)."""
    timeout = app.settings.smtp.timeout if app.settings.smtp else 30
    send_loop(app, stop, app.outbox_wakeup, functools.partial(health.beat, "outbox"), timeout)
    health.forget("outbox")


def _scheduler_loop(app: App, stop: threading.Event, health: Health) -> None:
    while not stop.is_set():
        health.beat("scheduler", "running jobs", 5 * 60)
        try:
            app.scheduler.run_due()
        except Exception:
            log.exception("scheduler failed")
        health.beat("scheduler", "idle", SCHEDULER_SECONDS)
        stop.wait(SCHEDULER_SECONDS)
    health.forget("scheduler")


def quarantine_held(app: App) -> float:
    with app.db.transaction() as store:
        return float(store.quarantine_held())


@dataclass
class Watchdog:
    """Feeds systemd's watchdog only while every worker keeps its promise to beat;
    STATUS= tells `systemctl status` what each worker is doing."""

    health: Health
    interval: float | None  # half of WatchdogSec; None without a watchdog
    last_fed: float = 0.0
    last_status: str = ""
    stuck: tuple[str, ...] = ()

    def tick(self) -> None:
        stuck = tuple(self.health.stuck())
        if stuck != self.stuck:
            if stuck:
                log.error("stuck: %s; the watchdog is no longer fed", self.health.status())
            else:
                log.info("every worker is making progress again")
            self.stuck = stuck
        status = self.health.status()
        if status != self.last_status:
            systemd.notify(f"STATUS={status}")
            self.last_status = status
        now = time.monotonic()
        if self.interval and not stuck and now - self.last_fed >= self.interval:
            systemd.notify("WATCHDOG=1")
            self.last_fed = now


class Daemon:
    def __init__(
        self,
        app: App,
        config_file: str | None,
        build_app: Callable[[Settings], App] | None = None,
        health: Health | None = None,
        *,
        sender_process: bool = False,
        mailboxes: Sequence[str] = (),
    ) -> None:
        """`sender_process`: the outbox sender in a process of its own (maild.sendproc;
        `maild run` does so unless `[outgoing] process = false`), else a thread.
        `mailboxes`: read only these (names or keys; `maild run --mailbox`), else all."""
        self.app = app
        self.config_file = config_file
        self.sender_process = sender_process
        self.mailboxes = frozenset(mailboxes)
        # A reload keeps the process's clock (one MAILD_CLOCK set must not start over).
        self.build_app = build_app or functools.partial(build, clock=app.ingest.clock)
        self.stop = threading.Event()
        self.reload = threading.Event()
        self.health = health or Health()

    def start(self, app: App, stop: threading.Event) -> list[Any]:
        """The intake first: when its port is taken (IntakeUnavailable), nothing else
        has started."""
        health = self.health
        if isinstance(app.ingest.languages.detect, Detector):
            app.ingest.languages.detect.start()  # the language model loads meanwhile
        intake = app.settings.intake
        if intake.parses_ahead():
            pool = ParsePool(intake.reading())
            pool.start()
            app.ingest.parse_ahead = pool
        workers: list[Any] = []
        if intake.smtp.enabled:
            host, port = intake.smtp.host_port
            workers.append(
                start_intake(
                    app.ingest,
                    host,
                    port,
                    intake.max_message_bytes,
                    intake.smtp.protocol,
                    refuse_over=intake.smtp.max_bytes,
                )
            )
        for index, box in enumerate(app.settings.mailboxes):
            if self.reads(box):
                worker = MailboxWorker(app, box, index, stop, health)
                workers.append(threading.Thread(target=worker.run, name=worker.name, daemon=True))
        workers.append(self.sender(app, stop))
        workers.append(
            threading.Thread(
                target=_scheduler_loop, args=(app, stop, health), name="scheduler", daemon=True
            )
        )
        for worker in workers:
            if isinstance(worker, threading.Thread):
                worker.start()
        return workers

    def reads(self, box: Mailbox) -> bool:
        return not self.mailboxes or bool({box.key, box.name} & self.mailboxes)

    def sender(self, app: App, stop: threading.Event) -> threading.Thread:
        """The outbox's worker: a thread that sends, or one that runs the sender process
        and wakes it each time the intake queues mail."""
        if not self.sender_process:
            return threading.Thread(
                target=_sender_loop, args=(app, stop, self.health), name="outbox", daemon=True
            )
        child = SenderProcess(self.config_file, app.sender.instance, stop, self.health)
        queued = app.ingest.on_queued

        def wake() -> None:
            queued()
            child.poke()

        app.ingest.on_queued = wake
        return threading.Thread(target=child.run, name="outbox", daemon=True)

    def _stop_workers(self, workers: list[Any], stop: threading.Event, app: App) -> None:
        stop.set()
        app.outbox_wakeup.set()
        for worker in workers:
            if isinstance(worker, threading.Thread):
                worker.join(timeout=30)
            else:
                worker.stop()
        if isinstance(app.ingest.parse_ahead, ParsePool):
            app.ingest.parse_ahead.stop()

    def install_signals(self) -> None:
        """SIGTERM and SIGINT stop, SIGHUP reloads. A handler only writes the signal's
        number to a pipe, which a thread turns into the event: a handler runs in the
        main thread between two bytecodes, and one that set an Event while the main
        thread held that Event's lock (inside stop.wait) would wait for it for ever,
        as the sender process once did."""
        read, write = os.pipe()
        os.set_blocking(write, False)
        events = {signal.SIGTERM: self.stop, signal.SIGINT: self.stop, signal.SIGHUP: self.reload}

        def relay() -> None:
            while said := os.read(read, 64):
                for number in said:
                    events[signal.Signals(number)].set()

        def handler(number: int, _frame: object) -> None:
            with contextlib.suppress(BlockingIOError):  # full: the events are being set
                os.write(write, bytes([number]))

        threading.Thread(target=relay, name="signals", daemon=True).start()
        for number in events:
            signal.signal(number, handler)

    def serve(self) -> int:
        app = self.app
        presence = app.presence(self.health).__enter__()
        generation = threading.Event()
        try:
            workers = self.start(app, generation)
        except IntakeUnavailable:
            presence.__exit__()
            raise
        if app.settings.metrics.listen:
            metrics.enable(app.settings.metrics.listen, lambda: quarantine_held(app))
        systemd.notify("READY=1")
        log.info(
            "maild running: %d mailbox(es), state in %s",
            len(app.settings.mailboxes),
            app.settings.state_path(),
        )
        watchdog = Watchdog(self.health, systemd.watchdog_interval())
        while not self.stop.wait(1.0):
            watchdog.tick()
            if self.reload.is_set():
                self.reload.clear()
                app, workers, generation = self._reload(app, workers, generation)
                if presence.db is not app.db:
                    presence.__exit__()
                    presence = app.presence(self.health).__enter__()
        systemd.notify("STOPPING=1")
        self._stop_workers(workers, generation, app)
        presence.__exit__()
        log.info("maild stopped")
        return 0

    def _reload(
        self, app: App, workers: list[Any], generation: threading.Event
    ) -> tuple[App, list[Any], threading.Event]:
        systemd.notify("RELOADING=1")
        try:
            settings, _ = config.load(self.config_file)
            new_app = self.build_app(settings)
        except (config.ConfigError, OSError) as exc:
            log.error("reload refused, keeping the running settings:\n%s", exc)
            systemd.notify("READY=1")
            return app, workers, generation
        self._stop_workers(workers, generation, app)
        fresh = threading.Event()
        try:
            new_workers = self.start(new_app, fresh)
        except IntakeUnavailable as exc:
            log.error("reload refused, keeping the running settings: %s", exc)
            new_app, new_workers = app, self.start(app, fresh)  # its port is free again
        else:
            log.info("settings reloaded")
        systemd.notify("READY=1")
        return new_app, new_workers, fresh
