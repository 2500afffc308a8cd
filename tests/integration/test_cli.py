"""The maild command as an administrator uses it."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from maild.adapters import clock as clocks
from maild.cli import main
from tests.conftest import mail
from tests.peers import PEOPLE, free_port

POISON = b"From: nobody (no address)\r\nSubject: x\r\n\r\nbody\r\n"


def run(*args, input=None, env=None, clock=None):
    """`maild ARGS` in-process; on the test's clock when given (else the suite's, a year
    ahead of the real date)."""
    env = {**(env or {}), **(clocks.env_for(clock) if clock else {})}
    return CliRunner().invoke(main, list(args), input=input, env=env)


def make_config(tmp_path, extra=""):
    path = tmp_path / "maild.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[support]\naddress = "support@acme.example"\n{extra}'
    )
    return str(path)


def test_init_writes_a_config_that_checks(tmp_path):
    target = tmp_path / "etc" / "maild.toml"
    assert run("init", str(target)).exit_code == 0
    assert run("init", str(target)).exit_code != 0  # never overwrites silently
    result = run("--config", str(target), "check-config")
    assert result.exit_code == 0 and "OK" in result.output


def test_check_config_names_the_key_and_exits_78(tmp_path):
    cfg = make_config(tmp_path, "[intake.smtp]\nlistn = '127.0.0.1:25'\n")
    result = run("--config", cfg, "check-config")
    assert result.exit_code == 78
    assert "intake.smtp.listn: unknown key (did you mean 'listen'?)" in result.output
    result = run("--config", cfg, "run", "--once")
    assert result.exit_code == 78  # run refuses the same way
    assert run("--config", str(tmp_path / "nope.toml"), "check-config").exit_code == 78


def test_a_missing_secret_exits_78(tmp_path):
    cfg = make_config(tmp_path, "[smtp]\nhost = 'mx'\nusername = 'u'\n")
    result = run("--config", cfg, "check-config", env={"MAILD_SMTP_PASSWORD": ""})
    assert result.exit_code == 78 and "smtp.password: missing secret" in result.output


def test_read_only_commands_create_nothing_until_prepared(tmp_path):
    """`maild tickets` on a state never set up says so and leaves nothing behind
    (a check run as root must not create a root-owned database); `maild migrate`
    prepares it; a newer maild on an older schema is told the same way."""
    cfg = make_config(tmp_path)
    for command in (["tickets"], ["ledger"], ["outbox"], ["status", "--no-imap"]):
        result = run("--config", cfg, *command)
        assert result.exit_code == 1, command
        assert "not set up yet" in result.output and "maild migrate" in result.output
    assert not (tmp_path / "state").exists()
    assert run("--config", cfg, "migrate").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["maild.db", "token.key"]
    result = run("--config", cfg, "tickets")
    assert result.exit_code == 0 and "(none)" in result.output


def test_ingest_file_and_stdin_then_look_inside(tmp_path):
    cfg = make_config(tmp_path)
    eml = tmp_path / "one.eml"
    eml.write_bytes(mail(subject="From a file"))
    result = run("--config", cfg, "ingest", str(eml))
    assert result.exit_code == 0 and result.output.startswith("ticket #1")
    result = run("--config", cfg, "ingest", "-", input=mail(subject="From a pipe"))
    assert result.exit_code == 0 and "ticket #2" in result.output

    listed = json.loads(run("--config", cfg, "tickets", "--json").output)
    assert [t["subject"] for t in listed] == ["From a pipe", "From a file"]
    assert {"id", "status", "customer", "subject", "agent"} <= set(listed[0])
    shown = json.loads(run("--config", cfg, "ticket", "1", "--json").output)
    assert shown[0]["id"] == 1 and shown[0]["timeline"][0]["type"] == "message"
    assert "From a file" in run("--config", cfg, "ticket", "1").output
    assert run("--config", cfg, "ticket", "99").exit_code != 0

    outbox = json.loads(run("--config", cfg, "outbox", "--json").output)
    assert {o["status"] for o in outbox} == {"queued"}
    assert {"id", "status", "recipients", "last_error", "attempts"} <= set(outbox[0])
    assert "customer/ack" in run("--config", cfg, "outbox").output


def test_ingest_exits_75_when_the_database_is_unreachable(tmp_path):
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    cfg = make_config(tmp_path, f'[database]\nurl = "{url}"\n')
    result = run("--config", cfg, "ingest", "-", input=mail())
    assert result.exit_code == 75 and "unreachable" in result.output


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path):
    url = f"postgresql+psycopg://nobody:secret@127.0.0.1:{free_port()}/none"
    cfg = make_config(tmp_path, f'[database]\nurl = "{url}"\n')
    once = subprocess.run(
        [sys.executable, "-m", "maild", "--config", str(cfg), "run", "--once"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert once.returncode == 75
    [line] = once.stderr.strip().splitlines()
    assert line.startswith("maild: database postgresql+psycopg://nobody:***@127.0.0.1:")
    assert "unreachable" in line and "secret" not in line
    checked = run("--config", cfg, "check-config")
    # exit 75: a script or systemd's ExecCondition= waits and tries again
    assert checked.exit_code == 75 and "(WARNING: unreachable: " in checked.output


def test_the_daemon_waits_for_an_unreachable_database_and_says_so(tmp_path):
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    cfg = make_config(tmp_path, f'[database]\nurl = "{url}"\n')
    daemon = subprocess.Popen(
        [sys.executable, "-m", "maild", "--config", str(cfg), "run"],
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    # Its lines as they come, until it has retried twice: on a loaded machine Python's
    # start alone can take seconds, so no fixed sleep decides.
    reader = threading.Thread(target=lambda: lines.extend(daemon.stderr or ()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while sum("retrying in" in x for x in lines) < 2 and time.monotonic() < deadline:
            assert daemon.poll() is None, "".join(lines)  # still there, retrying
            time.sleep(0.1)
        assert daemon.poll() is None
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        reader.join(timeout=10)
        if daemon.stderr is not None:
            daemon.stderr.close()
    err = "".join(lines)
    retries = [line for line in err.splitlines() if "retrying in" in line]
    assert len(retries) >= 2 and "unreachable" in retries[0]
    assert "Traceback" not in err


def test_quarantine_list_show_retry(tmp_path):
    cfg = make_config(tmp_path)
    assert run("--config", cfg, "ingest", "-", input=POISON).exit_code == 0
    listed = json.loads(run("--config", cfg, "quarantine", "--json").output)
    assert len(listed) == 1 and listed[0]["status"] == "held"
    assert (listed[0]["from"], listed[0]["subject"]) == ("nobody (no address)", "x")
    table = run("--config", cfg, "quarantine", "list").output
    assert "FROM" in table and "nobody (no address)" in table
    shown = run("--config", cfg, "quarantine", "show", "1")
    assert "no usable sender" in shown.output and "Traceback" in shown.output
    assert run("--config", cfg, "quarantine", "retry", "1").exit_code == 1  # still broken

    # The operator repairs the raw mail in place (as a fixed release would), then retries.
    from maild import config as cfgmod
    from maild.bootstrap import build, prepare

    settings = cfgmod.load(cfg)[0]
    prepare(settings)
    app = build(settings)
    with app.db.transaction() as store:
        store.quarantine(1).raw = POISON.replace(b"nobody (no address)", b"a@example.com")
    app.db.engine.dispose()
    result = run("--config", cfg, "quarantine", "retry", "1")
    assert result.exit_code == 0 and "released: ticket #1" in result.output
    listed = json.loads(run("--config", cfg, "quarantine", "list", "--json").output)
    assert listed[0]["status"] == "released" and listed[0]["released_ticket"] == 1
    assert run("--config", cfg, "quarantine", "retry", "1").exit_code != 0


def test_demo_prints_what_each_person_receives(tmp_path):
    result = run("demo", "--keep", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "to Sam Customer <sam@example.com>" in out
    assert "to Dana Agent <dana@acme.example>" in out
    assert "(nobody receives anything)" in out  # the out-of-office
    assert "#2 [open] eve@example.org" in out
    # files: Sam's screenshot reaches Dana, Dana's return label reaches Sam
    note = out.split("to Dana Agent <dana@acme.example>", 1)[1].split("✉", 1)[0]
    assert "attached: tracking-error.png (70 bytes, image/png)" in note
    answer = out.split("I have added a USD 20 credit", 1)[1].split("✉", 1)[0]
    assert "attached: return-label.pdf (69 bytes, application/pdf)" in answer
    assert "Files sent: return-label.pdf (69 bytes)" in out  # Dana's receipt
    # the agent credits within the limit, then over it; the manager approves
    assert "A credit of $20.00 has been added to your account." in out
    assert "Subject: [#1] Approval needed: Dana Agent credits $80.00" in out
    assert "Subject: [#1] Receipt: approved and applied" in out
    assert "USD 80.00 'kettle lost, full refund', approved by maria@acme.example" in out
    assert "#1 [closed] sam@example.com" in out
    # an escalation: handover, an internal note, an update to the customer, the return
    assert "Subject: [#3] Escalated to Engineering: Export fails on big files" in out
    assert "Your request has gone to our Engineering team." in out
    assert "Note from Erin Engineer (Engineering)" in out
    assert '"Erin Engineer (Engineering, Acme Support)" <support@acme.example>' in out
    assert "Handed back by Erin Engineer (Engineering)" in out
    # a ticket nears its response target; a handover; the new agent answers from it
    assert "Subject: [#4] First response due 11/23/26, 1:00 PM: Invoice address wrong" in out
    assert "Subject: [#4] Handed to you by Dana Agent: Invoice address wrong" in out
    assert "Hi Bo, I have corrected the address" in out
    # Maria coaches Dana; Dana answers her; Sam rates his closed ticket
    assert "Subject: [#1] Coaching from maria@acme.example" in out
    assert "Subject: [#1] Dana Agent answers your coaching" in out
    # the survey goes the next morning, not with the closing
    closing = out.index("We have closed this request.")
    survey = out.index("Subject: [#1] How did we do?")
    assert out.index("== The next morning, a day after the closing") < survey
    assert closing < survey and out.count("Subject: [#1] How did we do?") == 1
    assert "Subject: [#1] Rated good by sam@example.com" in out
    # Jonas writes in German: his acknowledgement and the lines around Dana's answer too
    jonas = out.split("== Jonas writes in German", 1)[1].split("== Ledger", 1)[0]
    assert "Subject: [#5] Ihre Anfrage: Bestellung nicht angekommen" in jonas
    assert "Ihrem Konto wurde eine Gutschrift über 20,00\xa0$ hinzugefügt." in jonas
    assert "Wir haben diese Anfrage abgeschlossen." in jonas
    assert "Subject: [#5] Receipt: applied" in jonas  # Dana's, in English
    # Monday's summary, read on Tuesday: the rating counts in Tuesday's
    assert "Dana Agent: satisfaction - (no ratings)" in out
    # the slips a reader noticed
    assert "Hello Sam Customer,\n     | \n     | We have received" in out
    assert "$50.00 left" not in out and "($50.00)" in out  # per credit: nothing "left"
    assert "0.0 days" not in out and "last heard from us less than an hour ago" in out
    assert "ratings)" not in out.replace("(no ratings)", "")
    assert "added to your account (late delivery)" not in out  # the reason is ours
    # it ends with Maria's summary, as text and as an HTML file
    assert "Daily summary for tier1" in out
    assert "replies 3, solved 1, credits 2 ($100.00, average $50.00)" in out
    html = (tmp_path / "demo" / "summary.html").read_text()
    assert "Daily summary" in html and "Dana Agent" in html


def test_init_writes_a_config_that_names_its_state_and_its_people(tmp_path):
    target = tmp_path / "etc" / "maild.toml"
    state = tmp_path / "state"
    result = run("init", str(target), "--state-dir", str(state))
    assert result.exit_code == 0
    assert f"maild --config {target} check-config" in result.output
    assert f"maild --config {target} run" in result.output
    text = target.read_text()
    assert f'state_dir = "{state}"' in text and "[[agents]]" in text
    # on the real clock: the suite's clock a year ahead is a warning of its own
    checked = run("--config", str(target), "check-config", env={clocks.ENV: None})
    assert checked.exit_code == 0, checked.output
    assert f"state:     {state}" in checked.output
    assert f"sqlite:///{state}/maild.db" in checked.output
    assert "WARNING" not in checked.output
    assert "token key: none yet" in checked.output
    ahead = run("--config", str(target), "check-config", env={clocks.ENV: "+365d"})
    assert "WARNING: MAILD_CLOCK=+365d sets maild's clock" in ahead.output


def test_the_walkthrough_as_root_keeps_its_state_beside_its_config(tmp_path):
    """`maild init maild.toml` in a working folder (as root, as many first tries are)
    never picks /var/lib/maild; the commands it prints work as printed."""
    maild = Path(sys.executable).parent / "maild"
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # maild is not on PATH: the venv's is
    done = subprocess.run(
        [str(maild), "init", "maild.toml"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert f'state_dir = "{tmp_path / "maild-state"}"' in (tmp_path / "maild.toml").read_text()
    assert (tmp_path / "maild.toml").stat().st_mode & 0o777 == 0o640
    [check] = [line.split(":  ", 1)[1] for line in done.stdout.splitlines() if "check it" in line]
    assert check == f"{maild} --config maild.toml check-config"
    checked = subprocess.run(check, shell=True, cwd=tmp_path, env=env, capture_output=True)
    assert checked.returncode == 0, checked.stdout
    assert f"state:     {tmp_path / 'maild-state'}" in checked.stdout.decode()
    system = subprocess.run(
        [str(maild), "init", "--system", "system.toml"], cwd=tmp_path, capture_output=True
    )
    assert 'state_dir = "/var/lib/maild"' in (tmp_path / "system.toml").read_text()
    assert system.returncode == 0


def test_check_config_warns_of_what_would_surprise_a_newcomer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "maild.toml").write_text("")  # written by `maild init`, then forgotten
    other = tmp_path / "other.toml"
    other.write_text("[intake.smtp]\nenabled = false\n")
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "systemd-state"))
    checked = run("--config", str(other), "check-config", env={clocks.ENV: None})
    assert checked.exit_code == 0
    warnings = [line for line in checked.output.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 3
    assert "state_dir is not set, so it comes from $STATE_DIRECTORY" in warnings[0]
    assert "no [[agents]]" in warnings[1] and "nobody is notified" in warnings[1]
    assert f"{tmp_path / 'maild.toml'} is not used" in warnings[2]


def test_a_newcomer_answers_a_ticket_as_an_agent_from_the_command_line(tmp_path):
    cfg = make_config(tmp_path, PEOPLE)
    assert run("--config", cfg, "ingest", "-", input=mail()).exit_code == 0
    words = "#credit 10 late\n#close\n\nHi Sam, sorry for the wait.\n\nDana"
    result = run("--config", cfg, "reply", "1", "--as", "dana@acme.example", words)
    assert result.exit_code == 0, result.output
    assert "staff #1: agent mail: applied" in result.output
    [ticket] = json.loads(run("--config", cfg, "ticket", "1", "--json").output)
    assert ticket["status"] == "closed"
    sent = json.loads(run("--config", cfg, "outbox", "--json").output)
    assert {o["template"] for o in sent} >= {"customer/reply", "staff/receipt"}
    nobody = run("--config", cfg, "reply", "1", "--as", "lee@acme.example", "hi")
    assert (
        nobody.exit_code != 0 and "sent lee@acme.example nothing about ticket #1" in nobody.output
    )


def test_the_demo_leaves_nothing_behind_without_keep(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR is read again
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "removed now" in result.output
    assert list(tmp_path.iterdir()) == []
