"""`maild status` as an administrator reads it, against a running daemon and a real Dovecot."""

from __future__ import annotations

import json
import time
import urllib.request

from tests.conftest import mail
from tests.e2e.test_imap import cli, running
from tests.peers import free_port


def _status(cfg, running: bool = True) -> dict:
    result = cli(cfg, "status", "--json")
    assert result.exit_code == (0 if running else 3), result.output  # 3: none runs
    return json.loads(result.output)


def test_status_shows_the_mailbox_the_outbox_and_the_jobs(setup):
    cfg, dovecot, user, sink = setup
    with running(cfg):
        dovecot.append(user, mail(subject="status", sender="s1@example.com"))
        assert len(sink.handler.wait_for(2, timeout=10)) == 2
        time.sleep(3.5)  # one presence beat
        found = _status(cfg)
        dovecot.append(user, mail(subject="waiting", sender="s2@example.com"))
        text = cli(cfg, "status").output
    [me] = [i for i in found["instances"] if i["alive"]]
    assert me["workers"]["imap-0"]["connected"] is True
    assert {"imap-0", "outbox", "scheduler"} <= set(me["workers"])
    [box] = found["mailboxes"]
    assert box["connected"] and box["mode"] == "IDLE" and box["last_check"]
    assert box["waiting"] == 0
    assert found["outbox"]["sent"] == 2 and found["outbox"]["queued"] == 0
    assert me["workers"]["scheduler"]["stuck"] is False
    # a period whose job found nothing to do leaves no row (issue 29: nothing written)
    assert found["scheduler"] == []
    assert "mailbox" in text and "connected (IDLE)" in text and "outbox: 0 queued" in text


def test_status_after_run_once_shows_when_each_mailbox_was_checked(setup):
    # A cron-driven install has no daemon: the check itself is remembered.
    cfg, dovecot, user, _sink = setup
    dovecot.append(user, mail(subject="cron", sender="c1@example.com"))
    assert cli(cfg, "migrate").exit_code == 0
    assert _status(cfg, running=False)["mailboxes"][0]["last_check"] is None
    once = cli(cfg, "run", "--once")
    assert once.exit_code == 0, once.output
    found = _status(cfg, running=False)
    assert [i for i in found["instances"] if i["alive"]] == []
    [box] = found["mailboxes"]
    assert box["last_check"] and box["last_taken"] == 1 and box["last_error"] is None
    assert f"last check {box['last_check']}" in cli(cfg, "status", "--no-imap").output


def test_a_mailbox_down_too_long_is_an_error_and_the_operator_is_told(setup, tmp_path, caplog):
    cfg, dovecot, _user, sink = setup
    text = cfg.read_text().replace(f"port = {dovecot.port}", f"port = {free_port()}")
    text = text.replace("[support]\n", '[support]\noperator = "ops@acme.example"\n')
    cfg.write_text(text.replace("username =", "alert_after_minutes = 0.03\nusername =", 1))
    with running(cfg) as daemon:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not sink.handler.to("ops@acme.example"):
            time.sleep(0.2)
        time.sleep(3.5)
        [box] = _status(cfg)["mailboxes"]
        assert daemon.stop.is_set() is False  # still running, still trying
    [alert] = sink.handler.to("ops@acme.example")
    assert "not checked for" in str(alert.msg["Subject"])
    assert any("not checked for" in r.message and r.levelname == "ERROR" for r in caplog.records)
    assert box["connected"] is False and "Connection refused" in box.get("error", "")


def test_prometheus_metrics_count_what_happens(setup):
    cfg, dovecot, user, sink = setup
    port = free_port()
    cfg.write_text(cfg.read_text() + f'\n[metrics]\nlisten = "127.0.0.1:{port}"\n')
    with running(cfg):
        dovecot.append(user, mail(subject="metrics", sender="m1@example.com"))
        assert len(sink.handler.wait_for(2, timeout=10)) == 2
        time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as page:
            text = page.read().decode()
    values = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("maild_")
    }
    assert values['maild_mails_taken_total{verdict="ticket"}'] >= 1
    assert values['maild_outbox_total{result="sent"}'] >= 2
    assert values["maild_ack_latency_seconds_count"] >= 1
    assert values["maild_quarantine_held"] == 0
