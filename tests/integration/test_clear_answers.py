"""Clear answers instead of tracebacks: what an administrator reads when something
is not as they thought (a second `maild run`, no maild running, no config named,
a wrong password), and the command line they type."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from maild import cliargs
from maild.adapters import clock as clocks
from maild.adapters.db.models import Instance
from maild.cli import main
from tests.integration.helpers import outbox
from tests.integration.staff import answer, last, open_ticket, take
from tests.peers import free_port, wait_for_port

ROOT = Path(__file__).parents[2]


def run(*args: str, env: dict[str, str] | None = None, clock=None):
    env = {**(env or {}), **(clocks.env_for(clock) if clock else {})}
    return CliRunner().invoke(main, list(args), env=env)


def config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "maild.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n'
        '[support]\naddress = "support@acme.example"\n'
        f'[intake.smtp]\nlisten = "127.0.0.1:{port}"\n'
        '[[agents]]\nemail = "dana@acme.example"\nname = "Dana Agent"\n'
    )
    return path


def maild(cfg: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "maild", "--config", str(cfg), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_a_second_run_on_the_same_port_says_so_in_one_line_and_exits_75(tmp_path):
    port = free_port()
    cfg = config(tmp_path, port)
    first = maild(cfg, "run")
    try:
        wait_for_port(port)
        second = maild(cfg, "run")
        out, err = second.communicate(timeout=60)
        assert second.returncode == 75, err
        said = [line for line in err.splitlines() if clocks.ENV not in line]  # the suite's clock
        assert said == [
            f"maild: 127.0.0.1:{port} is in use: is maild already running? `maild status`"
        ]
        assert out == "" and first.poll() is None  # the first one runs on
        status = run("--config", str(cfg), "status", "--no-imap")
        assert status.exit_code == 0 and ": running, seen" in status.output
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    assert first.returncode == 0
    status = run("--config", str(cfg), "status", "--no-imap")
    assert status.exit_code == 3, status.output  # as `systemctl status` says it
    assert "maild: not running" in status.output and ": running" not in status.output
    assert "(oldest" not in status.output and " - s" not in status.output


def test_status_lists_no_gone_process_as_present(app, clock, tmp_path):
    """A process killed with -9 leaves its row: it is the last one seen, not a
    running maild."""
    seen = clock() - timedelta(hours=2)
    with app.db.transaction() as store:
        store.add(Instance(id="box:4242:dead", host="box", pid=4242, started_at=seen, seen_at=seen))
    cfg = tmp_path / "maild.toml"
    cfg.write_text(f'state_dir = "{app.settings.state_dir}"\n')
    if app.db.engine.dialect.name != "sqlite":
        cfg.write_text(
            cfg.read_text() + f'[database]\nurl = "{app.db.engine.url.render_as_string(False)}"\n'
        )
    result = run("--config", str(cfg), "status", "--no-imap", clock=clock)
    assert result.exit_code == 3, result.output
    assert "maild: not running (the last one, pid 4242 on box, was seen 2 hours ago)" in (
        result.output
    )
    assert "box:4242:dead" not in result.output
    found = run("--config", str(cfg), "status", "--no-imap", "--json", clock=clock)
    assert found.exit_code == 3
    data = json.loads(found.output)
    assert data["running"] is False and data["instances"] == []
    assert data["last_seen"]["pid"] == 4242


def test_a_command_without_a_config_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MAILD_CONFIG", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home-state"))
    (tmp_path / "maild.toml").write_text(f'state_dir = "{tmp_path / "state"}"\n')
    result = run("tickets")
    assert result.exit_code == 1
    assert "not set up yet" in result.output and "maild migrate" in result.output
    assert "config: none found (looked for --config FILE, $MAILD_CONFIG," in result.output
    assert f"maild --config {tmp_path / 'maild.toml'}" in result.output
    assert "Traceback" not in result.output


def test_config_is_accepted_after_the_command_too(tmp_path):
    cfg = str(config(tmp_path, free_port()))
    assert run("--config", cfg, "migrate").exit_code == 0
    before = run("--config", cfg, "tickets", "--json")
    after = run("tickets", "--json", "--config", cfg)
    equals = run("tickets", f"--config={cfg}")
    assert (before.exit_code, after.exit_code, equals.exit_code) == (0, 0, 0), after.output
    assert json.loads(after.output) == json.loads(before.output) == []
    assert "(none)" in equals.output
    assert cliargs.hoist_config(["reply", "1", "--", "--config", "x"]) == [
        "reply",
        "1",
        "--",
        "--config",
        "x",
    ]


def test_version_and_every_json_option_says_what_it_does():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("maild ")

    def options(command, path):
        for param in command.params:
            if "--json" in getattr(param, "opts", ()):
                yield path, param
        for name, sub in getattr(command, "commands", {}).items():
            yield from options(sub, f"{path} {name}")

    found = list(options(main, "maild"))
    assert len(found) >= 10
    assert [path for path, param in found if not param.help] == []


def test_ticket_shows_events_in_words(app, tmp_path):
    open_ticket(app)
    notification = last(app, "agent/new", "dana@acme.example")
    take(app, answer(notification, "#credit 20 late delivery\n#close\n\nHi Sam, sorted."))
    assert outbox(app)
    cfg = tmp_path / "maild.toml"
    cfg.write_text(f'state_dir = "{app.settings.state_dir}"\n')
    if app.db.engine.dialect.name != "sqlite":
        cfg.write_text(
            cfg.read_text() + f'[database]\nurl = "{app.db.engine.url.render_as_string(False)}"\n'
        )
    result = run("--config", str(cfg), "ticket", "1")
    assert result.exit_code == 0, result.output
    events = [line for line in result.output.splitlines() if line.startswith("*** ")]
    said = "\n".join(events)
    assert "opened by sam@example.com" in said
    assert "dana@acme.example, line 1 #credit 20 late delivery: applied: credited USD 20.00" in said
    assert "{" not in said and "'" not in said.replace("'#", "")  # no Python dicts, no reprs
    assert "args=" not in said and "=" not in said


def test_a_wrong_imap_password_is_the_servers_words_with_host_and_port(
    tmp_path, dovecot, imap_user
):
    cfg = tmp_path / "maild.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[support]\naddress = "support@acme.example"\n'
        f'[[mailboxes]]\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
        f'username = "{imap_user}"\npassword = "not-the-password"\n'
    )
    result = run("--config", str(cfg), "check-config")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith(f"    {imap_user}@"))
    assert line.startswith(f"    {imap_user}@127.0.0.1/INBOX: WARNING: 127.0.0.1:{dovecot.port}: ")
    assert "[AUTHENTICATIONFAILED] Authentication failed" in line  # the server's words
    assert line.count(imap_user) == 1
    assert "b'" not in result.output and 'b"' not in result.output
    cfg.write_text(cfg.read_text().replace("not-the-password", dovecot.password))
    result = run("--config", str(cfg), "check-config")
    assert "login OK, 0 mail(s) waiting in INBOX" in result.output, result.output


def test_check_config_tries_the_relay_with_a_short_timeout(tmp_path):
    port = free_port()  # nobody listens
    cfg = tmp_path / "maild.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[support]\naddress = "support@acme.example"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
    )
    started = time.monotonic()
    result = run("--config", str(cfg), "check-config")
    assert time.monotonic() - started < 10
    assert result.exit_code == 0, result.output
    assert f"smtp 127.0.0.1:{port}: WARNING: Connection refused" in result.output


def test_a_reload_onto_a_taken_port_keeps_the_running_settings(tmp_path, caplog):
    import socket
    import threading

    from maild import config as settings_file
    from maild.bootstrap import build, prepare
    from maild.daemon import Daemon

    def logged(text: str, times: int = 1) -> bool:
        """Waits for the daemon's log (no connection to the intake: one left open
        when it stops would be a socket nobody closes)."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and caplog.text.count(text) < times:
            time.sleep(0.1)
        return caplog.text.count(text) >= times

    port, taken = free_port(), free_port()
    cfg = config(tmp_path, port)
    settings, _ = settings_file.load(str(cfg))
    prepare(settings)
    daemon = Daemon(build(settings), str(cfg))
    thread = threading.Thread(target=daemon.serve, daemon=True)
    holder = socket.socket()
    holder.bind(("127.0.0.1", taken))
    holder.listen(1)
    listening = f"intake listening on 127.0.0.1:{port}"
    try:
        with caplog.at_level(logging.INFO):
            thread.start()
            assert logged(listening)
            cfg.write_text(cfg.read_text().replace(f":{port}", f":{taken}"))
            daemon.reload.set()
            assert logged("reload refused")
            assert logged(listening, times=2)  # the old intake listens again
        assert (
            f"reload refused, keeping the running settings: 127.0.0.1:{taken} is in use"
            in caplog.text
        )
        assert thread.is_alive()
    finally:
        daemon.stop.set()
        thread.join(timeout=30)
        holder.close()
    assert not thread.is_alive()


def test_check_config_says_the_relay_answers(tmp_path, sink):
    cfg = tmp_path / "maild.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[support]\naddress = "support@acme.example"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {sink.port}\nsecurity = "none"\n'
    )
    result = run("--config", str(cfg), "check-config")
    assert result.exit_code == 0, result.output
    assert f"smtp 127.0.0.1:{sink.port}: answers, security none" in result.output
    assert sink.handler.received == []  # a check sends nothing
