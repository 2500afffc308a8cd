"""A real Postfix (loopback only, relaying nothing off the machine) delivering customer mail
to maild exactly as the README's Postfix section says: the pipe to `maild ingest -` run as
the user maild, and LMTP through a transport map entry for the support address alone.
maild itself is installed as the README's install section says (a fresh venv from the
lock file), and runs as the user maild, as under systemd."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import smtplib
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.peers import PEOPLE, SmtpSink, free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = "support@acme.example"


def _run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture(scope="session")
def installed() -> Path:
    """The README's install: the user maild, a fresh venv from requirements.lock, maild."""
    if shutil.which("postfix") is None and not Path("/usr/sbin/postfix").exists():
        unavailable("no Postfix (Debian: apt-get install postfix)")
    if os.geteuid() != 0:
        unavailable("the Postfix tests run as root (Postfix and the user maild)")
    if _run("id", "maild", check=False).returncode != 0:
        _run(
            "useradd",
            "--system",
            "--home",
            "/var/lib/maild",
            "--shell",
            "/usr/sbin/nologin",
            "maild",
        )
    lock = (ROOT / "requirements.lock").read_bytes()
    venv = Path("/var/tmp") / f"maild-install-{hashlib.sha256(lock).hexdigest()[:12]}" / ".venv"
    pip = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
    if not (venv / "bin" / "python").exists():
        _run("/usr/bin/python3", "-m", "venv", str(venv))
        _run(*pip, "--require-hashes", "-r", str(ROOT / "requirements.lock"))
    _run(*pip, "--no-deps", "--force-reinstall", str(ROOT))  # this checkout's maild
    return venv / "bin" / "maild"


@dataclass
class Postfix:
    root: Path
    port: int

    @property
    def conf(self) -> str:
        return str(self.root / "etc")

    def route(self, transport: str, pipe: str = "") -> None:
        """The README's lines: one transport map entry for the support address."""
        (self.root / "etc" / "transport").write_text(f"{SUPPORT} {transport}\n")
        _run("postmap", "-c", self.conf, str(self.root / "etc" / "transport"))
        master = self.root / "etc" / "master.cf"
        lines = [line for line in master.read_text().splitlines() if not line.startswith("maild ")]
        master.write_text("\n".join([*lines, pipe]) + "\n")
        _run("postfix", "-c", self.conf, "reload")

    def send(self, to: str, subject: str, msgid: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "Sam <sam@example.com>", to, subject
        msg["Message-ID"] = msgid
        msg["Date"] = "Mon, 23 Nov 2026 09:00:00 +0000"
        msg.set_content("My kettle leaks.")
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            client.send_message(msg)

    def log(self) -> str:
        path = self.root / "postfix.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def flush(self) -> None:
        _run("postqueue", "-c", self.conf, "-f")


MAIN_CF = """compatibility_level = 3.6
queue_directory = {root}/spool
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.acme.example
mydomain = acme.example
mydestination = acme.example, localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
# Nothing leaves this machine: whatever is not local goes nowhere.
default_transport = error:the test Postfix relays nothing
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps = hash:{root}/etc/aliases
alias_database = hash:{root}/etc/aliases
mail_spool_directory = {root}/mail
maillog_file = {root}/postfix.log
# The README's lines for maild:
transport_maps = hash:{root}/etc/transport
local_recipient_maps = proxy:unix:passwd.byname $alias_maps $transport_maps
recipient_delimiter = +
"""


@pytest.fixture
def postfix(installed: Path) -> Iterator[Postfix]:
    root = Path("/var/tmp") / f"maild-postfix-{uuid.uuid4().hex[:8]}"
    for sub in ("etc", "spool", "mail"):
        (root / sub).mkdir(parents=True)
    (root / "data").mkdir()
    shutil.chown(root / "data", "postfix")
    port = free_port()
    (root / "etc" / "main.cf").write_text(MAIN_CF.format(root=root))
    master = []
    for line in Path("/usr/share/postfix/master.cf.dist").read_text().splitlines():
        fields = line.split()
        if line and line[0] not in " #" and len(fields) >= 8:
            fields[4] = "n"  # no chroot: this instance lives in a temporary folder
            if fields[:2] == ["smtp", "inet"]:
                fields[0] = f"127.0.0.1:{port}"
            line = " ".join(fields)
        master.append(line)
    (root / "etc" / "master.cf").write_text("\n".join(master) + "\n")
    (root / "etc" / "aliases").write_text("postmaster: root\n")
    (root / "etc" / "transport").write_text("")
    _run("postmap", "-c", str(root / "etc"), str(root / "etc" / "transport"))
    _run("postalias", "-c", str(root / "etc"), str(root / "etc" / "aliases"))
    _run("postfix", "-c", str(root / "etc"), "start")
    wait_for_port(port)
    yield Postfix(root, port)
    _run("postfix", "-c", str(root / "etc"), "stop", check=False)
    shutil.rmtree(root, ignore_errors=True)


@dataclass
class Maild:
    binary: Path
    cfg: Path
    proc: subprocess.Popen[bytes] | None = None

    def as_maild(self, *args: str) -> str:
        """An administrator's command, as the service's user: `sudo -u maild maild ...`."""
        done = _run(
            "runuser", "-u", "maild", "--", str(self.binary), "--config", str(self.cfg), *args
        )
        return done.stdout

    def tickets(self) -> list[dict]:
        return list(json.loads(self.as_maild("tickets", "--json")))

    def start(self) -> None:
        with open(self.cfg.parent / "maild.log", "ab") as log:  # the process has its own fd
            self.proc = subprocess.Popen(
                [
                    "runuser",
                    "-u",
                    "maild",
                    "--",
                    str(self.binary),
                    "--config",
                    str(self.cfg),
                    "run",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


@pytest.fixture
def maild(installed: Path, sink: SmtpSink) -> Iterator[Maild]:
    home = Path("/var/tmp") / f"maild-state-{uuid.uuid4().hex[:8]}"
    (home / "state").mkdir(parents=True)
    shutil.chown(home / "state", "maild", "maild")
    os.chmod(home, 0o755)
    intake = free_port()
    cfg = home / "maild.toml"
    cfg.write_text(f"""state_dir = "{home / "state"}"
[support]
address = "{SUPPORT}"
name = "Acme Support"
[intake.smtp]
listen = "127.0.0.1:{intake}"
[smtp]
host = "127.0.0.1"
port = {sink.port}
security = "none"
{PEOPLE}[summary]
enabled = false
""")
    shutil.chown(cfg, "root", "maild")
    os.chmod(cfg, 0o640)
    found = Maild(installed, cfg)
    found.intake_port = intake  # type: ignore[attr-defined]
    yield found
    found.stop()
    shutil.rmtree(home, ignore_errors=True)


def _wait(check, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return bool(check())


def test_the_readme_pipe_one_ticket_per_mail_the_same_mail_twice_once(postfix, maild, sink):
    pipe = (
        f"maild unix - n n - - pipe flags=Rq user=maild "
        f"argv={maild.binary} --config {maild.cfg} ingest -"
    )
    postfix.route("maild:", pipe)
    maild.start()  # the daemon shares the database and sends the acknowledgements
    postfix.send(SUPPORT, "Kettle", "<kettle-1@example.com>")
    postfix.send(SUPPORT, "Kettle", "<kettle-1@example.com>")  # the same mail, delivered twice
    postfix.send("root@acme.example", "cron output", "<cron-1@example.com>")
    assert _wait(lambda: "delivered via maild service (ticket #1)" in postfix.log()), postfix.log()
    assert _wait(lambda: len(sink.handler.to("sam@example.com")) >= 1)
    time.sleep(2)
    assert [t["subject"] for t in maild.tickets()] == ["Kettle"]
    assert len(sink.handler.to("sam@example.com")) == 1  # one acknowledgement
    assert "status=sent (delivered via maild service (duplicate" in postfix.log()
    assert "to=<root@acme.example>, relay=local" in postfix.log()  # root's mail stays local
    assert "INFO" not in postfix.log()  # no log lines in the delivery status


def test_the_readme_lmtp_transport_and_maild_down_defers_then_delivers(postfix, maild, sink):
    text = maild.cfg.read_text().replace('listen = "', 'protocol = "lmtp"\nlisten = "', 1)
    maild.cfg.write_text(text)
    postfix.route(f"lmtp:inet:127.0.0.1:{maild.intake_port}")
    postfix.send(SUPPORT, "Before maild", "<lmtp-1@example.com>")  # maild is not running
    assert _wait(lambda: "status=deferred" in postfix.log()), postfix.log()
    assert "bounced" not in postfix.log()
    maild.start()
    wait_for_port(maild.intake_port, timeout=30)
    postfix.flush()
    assert _wait(lambda: "status=sent (250 2.0.0 Message accepted)" in postfix.log(), 60), (
        postfix.log()
    )
    postfix.send(SUPPORT, "While running", "<lmtp-2@example.com>")
    postfix.send("root@acme.example", "cron output", "<cron-2@example.com>")
    assert _wait(lambda: len(maild.tickets()) == 2)
    assert sorted(t["subject"] for t in maild.tickets()) == ["Before maild", "While running"]
    assert _wait(lambda: len(sink.handler.to("sam@example.com")) == 2)
    assert "to=<root@acme.example>, relay=local" in postfix.log()
