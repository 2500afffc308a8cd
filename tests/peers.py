"""Real protocol peers for the tests: Dovecot (IMAP) and an aiosmtpd sink (SMTP)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from imapclient import IMAPClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
mail_plugins =
{auth}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
{extra}
"""

# The usual way in: any user, one password.
PASSWORD_AUTH = """auth_mechanisms = plain login
passdb {{
  driver = static
  args = password={password}
}}"""


def oauth2_auth(root: Path, introspection_url: str, *, refuse_passwords: bool = False) -> str:
    """Dovecot's `oauth2` passdb: XOAUTH2 and OAUTHBEARER tokens checked by RFC 7662
    introspection at `introspection_url`, the token's username compared with the login's.
    `refuse_passwords`: LOGIN and PLAIN answer as Exchange Online does since 2022."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "oauth2.conf.ext").write_text(
        f"introspection_mode = post\nintrospection_url = {introspection_url}\n"
        "force_introspection = yes\nusername_attribute = username\n"
        "active_attribute = active\nactive_value = true\n"
    )
    refuse = (
        "passdb {\n  driver = static\n  mechanisms = plain login\n"
        "  args = nopassword=y nologin=y reason=Basic%{env:SP}authentication%{env:SP}is"
        "%{env:SP}disabled\n}\nimport_environment = $import_environment SP\n"
        if refuse_passwords
        else ""
    )
    mechanisms = "xoauth2 oauthbearer" + (" plain login" if refuse_passwords else "")
    return (
        f"auth_mechanisms = {mechanisms}\n{refuse}"
        f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
        f"  args = {root / 'oauth2.conf.ext'}\n}}\n"
    )


@dataclass
class Dovecot:
    root: Path
    port: int
    password: str = "secret"
    process: subprocess.Popen[bytes] | None = None

    def client(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        client.login(user, self.password)
        return client

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client(user)
        try:
            client.append(folder, raw)
        finally:
            client.logout()

    def messages(self, user: str, folder: str) -> list[bytes]:
        client = self.client(user)
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [bytes(data[u][b"BODY[]"]) for u in sorted(data)]
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """Stop the server (dropping every connection) and start it again, mail kept."""
        command = list(self.process.args) if self.process else []
        self.stop()
        with open(self.root / "dovecot.out", "ab") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "SP": " "}
            )
        wait_for_port(self.port)


def start_dovecot(root: Path, auth: str | None = None, extra: str = "") -> Dovecot:
    """A private Dovecot under `root`. `auth`: its auth_mechanisms and passdb lines
    (default: any user with the password "secret"); `extra`: more settings."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(binary).exists():
        raise FileNotFoundError("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    as_root = os.geteuid() == 0
    account = pwd.getpwnam("dovecot") if as_root else pwd.getpwuid(os.geteuid())
    group = subprocess.run(
        ["id", "-gn", account.pw_name], capture_output=True, text=True, check=True
    ).stdout.strip()
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(exist_ok=True)
    conf = root / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            root=root,
            user=account.pw_name,
            group=group,
            port=port,
            auth=auth or PASSWORD_AUTH.format(password="secret"),
            extra=extra,
        )
    )
    if as_root:
        # Dovecot refuses to serve mail as uid 0: the whole server runs as `dovecot`.
        subprocess.run(["chown", "-R", f"{account.pw_name}:{group}", str(root)], check=True)
        os.chmod(root, 0o755)
        command = ["runuser", "-u", account.pw_name, "--", binary, "-F", "-c", str(conf)]
    else:
        command = [binary, "-F", "-c", str(conf)]
    with open(root / "dovecot.out", "wb") as out:
        # SP: a space for settings that cannot quote one (see oauth2_auth)
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "SP": " "}
        )
    server = Dovecot(root, port, process=process)
    try:
        wait_for_port(port)
    except TimeoutError:
        server.stop()
        log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
        out = (root / "dovecot.out").read_text(errors="replace")
        raise RuntimeError(f"dovecot did not start:\n{out}\n{log}") from None
    return server


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived

    @property
    def msg(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def text(self) -> str:
        body = self.msg.get_body(("plain",))
        return str(body.get_content()) if body else ""


@dataclass
class SinkHandler:
    received: list[Received] = field(default_factory=list)
    # address -> SMTP reply for RCPT TO, e.g. "550 5.1.1 no such user"
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_reply: str | None = None
    data_delay: float = 0.0  # a slow relay: seconds before it answers DATA
    data_started: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    sessions: int = 0  # EHLO/HELO greetings: one per connection
    # Offered as Postfix, Exchange and Gmail offer it (aiosmtpd reads pipelined commands
    # in order but does not say so); False: a relay without it, answered step by step.
    pipelining: bool = True

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        if self.pipelining:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_HELO(self, server: Any, session: Any, envelope: Any, hostname: str) -> str:
        self.sessions += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_started.set()
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_reply:
            return self.data_reply
        with self.arrived:
            self.received.append(
                Received(
                    envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)
                )
            )
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


@dataclass
class SmtpSink:
    handler: SinkHandler
    controller: Controller
    port: int


def start_sink(port: int | None = None) -> SmtpSink:
    handler = SinkHandler()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return SmtpSink(handler, controller, port)


# One team, its manager and one agent: the people most tests' configs need.
PEOPLE = """[[teams]]
name = "tier1"
manager = "maria@acme.example"
[[agents]]
email = "dana@acme.example"
name = "Dana Agent"
team = "tier1"
"""


def maild_config(
    path: Path,
    server: Dovecot,
    user: str,
    smtp_port: int | None = None,
    *,
    password_env: str | None = None,
    extra: str = "",
    summaries: bool = False,
    imap_port: int | None = None,
) -> Path:
    """A maild config for one Dovecot mailbox, one team, one agent; SMTP to a sink if given.
    The manager's daily summary is off unless asked for: it would go out on the first run."""
    password = (
        f'password_env = "{password_env}"' if password_env else f'password = "{server.password}"'
    )
    smtp = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n' if smtp_port else ""
    )
    path.write_text(f"""
state_dir = "{path.parent / "state"}"
{extra}
[support]
address = "support@acme.example"
name = "Acme Support"
[intake.smtp]
enabled = false
[[mailboxes]]
host = "127.0.0.1"
port = {imap_port or server.port}
security = "none"
username = "{user}"
{password}
{smtp}
{PEOPLE}[summary]
enabled = {"true" if summaries else "false"}
[survey]
enabled = false
""")
    return path


class Proxy:
    """A TCP relay in front of a server, for cutting connections the way a network
    does: `cut()` closes every connection at once, without a goodbye (EOF, no BYE)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
                self.connections += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            doomed, self.sockets = self.sockets, []
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.listener.close()
        self.cut()
