"""Where outgoing mail goes: an SMTP relay, or a local maildir folder.

A transport answers per recipient: {address: (code, server's reply)} for
each refused one; an empty dict means all accepted. Whole-mail failures
raise Deferred (try again later) or Rejected (the server said no for good).
"""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

Refusals = dict[str, tuple[int, str]]


class Deferred(Exception):
    """Connection trouble or a 4xx: the mail stays queued."""


class Rejected(Exception):
    """A 5xx for the whole mail: it moves to failed with the server's answer."""


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode(errors="replace") if isinstance(text, bytes) else text
    return f"{code} {body}".strip()


class SmtpTransport:
    """One connection per batch; reconnects when the server drops it."""

    def __init__(
        self,
        host: str,
        port: int,
        security: str,
        username: str | None,
        password: str | None,
        timeout: float = 30,
        ca_file: str | None = None,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout
        self.ca_file = ca_file
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        # Certificates are always verified; ca_file adds a private CA to trust.
        context = ssl.create_default_context(cafile=self.ca_file)
        conn: smtplib.SMTP
        if self.security == "tls":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                conn.starttls(context=context)
            if self.username:
                self._login(conn, self.username, self.password or "")
        except BaseException:
            conn.close()  # a refused STARTTLS or AUTH must not leak the socket
            raise
        return conn

    @staticmethod
    def _login(conn: smtplib.SMTP, username: str, password: str) -> None:
        """AUTH PLAIN when offered: one attempt, one clear answer. smtplib's login()
        would try every mechanism in turn after a refusal, hiding the 535."""
        conn.ehlo_or_helo_if_needed()
        if "PLAIN" in conn.esmtp_features.get("auth", "").upper().split():
            conn.user, conn.password = username, password
            conn.auth("PLAIN", conn.auth_plain)
        else:
            conn.login(username, password)

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                self._conn.close()
            self._conn = None

    def send(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> Refusals:
        try:
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.sendmail(envelope_from, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as exc:
            return {r: (code, _reply(code, msg)) for r, (code, msg) in exc.recipients.items()}
        except smtplib.SMTPResponseException as exc:
            self.close()
            answer = _reply(exc.smtp_code, exc.smtp_error)
            is_auth = isinstance(exc, smtplib.SMTPAuthenticationError)
            if 500 <= exc.smtp_code < 600 and not is_auth:
                raise Rejected(answer) from exc
            raise Deferred(answer) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._conn = None
            raise Deferred(f"{type(exc).__name__}: {exc}") from exc
        return {r: (code, _reply(code, msg)) for r, (code, msg) in refused.items()}


class MaildirTransport:
    """Writes each mail into maildir/new/ for a person or a test to read."""

    def __init__(self, path: Path) -> None:
        self.box = mailbox.Maildir(str(path), create=True)

    def __enter__(self) -> MaildirTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def send(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> Refusals:
        try:
            self.box.add(raw)
        except OSError as exc:
            raise Deferred(f"maildir: {exc}") from exc
        return {}
