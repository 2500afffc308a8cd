"""OAuth2 end to end, against real servers: Dovecot's `oauth2` passdb (XOAUTH2 and
OAUTHBEARER, each token checked by introspection at the local authorization
server), an aiosmtpd relay that accepts XOAUTH2 only by asking the same server,
and MSAL / google-auth / maild's own refresh code talking to that server.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from maild import config
from maild.bootstrap import build, prepare
from maild.daemon import run_once
from tests.conftest import mail, unavailable
from tests.e2e.test_imap import cli, running, tickets
from tests.oauth_server import AuthServer, start_auth_server
from tests.peers import PEOPLE, Dovecot, Proxy, SinkHandler, free_port, oauth2_auth, start_dovecot

pytestmark = pytest.mark.dovecot
ROOT = Path(__file__).resolve().parents[2]
USER = "support@acme.example"


@pytest.fixture(scope="module")
def auth(tmp_path_factory) -> AuthServer:
    server = start_auth_server(tmp_path_factory.mktemp("auth"))
    server.add_client("app", "s3cret", acts_for=USER)  # Microsoft app-only, with a secret
    server.add_client("pub")  # a public client: device code for a delegated token
    yield server
    server.stop()


@pytest.fixture(scope="module")
def imap(auth) -> Dovecot:
    """A Dovecot that takes tokens only; LOGIN answers as Exchange Online does."""
    root = Path(tempfile.mkdtemp(prefix="maild-oauth-dovecot-"))
    os.chmod(root, 0o755)
    server_root = root / "server"
    try:
        server = start_dovecot(
            server_root,
            auth=oauth2_auth(server_root, auth.introspection_url, refuse_passwords=True),
        )
    except (FileNotFoundError, RuntimeError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        unavailable(f"no Dovecot: {exc}")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@dataclass
class OAuthRelay(SinkHandler):
    """A relay that takes XOAUTH2 only: the token must be active for that user at the
    authorization server. A refusal answers like Gmail: a JSON challenge, then 535."""

    introspection_url: str = ""
    refused: int = 0

    async def handle_MAIL(self, server, session, envelope, address, options):
        if not session.authenticated:  # so the relay takes mail from token holders only
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def auth_XOAUTH2(self, server, args):  # aiosmtpd's hook for AUTH XOAUTH2
        blob = base64.b64decode(args[1]) if len(args) == 2 else await server.challenge_auth("")
        fields = dict(p.split("=", 1) for p in blob.decode().split("\x01") if "=" in p)
        token = fields.get("auth", "").removeprefix("Bearer ")
        body = urllib.parse.urlencode({"token": token}).encode()
        with urllib.request.urlopen(self.introspection_url, body, timeout=10) as answer:
            found = json.loads(answer.read())
        if found.get("active") and found.get("username") == fields.get("user"):
            return AuthResult(success=True, auth_data=fields.get("user"))
        self.refused += 1
        await server.challenge_auth(json.dumps({"status": "401", "schemes": "bearer"}))
        return AuthResult(
            success=False, handled=False, message="535 5.7.8 Username and Password not accepted"
        )


@pytest.fixture
def relay(auth):
    handler = OAuthRelay(introspection_url=auth.introspection_url)
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,  # loopback; aiosmtpd warns on auth_required without TLS,
        auth_exclude_mechanism=["PLAIN", "LOGIN"],
    )
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


def table(values: dict) -> str:
    return "\n".join(f"{k} = {json.dumps(v)}" for k, v in values.items())


def microsoft(auth: AuthServer, **more) -> dict:
    return {
        "provider": "microsoft",
        "tenant": auth.tenant,
        "authority_host": f"https://127.0.0.1:{auth.port}",
        "ca_file": str(auth.ca_file),
        **more,
    }


APP = {"client_id": "app", "client_secret_env": "TEST_OAUTH_SECRET"}


def write_config(
    path: Path,
    imap_port: int,
    relay_port: int,
    box_oauth: dict | None,
    smtp_oauth: dict | None,
    extra: str = "",
    box: str = "",
) -> Path:
    box_auth = (
        f'auth = "oauth2"\n[mailboxes.oauth2]\n{table(box_oauth)}\n'
        if box_oauth
        else 'password = "any"\n'
    )
    smtp = f'[smtp]\nhost = "127.0.0.1"\nport = {relay_port}\nsecurity = "none"\n'
    smtp += (
        f'username = "{USER}"\nauth = "oauth2"\n[smtp.oauth2]\n{table(smtp_oauth)}\n'
        if smtp_oauth
        else ""
    )
    path.write_text(f"""
state_dir = "{path.parent / "state"}"
{extra}
[support]
address = "{USER}"
name = "Acme Support"
operator = "ops@acme.example"
[intake.smtp]
enabled = false
[[mailboxes]]
name = "support"
host = "127.0.0.1"
port = {imap_port}
security = "none"
username = "{USER}"
{box}
{box_auth}
{smtp}
{PEOPLE}[summary]
enabled = false
[survey]
enabled = false
""")
    return path


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv("TEST_OAUTH_SECRET", "s3cret")


def fresh_inbox(imap: Dovecot, auth: AuthServer) -> None:
    """Empty the shared mailbox's folders (each test starts with none waiting)."""
    client = token_client(imap, auth)
    try:
        for folder in ("INBOX", "Processed", "Quarantine"):
            if client.folder_exists(folder):
                client.select_folder(folder)
                uids = client.search(["ALL"])
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
    finally:
        client.logout()


def token_client(imap: Dovecot, auth: AuthServer):
    from imapclient import IMAPClient

    _, body = auth.token(
        {
            "grant_type": "client_credentials",
            "client_id": "app",
            "client_secret": "s3cret",
            "scope": "https://outlook.office365.com/.default",
        }
    )
    client = IMAPClient("127.0.0.1", port=imap.port, ssl=False, timeout=30)
    client.oauth2_login(USER, body["access_token"])
    return client


def append(imap: Dovecot, auth: AuthServer, raw: bytes) -> None:
    client = token_client(imap, auth)
    try:
        client.append("INBOX", raw)
    finally:
        client.logout()


def logins(imap: Dovecot) -> list[str]:
    log = (imap.root / "dovecot.log").read_text()
    return [line for line in log.splitlines() if "Login: user=<" + USER in line]


def acks(relay: OAuthRelay, customer: str) -> list:
    return [r for r in relay.received if customer in r.rcpt_tos]


def test_app_only_client_credentials_for_imap_and_smtp(tmp_path, imap, auth, relay, secret):
    fresh_inbox(imap, auth)
    cfg = write_config(
        tmp_path / "maild.toml",
        imap.port,
        relay.port,
        microsoft(auth, **APP),
        microsoft(auth, **APP),
    )
    append(imap, auth, mail(subject="Printer on fire", sender="ann@example.com", msgid="<a1@x>"))
    before = len(logins(imap))

    result = cli(cfg, "run", "--once")

    assert result.exit_code == 0, result.output
    assert [t["subject"] for t in tickets(cfg)] == ["Printer on fire"]
    [ack] = acks(relay, "ann@example.com")
    assert "[#1]" in ack.msg["Subject"]
    assert relay.refused == 0
    assert any("method=XOAUTH2" in line for line in logins(imap)[before:])
    assert "client_credentials" in auth.grants


def test_certificate_and_oauthbearer(tmp_path, imap, auth, relay, secret):
    fresh_inbox(imap, auth)
    key, cert = auth.add_certificate_client("certapp", acts_for=USER)
    pem = tmp_path / "app.pem"
    pem.write_text(key + cert)
    box = microsoft(auth, client_id="certapp", certificate_file=str(pem), mechanism="oauthbearer")
    cfg = write_config(tmp_path / "maild.toml", imap.port, relay.port, box, microsoft(auth, **APP))
    append(imap, auth, mail(subject="Cert", sender="ben@example.com", msgid="<c1@x>"))
    before = len(logins(imap))

    assert cli(cfg, "run", "--once").exit_code == 0
    assert [t["subject"] for t in tickets(cfg)] == ["Cert"]
    assert any("method=OAUTHBEARER" in line for line in logins(imap)[before:])


def sign_in(cfg: Path, auth: AuthServer, name: str = "support", as_user: str = USER) -> str:
    """`maild oauth login NAME` as a person runs it; the test is the person at the
    verification page who types the code it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "maild", "--config", str(cfg), "oauth", "login", name],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    try:
        first = process.stdout.readline()
        code = first.rsplit("enter the code ", 1)[-1].split()[0]
        auth.approve(code, as_user)
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, first + rest
    return first + rest


def test_device_code_login_then_refresh_token_rotation(tmp_path, imap, auth, relay, secret):
    fresh_inbox(imap, auth)
    delegated = microsoft(auth, client_id="pub")
    cfg = write_config(tmp_path / "maild.toml", imap.port, relay.port, delegated, delegated)

    before_login = cli(cfg, "run", "--once")
    assert before_login.exit_code == 75  # not signed in: the mailbox could not be read

    said = sign_in(cfg, auth)
    assert "https://127.0.0.1:" in said and "signed in as support@acme.example" in said
    [kept] = (tmp_path / "state" / "oauth").glob("*.json")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "rt-" in kept.read_text() and "at-" in kept.read_text()

    append(imap, auth, mail(subject="First", sender="cat@example.com", msgid="<d1@x>"))
    assert cli(cfg, "run", "--once").exit_code == 0
    assert len(acks(relay, "cat@example.com")) == 1  # IMAP and SMTP on the one sign-in
    [first_rt] = auth.active_refresh_tokens()

    auth.expire_access_tokens()  # the server refuses the cached token: refresh, retry
    append(imap, auth, mail(subject="Second", sender="dan@example.com", msgid="<d2@x>"))
    assert cli(cfg, "run", "--once").exit_code == 0
    assert len(acks(relay, "dan@example.com")) == 1
    [second_rt] = auth.active_refresh_tokens()
    assert second_rt != first_rt  # rotated at the server ...
    assert second_rt in kept.read_text() and first_rt not in kept.read_text()  # ... and here
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert not list(kept.parent.glob(".token-*"))  # no temporary file left behind


def test_any_provider_device_code_and_refresh(tmp_path, imap, auth, relay, secret):
    fresh_inbox(imap, auth)
    generic = {
        "provider": "oauth2",
        "client_id": "pub",
        "token_url": auth.token_url,
        "device_authorization_url": auth.device_url,
        "scopes": ["mail"],
        "ca_file": str(auth.ca_file),
    }
    cfg = write_config(
        tmp_path / "maild.toml", imap.port, relay.port, generic, microsoft(auth, **APP)
    )
    sign_in(cfg, auth)
    append(imap, auth, mail(subject="Generic", sender="eve@example.com", msgid="<g1@x>"))
    assert cli(cfg, "run", "--once").exit_code == 0
    assert [t["subject"] for t in tickets(cfg)] == ["Generic"]
    auth.revoke_refresh_tokens()
    auth.expire_access_tokens()
    result = cli(cfg, "check-config")
    assert "maild oauth login support" in result.output


def test_google_service_account_with_delegation(tmp_path, imap, auth, relay, monkeypatch):
    fresh_inbox(imap, auth)
    key = auth.add_service_account("maild@acme-project.iam.gserviceaccount.com")
    monkeypatch.setenv("TEST_GOOGLE_KEY", json.dumps(key))
    google = {
        "provider": "google",
        "service_account_env": "TEST_GOOGLE_KEY",
        "ca_file": str(auth.ca_file),
    }
    cfg = write_config(tmp_path / "maild.toml", imap.port, relay.port, google, google)
    append(imap, auth, mail(subject="Gmail", sender="fay@example.com", msgid="<s1@x>"))
    assert cli(cfg, "run", "--once").exit_code == 0
    assert [t["subject"] for t in tickets(cfg)] == ["Gmail"]
    assert len(acks(relay, "fay@example.com")) == 1
    assert auth.grants.count("urn:ietf:params:oauth:grant-type:jwt-bearer") >= 1


def test_token_command(tmp_path, imap, auth, relay):
    fresh_inbox(imap, auth)
    _, body = auth.token(
        {
            "grant_type": "client_credentials",
            "client_id": "app",
            "client_secret": "s3cret",
            "scope": "x/.default",
        }
    )
    script = tmp_path / "print-token"
    script.write_text(f"#!/bin/sh\necho {body['access_token']}\n")
    script.chmod(0o755)
    command = {"provider": "command", "token_command": str(script)}
    cfg = write_config(tmp_path / "maild.toml", imap.port, relay.port, command, command)
    append(imap, auth, mail(subject="Pizauth", sender="gus@example.com", msgid="<t1@x>"))
    assert cli(cfg, "run", "--once").exit_code == 0
    assert len(acks(relay, "gus@example.com")) == 1

    script.write_text("#!/bin/sh\necho 'pizauth: no token for support' >&2\nexit 1\n")
    result = cli(cfg, "check-config")
    assert "token_command exited 1 (pizauth: no token for support)" in result.output


def test_a_token_expiring_between_two_mails(tmp_path, imap, auth, relay, secret):
    """Mid-session the token expires and the server drops the session (as Exchange
    does): the next connection and the relay's next login get fresh tokens."""
    fresh_inbox(imap, auth)
    proxy = Proxy(imap.port)
    try:
        cfg = write_config(
            tmp_path / "maild.toml",
            proxy.port,
            relay.port,
            microsoft(auth, **APP),
            microsoft(auth, **APP),
        )
        with running(cfg):
            append(imap, auth, mail(subject="One", sender="hal@example.com", msgid="<e1@x>"))
            assert wait_for(lambda: acks(relay, "hal@example.com"))
            issued = auth.grants.count("client_credentials")
            auth.expire_access_tokens()
            proxy.cut()  # the server ends the expired session
            time.sleep(11)  # the sender's kept connection closes after 10 s idle
            append(imap, auth, mail(subject="Two", sender="ida@example.com", msgid="<e2@x>"))
            assert wait_for(lambda: acks(relay, "ida@example.com"), 30)
        assert auth.grants.count("client_credentials") > issued
        assert relay.refused >= 1  # the relay refused the stale token once, then took a new one
    finally:
        proxy.close()


def wait_for(predicate, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_revoked_refresh_token_reports_the_mailbox_down(
    tmp_path, imap, auth, relay, secret, caplog
):
    """The mailbox is down, said in the log at ERROR, in `maild status` and to the
    operator with the command that fixes it; the rest of maild goes on delivering."""
    fresh_inbox(imap, auth)
    proxy = Proxy(imap.port)
    try:
        cfg = write_config(
            tmp_path / "maild.toml",
            proxy.port,
            relay.port,
            microsoft(auth, client_id="pub"),
            microsoft(auth, **APP),
            box="alert_after_minutes = 0.02",
        )
        sign_in(cfg, auth)
        caplog.set_level(logging.INFO)
        with running(cfg) as daemon:
            append(imap, auth, mail(subject="Before", sender="jo@example.com", msgid="<r1@x>"))
            assert wait_for(lambda: acks(relay, "jo@example.com"))
            auth.revoke_refresh_tokens()
            auth.expire_access_tokens()
            proxy.cut()
            assert wait_for(lambda: relay.to("ops@acme.example"), 30)
            [down] = relay.to("ops@acme.example")
            assert "maild oauth login support" in down.text()
            # `maild status` shows it from the next presence beat (a beat after the change)
            assert wait_for(
                lambda: "maild oauth login support" in cli(cfg, "status", "--no-imap").output, 10
            )
            # The rest keeps working: mail piped in by the MTA is acknowledged.
            piped = cli(cfg, "ingest", "-", input=mail(subject="Piped", sender="kim@example.com"))
            assert piped.exit_code == 0, piped.output
            daemon.app.outbox_wakeup.set()
            assert wait_for(lambda: acks(relay, "kim@example.com"))
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("maild oauth login support" in e for e in errors), errors
    finally:
        proxy.close()


def test_exchange_refusing_password_login_says_what_to_do(tmp_path, imap, auth, relay, caplog):
    cfg = write_config(tmp_path / "maild.toml", imap.port, relay.port, None, None)
    settings, _ = config.load(str(cfg))
    prepare(settings)
    app = build(settings)
    caplog.set_level(logging.ERROR)
    assert run_once(app) == 75
    [line] = [r.getMessage() for r in caplog.records if "support" in r.getMessage()]
    assert "Basic authentication is disabled" in line
    assert 'set auth = "oauth2"' in line and "docs/oauth2.md" in line
    assert "\n" not in line


def test_check_config_tries_token_and_login(tmp_path, imap, auth, relay, monkeypatch):
    monkeypatch.setenv("TEST_OAUTH_SECRET", "s3cret")
    cfg = write_config(
        tmp_path / "maild.toml",
        imap.port,
        relay.port,
        microsoft(auth, **APP),
        microsoft(auth, **APP),
    )
    result = cli(cfg, "check-config")
    assert result.exit_code == 0, result.output
    assert "mailbox support: token (microsoft-app) and login OK" in result.output
    assert "smtp: token (microsoft-app) and login OK" in result.output
    assert "s3cret" not in result.output

    monkeypatch.setenv("TEST_OAUTH_SECRET", "wrong")
    result = cli(cfg, "check-config")
    assert "AADSTS7000215" in result.output
    assert "copy the secret's Value (not its Secret ID)" in result.output
    assert "wrong" not in result.output.replace("is wrong", "")

    unknown = write_config(
        tmp_path / "other.toml",
        imap.port,
        relay.port,
        microsoft(auth, **APP, tenant="fabrikam"),
        None,
    )
    result = cli(unknown, "check-config")
    assert "Microsoft does not know the tenant 'fabrikam' (AADSTS90002" in result.output

    # A token the server refuses (the app has no access to this mailbox)
    auth.add_client("other", "s3cret", acts_for="someone-else@acme.example")
    monkeypatch.setenv("TEST_OAUTH_SECRET", "s3cret")
    denied = write_config(
        tmp_path / "denied.toml",
        imap.port,
        relay.port,
        microsoft(auth, client_id="other", client_secret_env="TEST_OAUTH_SECRET"),
        None,
    )
    result = cli(denied, "check-config")
    assert "the server refused the token" in result.output
    assert "Add-MailboxPermission" in result.output


def test_first_run_warns_of_hosted_password_login(tmp_path):
    cfg = tmp_path / "maild.toml"
    cfg.write_text(f"""
state_dir = "{tmp_path / "state"}"
[[mailboxes]]
host = "outlook.office365.com"
username = "{USER}"
password = "x"
[[agents]]
email = "dana@acme.example"
name = "Dana"
""")
    result = cli(cfg, "check-config")
    assert 'Microsoft 365 refuses password login; use auth = "oauth2" (see docs/oauth2.md' in (
        result.output
    )


def test_check_config_warns_before_a_provider_connection_limit(tmp_path):
    boxes = "".join(
        f'[[mailboxes]]\nhost = "imap.gmail.com"\nusername = "{USER}"\nfolder = "F{n}"\n'
        f'name = "f{n}"\nauth = "oauth2"\n[mailboxes.oauth2]\nprovider = "command"\n'
        'token_command = "false"\n'
        for n in range(8)
    )
    cfg = tmp_path / "maild.toml"
    cfg.write_text(f'state_dir = "{tmp_path / "state"}"\n{boxes}')
    result = cli(cfg, "check-config")
    assert "8 [[mailboxes]] entries log in to imap.gmail.com" in result.output
    assert "allows 15 per mailbox" in result.output
    assert result.output.count("token_command exited 1") == 8  # each said, one line each
