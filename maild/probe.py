"""`maild check-config` tries what the config names, as it pings the database:
each mailbox's IMAP login and the relay's connection (its TLS and login too),
each bounded by a short timeout. One function a peer, each answering one line:
what worked, or "WARNING: " and the server's (or the network's) words. OAuth2 logins are
tried by cli_oauth (a token first, then the login).
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, replace

from maild.adapters.imap import ERRORS, ImapMailbox, explain
from maild.adapters.transport import Relay, SmtpTransport
from maild.config import Mailbox, Smtp

TIMEOUT = 5.0  # seconds a peer gets to answer: a check, not a wait


@dataclass(frozen=True)
class Found:
    ok: bool
    said: str

    def __str__(self) -> str:
        return self.said if self.ok else f"WARNING: {self.said}"


def mailbox_login(box: Mailbox, index: int, timeout: float = TIMEOUT) -> Found:
    """Log in, select the folder, count what waits."""
    if box.auth == "oauth2":
        return Found(True, "auth = oauth2: its token and login are tried below")
    password = box.resolve_password("MAILD_IMAP_PASSWORD", f"imap-{index}") or ""
    try:
        with ImapMailbox(box, password, timeout=timeout) as mailbox:
            return Found(True, f"login OK, {mailbox.waiting()} mail(s) waiting in {box.folder}")
    except ERRORS as exc:
        # the line already names the mailbox: the error need not say it again
        said = explain(exc, f"{box.host}:{box.real_port}").replace(f"mailbox {box.key}: ", "")
        return Found(False, said)


def relay(smtp: Smtp, timeout: float = TIMEOUT) -> Found:
    """Connect as the sender does (TLS, AUTH), say NOOP, leave."""
    if smtp.auth == "oauth2":
        return Found(True, "auth = oauth2: its token and login are tried below")
    password = smtp.resolve_password("MAILD_SMTP_PASSWORD", "smtp")
    settings = Relay(
        smtp.host,
        smtp.real_port,
        smtp.security,
        smtp.username,
        password,
        smtp.timeout,
        smtp.ca_file,
    )
    transport = SmtpTransport(replace(settings, timeout=min(timeout, smtp.timeout)))
    where = f"{smtp.host}:{smtp.real_port}"
    try:
        code = transport.check()
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return Found(False, f"{exc.smtp_code} {text}".strip())
    except (smtplib.SMTPException, OSError) as exc:
        return Found(False, explain(exc, where).removeprefix(f"{where}: "))
    login = ", login OK" if smtp.username else ""
    return Found(code == 250, f"answers, security {smtp.security}{login}")
