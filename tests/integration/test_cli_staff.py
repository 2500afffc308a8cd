"""`maild inspect` and `maild ledger` as an administrator uses them."""

import json

from maild import config
from maild.bootstrap import build, prepare
from tests.conftest import mail
from tests.integration.helpers import outbox
from tests.integration.staff import answer
from tests.integration.test_cli import run
from tests.peers import PEOPLE

STAFF = PEOPLE + "[limits]\ncredit_per_ticket = 50\n"


def setup(tmp_path, clock=None):
    path = tmp_path / "maild.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[support]\naddress = "support@acme.example"\n{STAFF}'
    )
    cfg = str(path)
    assert run("--config", cfg, "ingest", "-", input=mail(), clock=clock).exit_code == 0
    settings = config.load(cfg)[0]
    prepare(settings)
    app = build(settings)
    note = next(o for o in outbox(app) if o.template == "agent/new")
    app.db.engine.dispose()
    return cfg, note


def test_inspect_shows_what_would_happen_and_changes_nothing(tmp_path):
    cfg, note = setup(tmp_path)
    eml = tmp_path / "reply.eml"
    eml.write_bytes(answer(note, "#credit 20 late\n#credit 80\n#close\n\nHi Sam."))
    result = run("--config", cfg, "inspect", str(eml), "--json")
    assert result.exit_code == 0, result.output
    [data] = [json.loads(result.output)]
    assert (data["role"], data["ticket"], data["errors"]) == ("agent", 1, [])
    assert data["new_text"].startswith("#credit 20 late") and "wrote:" not in data["new_text"]
    assert data["auth"]["ok"] is True
    assert [c["name"] for c in data["auth"]["checks"]] == ["from", "token"]
    assert [(c["name"], c["args"], c["decision"]) for c in data["commands"]] == [
        ("credit", {"amount": "20", "currency": None, "reason": "late"}, "allowed"),
        ("credit", {"amount": "80", "currency": None, "reason": ""}, "needs approval"),
        ("close", {}, "allowed"),
    ]
    assert "over the most one credit may be" in data["commands"][1]["reason"]
    assert data["outcome"] == "waiting for approval"
    text = run("--config", cfg, "inspect", str(eml))
    assert "auth:    ok   token: signed for dana@acme.example and ticket #1" in text.output
    ledger = run("--config", cfg, "ledger", "--json")
    assert json.loads(ledger.output) == []  # the dry run changed nothing
    assert run("--config", cfg, "ingest", str(eml)).output.startswith("staff #1")


def test_inspect_explains_a_forgery_and_a_customer(tmp_path):
    cfg, _note = setup(tmp_path)
    forged = tmp_path / "forged.eml"
    forged.write_bytes(mail(sender="dana@acme.example", subject="Re: [#1]", text="#credit 50"))
    data = json.loads(run("--config", cfg, "inspect", str(forged), "--json").output)
    assert data["auth"]["ok"] is False and any("not proven" in e for e in data["errors"])
    customer = tmp_path / "customer.eml"
    customer.write_bytes(mail(subject="Re: [#1] Help", text="#credit 500 please"))
    data = json.loads(run("--config", cfg, "inspect", str(customer), "--json").output)
    assert (data["role"], data["ticket"], data["commands"]) == ("customer", 1, [])


def test_ledger_lists_credits_with_decimal_amounts(tmp_path):
    cfg, note = setup(tmp_path)
    eml = tmp_path / "reply.eml"
    eml.write_bytes(answer(note, "#credit 19.99 late delivery\n\nHi Sam."))
    assert run("--config", cfg, "ingest", str(eml)).exit_code == 0
    result = run("--config", cfg, "ledger", "--json", "--agent", "dana@acme.example")
    [row] = json.loads(result.output)
    assert {k: row[k] for k in ("ticket", "agent", "customer", "amount", "currency")} == {
        "ticket": 1,
        "agent": "dana@acme.example",
        "customer": "sam@example.com",
        "amount": "19.99",
        "currency": "USD",
    }
    assert row["reason"] == "late delivery" and row["approved_by"] is None
    assert row["created_at"]
    assert json.loads(run("--config", cfg, "ledger", "--json", "--agent", "x@y.z").output) == []
    future = run("--config", cfg, "ledger", "--json", "--since", "2999-01-01")
    assert json.loads(future.output) == []
    table = run("--config", cfg, "ledger")
    assert "19.99" in table.output and "dana@acme.example" in table.output
