"""The peer: Roundup's mail gateway taking the same mails from the same Dovecot.

Roundup is not one of maild's dependencies: it is used where `roundup-mailgw`
is on PATH (`python3 -m venv /tmp/rvenv && /tmp/rvenv/bin/pip install roundup`,
then PATH=/tmp/rvenv/bin:$PATH). Its tracker is the stock "classic" template on
SQLite with one change the job needs: unknown senders may open issues by mail
(schema.py ships that line commented out, to keep spam off public trackers).
Roundup sends nothing here: the classic tracker mails the nosy list except the
author, and a new issue's only nosy is its author; maild's figures include
rendering an acknowledgement and a notification for each mail.

`roundup-mailgw ... imap` takes the mailbox on IMAP's port 143 only (it passes
no port to imaplib), so it runs under a two-line wrapper that gives imaplib the
private Dovecot's port; the rest is Roundup's own code path.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

WRAPPER = """
import imaplib, sys
imaplib.IMAP4.__init__.__defaults__ = ("", int(sys.argv.pop(1)), None)
from roundup.scripts.roundup_mailgw import run
run()
"""


def available() -> bool:
    return shutil.which("roundup-mailgw") is not None


def _python() -> str:
    """The interpreter Roundup is installed for: its script's shebang."""
    script = shutil.which("roundup-mailgw")
    assert script is not None
    first = Path(script).read_text().splitlines()[0]
    return first.removeprefix("#!").strip()


def _admin(tracker: Path, *args: str) -> str:
    admin = Path(shutil.which("roundup-mailgw") or "").with_name("roundup-admin")
    out = subprocess.run(
        [str(admin), "-i", str(tracker), *args],
        input="y\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def tracker(path: Path) -> Path:
    """A classic SQLite tracker that lets unknown senders open issues by mail."""
    _admin(path, "install", "classic", "sqlite")
    config = path / "config.ini"
    text = config.read_text()
    text = text.replace("#web = NO DEFAULT", "web = http://localhost:8080/tracker/", 1)
    text = text.replace("#domain = NO DEFAULT", "domain = acme.example", 1)
    config.write_text(text)
    schema = path / "schema.py"
    line = "db.security.addPermissionToRole('Anonymous', 'Email Access')"
    schema.write_text(schema.read_text().replace("#" + line, line, 1))
    _admin(path, "initialise", "bench-admin-password")
    return path


def take(path: Path, port: int, user: str, password: str) -> dict:
    """Time roundup-mailgw emptying the mailbox; count the mails it took (its msg
    nodes: a reply joins its issue, as with maild) and the issues it opened."""
    start = time.perf_counter()
    subprocess.run(
        [_python(), "-c", WRAPPER, str(port), str(path), "imap", f"{user}:{password}@127.0.0.1"],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    issues = [ln for ln in _admin(path, "list", "issue").splitlines() if ln.strip()]
    msgs = [ln for ln in _admin(path, "list", "msg").splitlines() if ln.strip()]
    return {"seconds": seconds, "mails": len(msgs), "issues": len(issues)}
