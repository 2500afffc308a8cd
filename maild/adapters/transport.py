"""Where outgoing mail goes: an SMTP relay, or a local maildir folder.

A transport answers per recipient: {address: (code, server's reply)} for
each refused one; an empty dict means all accepted. Whole-mail failures
raise Deferred (try again later) or Rejected (the server said no for good).
"""

from __future__ import annotations

import logging
import mailbox
import smtplib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from maild.adapters import streaming
from maild.adapters.oauth import LoginNeeded, OAuthError, TokenSource, sasl
from maild.adapters.oauth.explain import LOGIN_RULES, one_line, password_refused
from maild.adapters.outgoing import Streamed

log = logging.getLogger(__name__)
Refusals = dict[str, tuple[int, str]]


class Deferred(Exception):
    """Connection trouble or a 4xx: the mail stays queued."""


class Unreachable(Deferred):
    """The relay itself is away (refused, timed out, dropped, 421): no mail can go now,
    so the sender stops the batch instead of trying each mail in turn."""


class Rejected(Exception):
    """A 5xx for the whole mail: it moves to failed with the server's answer."""


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode(errors="replace") if isinstance(text, bytes) else text
    return f"{code} {body}".strip()


@dataclass(frozen=True)
class Relay:
    """Where and how to reach the SMTP relay."""

    host: str
    port: int
    security: str  # none, starttls, tls
    username: str | None = None
    password: str | None = None
    timeout: float = 30
    ca_file: str | None = None
    tokens: TokenSource | None = None  # auth = "oauth2": XOAUTH2 / OAUTHBEARER with these
    mechanism: str = "XOAUTH2"

    def tls_context(self) -> ssl.SSLContext | None:
        """Made once per process: loading the CA store costs milliseconds per
        connection. Certificates are always verified; ca_file adds a private CA."""
        if self.security == "none":
            return None
        return ssl.create_default_context(cafile=self.ca_file)


# A kept connection idle this long is checked with NOOP before the next mail:
# relays drop idle clients, and a mail must not be lost to a dead socket.
CHECK_AFTER_IDLE = 2.0


class SmtpTransport:
    """One connection kept while there is mail (the sender closes it after an idle
    while); reconnects when the server drops it."""

    def __init__(self, relay: Relay, context: ssl.SSLContext | None = None) -> None:
        self.relay = relay
        self.host, self.port, self.security = relay.host, relay.port, relay.security
        self.timeout = relay.timeout
        self.context = context if context is not None else relay.tls_context()
        self._conn: smtplib.SMTP | None = None
        self._used = 0.0

    def _connect(self) -> smtplib.SMTP:
        context = self.context
        conn: smtplib.SMTP
        if self.security == "tls":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                conn.starttls(context=context)
            if self.relay.username and self.relay.tokens is not None:
                self._token_login(conn, self.relay.username, self.relay.tokens)
            elif self.relay.username:
                self._login(conn, self.relay.username, self.relay.password or "")
        except BaseException:
            conn.close()  # a refused STARTTLS or AUTH must not leak the socket
            raise
        return conn

    def check(self) -> int:
        """Connect as a send would (TLS, AUTH), then NOOP: its code. For check-config."""
        conn = self._connect()
        try:
            return int(conn.noop()[0])
        finally:
            conn.close()

    def _login(self, conn: smtplib.SMTP, username: str, password: str) -> None:
        """AUTH PLAIN when offered: one attempt, one clear answer. smtplib's login()
        would try every mechanism in turn after a refusal, hiding the 535."""
        conn.ehlo_or_helo_if_needed()
        try:
            if "PLAIN" in conn.esmtp_features.get("auth", "").upper().split():
                conn.user, conn.password = username, password
                conn.auth("PLAIN", conn.auth_plain)
            else:
                conn.login(username, password)
        except smtplib.SMTPAuthenticationError as exc:
            answer = _reply(exc.smtp_code, exc.smtp_error)
            explained = password_refused("smtp", self.host, answer)
            if explained is None:
                raise
            raise smtplib.SMTPAuthenticationError(exc.smtp_code, explained) from None

    def _token_login(self, conn: smtplib.SMTP, username: str, tokens: TokenSource) -> None:
        """XOAUTH2 or OAUTHBEARER: a refused token is refreshed and tried once more."""
        conn.ehlo_or_helo_if_needed()
        mechanism = self.relay.mechanism.upper()
        offered = conn.esmtp_features.get("auth", "").upper().split()
        if mechanism not in offered:
            raise smtplib.SMTPAuthenticationError(
                530,
                f"smtp: the relay does not offer {mechanism} (it offers "
                f"{' '.join(offered) or 'no AUTH'})",
            )
        answer = ""
        for refresh in (False, True):
            exchange = sasl.build(mechanism, username, tokens.token(refresh), self.host, self.port)
            try:
                conn.auth(
                    mechanism, lambda c=None, ex=exchange: ex(c).decode(), initial_response_ok=True
                )
                return
            except smtplib.SMTPAuthenticationError as exc:
                said = _reply(exc.smtp_code, exc.smtp_error)
                answer = one_line(f"{said}{'; ' + exchange.error if exchange.error else ''}")
        raise smtplib.SMTPAuthenticationError(
            535, f"smtp: the relay refused the token ({answer}): {LOGIN_RULES[tokens.kind]}"
        )

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                self._conn.close()
            self._conn = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def _connection(self) -> smtplib.SMTP:
        """The kept connection, checked if it idled; else a new one."""
        if self._conn is not None and time.monotonic() - self._used > CHECK_AFTER_IDLE:
            try:
                code, _ = self._conn.noop()
                if code != 250:
                    raise smtplib.SMTPServerDisconnected(f"NOOP answered {code}")
            except (smtplib.SMTPException, OSError):
                self._conn.close()
                self._conn = None
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def send(
        self, envelope_from: str, recipients: Sequence[str], raw: bytes | Streamed
    ) -> Refusals:
        try:
            conn = self._connection()
            if isinstance(raw, Streamed):
                refused = streaming.sendmail(conn, envelope_from, recipients, raw.chunks())
            else:
                refused = streaming.sendmail(conn, envelope_from, recipients, (raw,), len(raw))
        except OAuthError as exc:  # no token: the relay cannot be used now, mail waits
            if isinstance(exc, LoginNeeded):
                log.error("%s", exc)
            raise Unreachable(str(exc)) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            return {r: (code, _reply(code, msg)) for r, (code, msg) in exc.recipients.items()}
        except smtplib.SMTPResponseException as exc:
            answer = _reply(exc.smtp_code, exc.smtp_error)
            is_auth = isinstance(exc, smtplib.SMTPAuthenticationError)
            if exc.smtp_code == 421 or is_auth or isinstance(exc, smtplib.SMTPConnectError):
                self.close()
                raise Unreachable(answer) from exc  # the relay, not this mail
            if 500 <= exc.smtp_code < 600:
                raise Rejected(answer) from exc  # smtplib reset the session: it goes on
            raise Deferred(answer) from exc
        except (smtplib.SMTPException, OSError) as exc:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._used = time.monotonic()
        return {r: (code, _reply(code, msg)) for r, (code, msg) in refused.items()}


class MaildirTransport:
    """Writes each mail into maildir/new/ for a person or a test to read."""

    def __init__(self, path: Path) -> None:
        self.box = mailbox.Maildir(str(path), create=True)

    @property
    def is_open(self) -> bool:
        return False

    def close(self) -> None:
        return None

    def send(
        self, envelope_from: str, recipients: Sequence[str], raw: bytes | Streamed
    ) -> Refusals:
        try:
            self.box.add(raw.whole() if isinstance(raw, Streamed) else raw)
        except OSError as exc:
            raise Deferred(f"maildir: {exc}") from exc
        return {}
