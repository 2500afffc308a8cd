"""The long-running process: a few threads and one stop event.

Threads: one intake per IMAP mailbox (IDLE or polling), one outbox sender,
one scheduler; plus aiosmtpd's own thread for the SMTP intake. SIGTERM and
SIGINT set the stop event: each thread finishes the batch in hand and ends.
SIGHUP reloads the settings, keeping the old ones if the new ones are invalid.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DBAPIError
from tenacity import Retrying, retry_if_exception_type, wait_exponential

from maild import config
from maild.adapters import systemd
from maild.adapters.db.engine import mailbox_lock
from maild.adapters.imap import ERRORS, ImapMailbox
from maild.adapters.intake_smtp import start_intake
from maild.bootstrap import App, build
from maild.config import Mailbox, Settings
from maild.services.ingest import TransientError
from maild.services.intake import drain

log = logging.getLogger(__name__)
SCHEDULER_SECONDS = 30
SENDER_IDLE_SECONDS = 5


def open_mailbox(box: Mailbox, index: int) -> ImapMailbox:
    password = box.resolve_password("MAILD_IMAP_PASSWORD", f"imap-{index}") or ""
    return ImapMailbox(box, password)


def drain_mailbox(app: App, mailbox: ImapMailbox) -> Counter[str]:
    c = mailbox.config
    return drain(mailbox, app.ingest, c.batch_size, c.processed_folder, c.quarantine_folder)


def run_once(app: App) -> int:
    """Take all waiting mail, run due jobs, send all due mail. Exit status for the CLI."""
    status = 0
    for index, box in enumerate(app.settings.mailboxes):
        try:
            with mailbox_lock(app.db.engine, box.key) as mine:
                if not mine:
                    log.info("mailbox %s: another instance is reading it", box.key)
                    continue
                with open_mailbox(box, index) as mailbox:
                    drain_mailbox(app, mailbox)
        except (*ERRORS, TransientError, DBAPIError) as exc:
            log.error("mailbox %s: %s", box.key, exc)
            status = 75
    app.scheduler.run_due()
    app.sender.drain()
    return status


def _mailbox_loop(app: App, box: Mailbox, index: int, stop: threading.Event) -> None:
    retrying = Retrying(
        wait=wait_exponential(multiplier=1, min=1, max=120),
        retry=retry_if_exception_type((*ERRORS, TransientError)),
        sleep=stop.wait,
        before_sleep=lambda state: log.warning(
            "mailbox %s: %s; retrying", box.key, state.outcome and state.outcome.exception()
        ),
        reraise=True,
    )

    def session() -> None:
        if stop.is_set():
            return
        with mailbox_lock(app.db.engine, box.key) as mine:
            if not mine:  # another instance reads this mailbox; stand by
                log.debug("mailbox %s: another instance is reading it", box.key)
                stop.wait(box.poll_seconds)
                return
            with open_mailbox(box, index) as mailbox:
                while not stop.is_set():
                    drain_mailbox(app, mailbox)
                    mailbox.wait_for_mail(stop)

    while not stop.is_set():
        try:
            retrying(session)
        except Exception:
            log.exception("mailbox %s: unexpected error; reconnecting", box.key)
            stop.wait(5)


def _sender_loop(app: App, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            app.sender.drain()
        except Exception:
            log.exception("outbox sender failed; retrying")
            stop.wait(SENDER_IDLE_SECONDS)
        app.outbox_wakeup.wait(SENDER_IDLE_SECONDS)
        app.outbox_wakeup.clear()


def _scheduler_loop(app: App, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            app.scheduler.run_due()
        except Exception:
            log.exception("scheduler failed")
        stop.wait(SCHEDULER_SECONDS)


class Daemon:
    def __init__(
        self, app: App, config_file: str | None, build_app: Callable[[Settings], App] = build
    ) -> None:
        self.app = app
        self.config_file = config_file
        self.build_app = build_app
        self.stop = threading.Event()
        self.reload = threading.Event()

    def start(self, app: App, stop: threading.Event) -> list[Any]:
        workers: list[Any] = []
        for index, box in enumerate(app.settings.mailboxes):
            workers.append(
                threading.Thread(
                    target=_mailbox_loop,
                    args=(app, box, index, stop),
                    name=f"imap-{index}",
                    daemon=True,
                )
            )
        workers.append(
            threading.Thread(target=_sender_loop, args=(app, stop), name="outbox", daemon=True)
        )
        workers.append(
            threading.Thread(
                target=_scheduler_loop, args=(app, stop), name="scheduler", daemon=True
            )
        )
        for worker in workers:
            worker.start()
        intake = app.settings.intake.smtp
        if intake.enabled:
            host, port = intake.host_port
            workers.append(
                start_intake(
                    app.ingest,
                    host,
                    port,
                    app.settings.intake.max_message_bytes,
                    app.settings.intake.smtp.protocol,
                )
            )
        return workers

    def _stop_workers(self, workers: list[Any], stop: threading.Event, app: App) -> None:
        stop.set()
        app.outbox_wakeup.set()
        for worker in workers:
            if isinstance(worker, threading.Thread):
                worker.join(timeout=30)
            else:
                worker.stop()

    def install_signals(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: self.stop.set())
        signal.signal(signal.SIGINT, lambda *_: self.stop.set())
        signal.signal(signal.SIGHUP, lambda *_: self.reload.set())

    def serve(self) -> int:
        app = self.app
        generation = threading.Event()
        workers = self.start(app, generation)
        systemd.notify("READY=1")
        log.info(
            "maild running: %d mailbox(es), state in %s",
            len(app.settings.mailboxes),
            app.settings.state_path(),
        )
        beat = systemd.watchdog_interval()
        last_beat = time.monotonic()
        while not self.stop.wait(1.0):
            if beat and time.monotonic() - last_beat >= beat:
                systemd.notify("WATCHDOG=1")
                last_beat = time.monotonic()
            if self.reload.is_set():
                self.reload.clear()
                app, workers, generation = self._reload(app, workers, generation)
        systemd.notify("STOPPING=1")
        self._stop_workers(workers, generation, app)
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
        new_workers = self.start(new_app, fresh)
        systemd.notify("READY=1")
        log.info("settings reloaded")
        return new_app, new_workers, fresh
