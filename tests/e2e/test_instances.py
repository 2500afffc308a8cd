"""Several `maild run` on one PostgreSQL: an instance pinned to its mailbox
($MAILD_MAILBOXES, or --mailbox), another reading what nobody else reads and
standing by for the rest, which takes over when the pinned one is killed."""

from __future__ import annotations

import uuid
from pathlib import Path

from click.testing import CliRunner

from maild.cli import main
from tests.conftest import create_pg_database, drop_pg_database, mail
from tests.faults.conftest import Maild
from tests.peers import PEOPLE


def config(path: Path, dovecot, users: dict[str, str], sink_port: int, url: str) -> Path:
    boxes = "".join(
        f'[[mailboxes]]\nname = "{name}"\nhost = "127.0.0.1"\nport = {dovecot.port}\n'
        f'security = "none"\nusername = "{user}"\npassword = "{dovecot.password}"\n'
        for name, user in users.items()
    )
    path.write_text(
        f'state_dir = "{path.parent / "state"}"\nlog_level = "INFO"\n[database]\nurl = "{url}"\n'
        '[support]\naddress = "support@acme.example"\n[intake.smtp]\nenabled = false\n'
        f'{boxes}[smtp]\nhost = "127.0.0.1"\nport = {sink_port}\nsecurity = "none"\n'
        f"{PEOPLE}[summary]\nenabled = false\n[survey]\nenabled = false\n"
    )
    return path


def test_a_pinned_instance_reads_its_mailbox_and_a_standby_takes_it_over(tmp_path, dovecot, sink):
    users = {"sales": f"sales-{uuid.uuid4().hex[:6]}", "billing": f"bill-{uuid.uuid4().hex[:6]}"}
    url = create_pg_database()
    cfg = config(tmp_path / "maild.toml", dovecot, users, sink.port, url)
    pinned = Maild(cfg, tmp_path / "pinned.log", env={"MAILD_MAILBOXES": "sales"})
    other = Maild(cfg, tmp_path / "other.log")
    try:
        pinned.start()
        assert wait(lambda: "maild running" in pinned.logged(), 30), pinned.logged()
        other.start()
        dovecot.append(users["sales"], mail(subject="s1", sender="s1@example.com"))
        dovecot.append(users["billing"], mail(subject="b1", sender="b1@example.com"))
        assert wait(lambda: sink.handler.to("s1@example.com"), 30)
        assert wait(lambda: sink.handler.to("b1@example.com"), 30)
        assert "sales: {" not in other.logged()  # the intake's line for a mailbox it took
        assert "billing: {" not in pinned.logged() and "sales: {" in pinned.logged()
        pinned.kill()  # kill -9: PostgreSQL drops its session's advisory lock
        dovecot.append(users["sales"], mail(subject="s2", sender="s2@example.com"))
        assert wait(lambda: sink.handler.to("s2@example.com"), 30), other.logged()
        assert len(sink.handler.to("s1@example.com")) == 1
    finally:
        pinned.kill()
        other.stop()
        drop_pg_database(url)


def test_an_unknown_mailbox_is_a_configuration_error(tmp_path, dovecot):
    cfg = config(tmp_path / "maild.toml", dovecot, {"sales": "s"}, 2525, "sqlite:///x.db")
    result = CliRunner().invoke(main, ["--config", str(cfg), "run", "--mailbox", "nope"])
    assert result.exit_code == 78
    assert "no such mailbox: nope" in result.output


def wait(check, timeout: float) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return bool(check())


def test_run_once_with_mailbox_takes_that_mailbox_alone(tmp_path, dovecot, sink):
    users = {"sales": f"sales-{uuid.uuid4().hex[:6]}", "billing": f"bill-{uuid.uuid4().hex[:6]}"}
    db = f"sqlite:///{tmp_path / 'maild.db'}"
    cfg = config(tmp_path / "maild.toml", dovecot, users, sink.port, db)
    dovecot.append(users["sales"], mail(subject="s1", sender="s1@example.com"))
    dovecot.append(users["billing"], mail(subject="b1", sender="b1@example.com"))
    args = ["--config", str(cfg), "run", "--once", "--mailbox", "billing"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sink.handler.to("b1@example.com") and not sink.handler.to("s1@example.com")
    client = dovecot.client(users["sales"])
    try:
        client.select_folder("INBOX")
        assert len(client.search(["ALL"])) == 1  # left for the instance that reads it
    finally:
        client.logout()
