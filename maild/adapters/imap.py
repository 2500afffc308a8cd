"""One IMAP mailbox: list waiting mail, fetch it unread, move it on, wait for more.

Moves go by UID MOVE, or COPY + \\Deleted + UID EXPUNGE of exactly those
UIDs; never a plain EXPUNGE, which would also remove mail someone else
flagged. Without UIDPLUS the flagged copies stay until a person expunges
them, and are skipped (UNDELETED) meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from collections.abc import Iterator, Sequence
from threading import Event
from types import TracebackType

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from maild.config import Mailbox

log = logging.getLogger(__name__)
ERRORS = (IMAPClientError, OSError, EOFError)


class ImapMailbox:
    def __init__(self, config: Mailbox, password: str, timeout: float = 60) -> None:
        self.config = config
        self.password = password
        self.timeout = timeout
        self.client: IMAPClient | None = None
        self.uidvalidity = 0

    @property
    def key(self) -> str:
        return self.config.key

    def __enter__(self) -> ImapMailbox:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def connect(self) -> None:
        c = self.config
        context = ssl.create_default_context(cafile=c.ca_file)
        client = IMAPClient(
            c.host,
            port=c.real_port,
            ssl=c.security == "tls",
            ssl_context=context,
            timeout=self.timeout,
        )
        if c.security == "starttls":
            client.starttls(context)
        client.login(c.username, self.password)
        for folder in (c.processed_folder, c.quarantine_folder):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        info = client.select_folder(c.folder)
        self.uidvalidity = int(info[b"UIDVALIDITY"])
        self.client = client
        log.info("connected to %s (UIDVALIDITY %s)", self.key, self.uidvalidity)

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(*ERRORS):
                self.client.logout()
            self.client = None

    def _c(self) -> IMAPClient:
        if self.client is None:
            raise IMAPClientError("not connected")
        return self.client

    def pending(self) -> list[int]:
        return sorted(int(u) for u in self._c().search(["UNDELETED"]))

    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        data = self._c().fetch(list(uids), ["BODY.PEEK[]"])
        for uid in uids:
            raw = data.get(uid, {}).get(b"BODY[]")
            if raw is not None:
                yield uid, bytes(raw)

    def move(self, uids: Sequence[int], folder: str) -> None:
        if not uids:
            return
        client = self._c()
        if client.has_capability("MOVE"):
            client.move(list(uids), folder)
            return
        client.copy(list(uids), folder)
        client.add_flags(list(uids), [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(list(uids))

    def wait_for_mail(self, stop: Event) -> None:
        """Return when new mail may be there, when stop is set, or after a while."""
        client = self._c()
        if not (self.config.idle and client.has_capability("IDLE")):
            stop.wait(self.config.poll_seconds)
            return
        client.idle()
        deadline = time.monotonic() + self.config.idle_renew_seconds
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                responses = client.idle_check(timeout=1)
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    return
        finally:
            client.idle_done()
