"""The maild command as an administrator uses it."""

import json
import subprocess
import sys
import time

from click.testing import CliRunner

from maild.cli import main
from tests.conftest import mail
from tests.peers import PEOPLE, free_port

POISON = b"From: nobody (no address)\r\nSubject: x\r\n\r\nbody\r\n"


def run(*args, input=None, env=None):
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
    try:
        time.sleep(4)
        assert daemon.poll() is None  # still there, retrying
    finally:
        daemon.terminate()
        _, err = daemon.communicate(timeout=30)
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
    # the agent credits within the limit, then over it; the manager approves
    assert "A credit of USD 20.00 has been added to your account (late delivery)." in out
    assert "Subject: [#1] Approval needed: Dana Agent credits USD 80.00" in out
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
    assert "Subject: [#4] First response due Mon 23 Nov 13:00: Invoice address wrong" in out
    assert "Subject: [#4] Handed to you by Dana Agent: Invoice address wrong" in out
    assert "Hi Bo, I have corrected the address" in out
    # Maria coaches Dana; Dana answers her; Sam rates his closed ticket
    assert "Subject: [#1] Coaching from maria@acme.example" in out
    assert "Subject: [#1] Dana Agent answers your coaching" in out
    assert "Subject: [#1] Rated good by sam@example.com" in out
    assert "Dana Agent: satisfaction 100% good (1 rating)" in out
    # it ends with Maria's summary, as text and as an HTML file
    assert "Daily summary for tier1" in out
    assert "replies 3, solved 1, credits 2 (USD 100.00, average USD 50.00)" in out
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
    checked = run("--config", str(target), "check-config")
    assert checked.exit_code == 0, checked.output
    assert f"state:     {state}" in checked.output
    assert f"sqlite:///{state}/maild.db" in checked.output
    assert "WARNING" not in checked.output


def test_check_config_warns_of_what_would_surprise_a_newcomer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "maild.toml").write_text("")  # written by `maild init`, then forgotten
    other = tmp_path / "other.toml"
    other.write_text("[intake.smtp]\nenabled = false\n")
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "systemd-state"))
    checked = run("--config", str(other), "check-config")
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
