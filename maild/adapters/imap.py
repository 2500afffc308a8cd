"""One IMAP mailbox: list waiting mail, fetch it unread, move it on, wait for more.

Moves go by UID MOVE, or COPY + \\Deleted + UID EXPUNGE of exactly those
UIDs; never a plain EXPUNGE, which would also remove mail someone else
flagged. Without UIDPLUS the flagged copies stay until a person expunges
them, and are skipped (UNDELETED) meanwhile.

Waiting never misses mail and never sits on a dead connection:
- a server reports new mail (EXISTS) in the answer to whatever command is
  running: a SEARCH, a MOVE, the start of IDLE. imaplib keeps those answers;
  IDLE returns at once when one came in since the last SEARCH;
- imapclient's idle_check() answers [] both on a quiet second and on a closed
  connection. An early [] (the socket woke us with nothing to read) is
  checked with a NOOP, and so is the connection every HEARTBEAT_SECONDS;
  TCP keepalive finds a peer that vanished without a word. A dead connection
  raises, and the caller reconnects with its backoff.

Polite to hosted servers (Gmail, Exchange throttle chatty clients): a server
whose IDLE pushes new mail is left alone but for a check every
AUTO_CHECK_SECONDS and the RFC 2177 renewal, about 25 commands an idle hour.
A server earns that by pushing (Gmail and Exchange have it from the start);
until then, and again once a check found mail the IDLE kept back (Dovecot
without a free inotify instance looks only every 30 s), the mailbox is checked
every LATE_CHECK_SECONDS, so no mail waits for the server's own look.
`idle_check_seconds` fixes the interval instead (0: never).

Login is a password (LOGIN) or a bearer token (XOAUTH2 / OAUTHBEARER, see
adapters/oauth): a refused token is refreshed and tried once more, then the
caller's backoff takes over.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from threading import Event
from types import TracebackType

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from maild.adapters.oauth import OAuthError, TokenSource, sasl
from maild.adapters.oauth.explain import LOGIN_RULES, one_line, password_refused
from maild.config import Mailbox
from maild.core.model import Fetched

log = logging.getLogger(__name__)


class LoginRefused(IMAPClientError):  # type: ignore[misc]
    """The server said no to our credentials; the message says what to do."""


ERRORS = (IMAPClientError, OSError, EOFError, OAuthError)
HEARTBEAT_SECONDS = 30  # a NOOP outside IDLE this often proves the connection alive
# A server may report new mail in IDLE late: Dovecot without a free inotify instance
# looks every 30 s, and a mail appended between our SEARCH and IDLE can wait for that.
# Leaving IDLE for a NOOP this often bounds the wait (three short round trips);
# at 5 s, one such mail in a fault run waited 5.07 s for its acknowledgement.
LATE_CHECK_SECONDS = 2.0
# Against a server that pushes, one NOOP this often (with the renewal, about 25
# commands an idle hour) is what finds out that it does not always push.
AUTO_CHECK_SECONDS = 300.0
PROMPT_PUSHES = 3  # pushed mails in a row that earn a server that trust
# A push this long after the mail's arrival (INTERNALDATE) was late; the slack allows
# for the server's clock and INTERNALDATE's whole seconds.
LATE_PUSH_SECONDS = 10.0
CLOCK_SLACK_SECONDS = 2.0
# They push new mail in IDLE at once (and throttle clients that poll).
PUSHING_HOSTS = frozenset(
    {"imap.gmail.com", "outlook.office365.com", "outlook.office.com", "imap-mail.outlook.com"}
)
NEWS = (b"EXISTS", b"RECENT")  # as idle_check() parses them
KEPT_NEWS = ("EXISTS", "RECENT")  # as imaplib keeps them between commands
# A server refuses a command line past its limit (Dovecot: 64 kB), and a waiting
# inbox of 20,000 mails listed one UID at a time is ~120 kB: sizes are asked for
# this many UIDs at a time (at most ~11 kB). A batch (at most 5,000 mails, see
# config) stays under the limit too.
UIDS_PER_COMMAND = 1000


_BYTES_REPR = re.compile(r"""\bb(['"])(.*?)\1""")


class MailboxError(IMAPClientError):  # type: ignore[misc]  # imapclient is untyped
    """An IMAP failure said for a person: host:port, then the server's own words."""


def explain(exc: BaseException, where: str) -> str:
    """`127.0.0.1:143: [AUTHENTICATIONFAILED] Authentication failed.`, not
    `b'[AUTHENTICATIONFAILED] ...'`: imaplib puts the server's answer in its
    exceptions as the repr of bytes."""
    if isinstance(exc, MailboxError):
        return str(exc)
    if isinstance(exc, TimeoutError | socket.timeout):
        text = "timed out"
    elif isinstance(exc, OSError) and not isinstance(exc, ssl.SSLError) and exc.strerror:
        text = exc.strerror
    else:
        text = _BYTES_REPR.sub(lambda m: m[2], str(exc)) or type(exc).__name__
    return f"{where}: {text}"


def _keepalive(sock: socket.socket) -> None:
    """Let the kernel notice a peer that vanished without closing (about 40 s)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in (("TCP_KEEPIDLE", 20), ("TCP_KEEPINTVL", 5), ("TCP_KEEPCNT", 4)):
        if hasattr(socket, option):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)


class Lateness:
    """What this mailbox's server has shown of its IDLE, kept across reconnects by the
    caller (one per worker). With `idle_check_seconds = "auto"`, a server is trusted
    to push once it has pushed PROMPT_PUSHES new mails in a row during IDLE (the big
    hosted ones from the start): it is then checked every AUTO_CHECK_SECONDS. Until
    then, and again after a check found mail the IDLE had kept back, every
    LATE_CHECK_SECONDS."""

    def __init__(self, setting: float | str, host: str = "") -> None:
        self.setting = setting
        self.trusted = host.lower() in PUSHING_HOSTS
        self.prompt = 0  # mails pushed during IDLE in a row

    @property
    def check_seconds(self) -> float:
        """How long one IDLE lasts before a NOOP looks; 0 or less: no NOOP."""
        if self.setting != "auto":
            return float(self.setting)
        return AUTO_CHECK_SECONDS if self.trusted else LATE_CHECK_SECONDS

    def saw_push(self, key: str) -> None:
        self.prompt += 1
        if self.setting == "auto" and not self.trusted and self.prompt >= PROMPT_PUSHES:
            self.trusted = True
            log.info(
                "mailbox %s: the server pushes new mail in IDLE; checking every %.0f s",
                key,
                AUTO_CHECK_SECONDS,
            )

    def saw_late_news(self, key: str) -> None:
        self.prompt = 0
        if self.setting == "auto" and self.trusted:
            self.trusted = False
            log.warning(
                "mailbox %s: the server reported new mail late in IDLE; checking every "
                "%.0f s until it pushes again (a Dovecot needs a free inotify instance "
                "to push; idle_check_seconds fixes the interval)",
                key,
                LATE_CHECK_SECONDS,
            )

    def describe(self) -> str:
        seconds = self.check_seconds
        if seconds <= 0:
            return "IDLE (no checks)"
        why = "" if self.setting != "auto" else ("push, " if self.trusted else "careful, ")
        return f"IDLE ({why}NOOP every {seconds:.0f} s)"


class ImapMailbox:
    def __init__(
        self,
        config: Mailbox,
        password: str,
        timeout: float = 60,
        tokens: TokenSource | None = None,
        lateness: Lateness | None = None,
    ) -> None:
        self.config = config
        self.password = password
        self.timeout = timeout
        self.tokens = tokens
        self.lateness = lateness or Lateness(config.idle_check_seconds, config.host)
        self.client: IMAPClient | None = None
        self.uidvalidity = 0
        self._pushed: tuple[float, float] | None = None  # (IDLE began, push seen), wall clock

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

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.real_port}"

    def connect(self) -> None:
        c = self.config
        context = ssl.create_default_context(cafile=c.ca_file)
        try:
            client = IMAPClient(
                c.host,
                port=c.real_port,
                ssl=c.security == "tls",
                ssl_context=context,
                timeout=self.timeout,
            )
        except ERRORS as exc:
            raise MailboxError(explain(exc, self.where)) from exc
        try:
            self._start(client, context)
        except ERRORS as exc:
            with contextlib.suppress(*ERRORS):
                client.shutdown()  # a refused login must not leave the socket open
            raise MailboxError(explain(exc, self.where)) from exc

    def _start(self, client: IMAPClient, context: ssl.SSLContext) -> None:
        c = self.config
        if c.security == "starttls":
            client.starttls(context)
        _keepalive(client.socket())
        client.normalise_times = False  # INTERNALDATE with its zone: compared with our clock
        try:
            self._login(client)
        except BaseException:
            with contextlib.suppress(*ERRORS):
                client.shutdown()
            raise
        for folder in (c.processed_folder, c.quarantine_folder):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        info = client.select_folder(c.folder)
        self.uidvalidity = int(info[b"UIDVALIDITY"])
        self.client = client
        log.info("connected to %s (UIDVALIDITY %s)", self.key, self.uidvalidity)

    def _login(self, client: IMAPClient) -> None:
        c, where = self.config, f"mailbox {self.key}"
        if self.tokens is None:
            try:
                client.login(c.username, self.password)
            except LoginError as exc:
                explained = password_refused(where, c.host, str(exc))
                raise LoginRefused(explained or f"{where}: login refused: {exc}") from None
            return
        mechanism = c.oauth2.mechanism.upper() if c.oauth2 else "XOAUTH2"
        if not client.has_capability(f"AUTH={mechanism}"):
            offered = " ".join(
                cap.decode() for cap in client.capabilities() if cap.startswith(b"AUTH=")
            )
            raise LoginRefused(
                f"{where}: the server does not offer {mechanism} (it offers {offered or 'none'})"
            )
        answer = ""
        for refresh in (False, True):  # a refused token: one refresh, one more try
            exchange = sasl.build(
                mechanism, c.username, self.tokens.token(refresh), c.host, c.real_port
            )
            try:
                client.sasl_login(mechanism, exchange)
                return
            except LoginError as exc:
                answer = one_line(f"{exc}{'; ' + exchange.error if exchange.error else ''}")
        raise LoginRefused(
            f"{where}: the server refused the token ({answer}): {LOGIN_RULES[self.tokens.kind]}"
        )

    def close(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            try:
                client.logout()
            except ERRORS:  # a dead connection: its socket is closed all the same
                with contextlib.suppress(*ERRORS):
                    client.shutdown()

    def _c(self) -> IMAPClient:
        if self.client is None:
            raise IMAPClientError("not connected")
        return self.client

    def pending(self) -> list[int]:
        client = self._c()
        # News reported before this SEARCH is answered by it; what comes after stays.
        for kind in KEPT_NEWS:
            client._imap.untagged_responses.pop(kind, None)
        return sorted(int(u) for u in client.search(["UNDELETED"]))

    def _news_waiting(self) -> bool:
        """EXISTS or RECENT seen in any answer since the last SEARCH."""
        kept = self._c()._imap.untagged_responses
        return any(kept.get(kind) for kind in KEPT_NEWS)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        sizes: dict[int, int] = {}
        arrived: list[datetime] = []
        for start in range(0, len(uids), UIDS_PER_COMMAND):
            part = list(uids[start : start + UIDS_PER_COMMAND])
            data = self._c().fetch(part, ["RFC822.SIZE", "INTERNALDATE"])
            sizes.update((int(uid), int(d.get(b"RFC822.SIZE", 0))) for uid, d in data.items())
            arrived += [d[b"INTERNALDATE"] for d in data.values() if b"INTERNALDATE" in d]
        self._judge_push(arrived)
        return sizes

    def _judge_push(self, arrived: list[datetime]) -> None:
        """A push that came long after the mail arrived (its INTERNALDATE, the server's
        clock) was a late one: the server looked on its own schedule. Only mail that
        arrived during the IDLE counts (an old date set by APPEND says nothing)."""
        pushed, self._pushed = self._pushed, None
        if pushed is None:
            return
        idle_began, seen = pushed
        waits = [
            seen - at.timestamp()
            for at in arrived
            if at.tzinfo is not None and at.timestamp() >= idle_began - CLOCK_SLACK_SECONDS
        ]
        if waits and max(waits) > LATE_PUSH_SECONDS:
            self.lateness.saw_late_news(self.key)

    def fetch(
        self, uids: Sequence[int], sizes: Mapping[int, int], max_bytes: int
    ) -> Iterator[Fetched]:
        """Whole mails; of one over max_bytes only its first max_bytes (a partial
        FETCH), so one huge mail never costs more memory than the cap."""
        whole = [u for u in uids if sizes.get(u, 0) <= max_bytes]
        data = self._c().fetch(whole, ["BODY.PEEK[]"]) if whole else {}
        for uid in uids:
            if uid in sizes and sizes[uid] > max_bytes:
                part = self._c().fetch([uid], [f"BODY.PEEK[]<0.{max_bytes}>"])
                raw = part.get(uid, {}).get(b"BODY[]<0>")
            else:
                raw = data.get(uid, {}).get(b"BODY[]")
            if raw is not None:
                yield Fetched(uid, bytes(raw), sizes.get(uid, len(raw)))

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

    def waiting(self) -> int:
        """Mail in the folder now (STATUS MESSAGES): what the next check will take."""
        status = self._c().folder_status(self.config.folder, ["MESSAGES"])
        return int(status[b"MESSAGES"])

    def mode(self) -> str:
        """IDLE when the server offers it and the config allows it, else polling."""
        return "IDLE" if self.config.idle and self._c().has_capability("IDLE") else "polling"

    def wait_for_mail(self, stop: Event, beat: Callable[[], None] = lambda: None) -> None:
        """Return when new mail may be there, when stop is set, or after a while.
        Raises (an ERRORS kind) when the connection is gone. `beat` is called about
        once a second while all is well: the daemon's proof that this worker lives."""
        client = self._c()
        if self._news_waiting():
            return
        if self.mode() == "polling":
            self._poll(stop, beat)
            return
        renew = time.monotonic() + self.config.idle_renew_seconds
        while not stop.is_set() and time.monotonic() < renew:
            every = self.lateness.check_seconds
            seconds = (
                min(every, renew - time.monotonic()) if every > 0 else renew - time.monotonic()
            )
            started, began = time.monotonic(), time.time()
            pushed, at_done = self._idle(seconds, stop, beat)
            if pushed:
                self.lateness.saw_push(self.key)
                self._pushed = (began, time.time())  # judged by the mail's INTERNALDATE
                return
            full = time.monotonic() - started >= seconds * 0.9  # not an early wake-up
            if at_done:  # reported only when we ended the IDLE: it was kept back
                if full and not stop.is_set():
                    self.lateness.saw_late_news(self.key)
                return
            if every <= 0 or time.monotonic() >= renew:
                return  # the renewal: the caller's SEARCH looks, then IDLE again
            client.noop()  # news a lazy IDLE kept back; raises on a dead connection
            if self._news_waiting():
                if full:
                    self.lateness.saw_late_news(self.key)
                return

    def _idle(self, seconds: float, stop: Event, beat: Callable[[], None]) -> tuple[bool, bool]:
        """One IDLE of at most `seconds`: (news pushed during it, news reported only in
        the answer to our DONE)."""
        client = self._c()
        client.idle()
        news = self._news_waiting()  # reported with the start of IDLE
        deadline = time.monotonic() + seconds
        try:
            while not news and not stop.is_set() and time.monotonic() < deadline:
                started = time.monotonic()
                responses = client.idle_check(timeout=1)
                beat()
                news = any(len(r) > 1 and r[1] in NEWS for r in responses)
                if not responses and time.monotonic() - started < 0.9:
                    # Woken with nothing to read: EOF or a socket error, usually.
                    break
        finally:
            _, after = client.idle_done()  # raises on a dead connection
        return news, not news and any(len(r) > 1 and r[1] in NEWS for r in after)

    def _poll(self, stop: Event, beat: Callable[[], None]) -> None:
        deadline = time.monotonic() + self.config.poll_seconds
        while not stop.is_set() and time.monotonic() < deadline:
            stop.wait(min(HEARTBEAT_SECONDS, deadline - time.monotonic()))
            self._c().noop()
            beat()
            if self._news_waiting():
                return
