import tomllib
from pathlib import Path

import pytest

from maild import config


def test_embedded_defaults():
    s = config.parse({})
    assert s.support.address == "support@localhost"
    assert s.intake.smtp.host_port == ("127.0.0.1", 2525)
    assert s.smtp is None and s.database_url().startswith("sqlite:///")


def test_the_example_config_is_valid_and_complete():
    path = Path(__file__).parents[2] / "config" / "maild.example.toml"
    data = tomllib.loads(path.read_text())
    config.parse(data, str(path))
    text = path.read_text()
    for section in (
        "[support]",
        "[database]",
        "[[mailboxes]]",
        "[smtp]",
        "[outgoing]",
        "[intake]",
        "[intake.smtp]",
        "[[teams]]",
        "[[agents]]",
        "[limits]",
        "[limits.teams.",
        '[limits.agents."',
        "[auth]",
        "[receipts]",
        "[approvals]",
        "[[escalation]]",
        "[summary]",
        '[summary.managers."',
    ):
        assert section in text
    documented = (
        config.OAuth2,
        config.Mailbox,
        config.Smtp,
        config.Auth,
        config.Receipts,
        config.Approvals,
        config.Escalation,
    )
    fields = [f for model in documented for f in model.model_fields if f != "oauth2"]
    assert "[mailboxes.oauth2]" in text  # a table, documented key by key
    fields += [f for f in config.Limits.model_fields if f not in {"teams", "agents"}]
    fields += [f for f in config.SummarySettings.model_fields if f != "managers"]
    for field in fields:
        assert f"{field} =" in text, f"{field} is not documented"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"suport": {}}, "suport: unknown key (did you mean 'support'?)"),
        ({"support": {"adress": "a@b.c"}}, "support.adress: unknown key"),
        ({"support": {"address": "not an address"}}, "support.address:"),
        ({"intake": {"smtp": {"listen": "2525"}}}, "intake.smtp.listen: "),
        (
            {"agents": [{"email": "a@b.example", "name": "A", "team": "nope"}]},
            "agents[0].team: no [[teams]] entry named 'nope'",
        ),
        ({"mailboxes": [{"host": "h", "username": "u"}]}, "mailboxes[0].password: missing secret"),
        ({"smtp": {"host": "h", "username": "u"}}, "smtp.password: missing secret"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone"),
        ({"limits": {"credit_per_day": -1}}, "limits.credit_per_day:"),
        ({"limits": {"credit_per_day": 10.001}}, "limits.credit_per_day:"),
        ({"limits": {"teams": {"nope": {}}}}, "limits.teams.nope: no [[teams]] entry"),
        ({"limits": {"agents": {"x@y.example": {}}}}, 'limits.agents."x@y.example": no'),
        (
            {"limits": {"agents": {"x@y.example": {"credit_per_dya": 1}}}},
            "(did you mean 'credit_per_day'?)",
        ),
        ({"receipts": {"mode": "sometimes"}}, "receipts.mode:"),
        (
            {"escalation": [{"name": "eng", "owner": "e@acme.example", "update_every": "2 days"}]},
            "escalation[0].update_every: '2 days' is not a duration",
        ),
        ({"escalation": [{"name": "eng", "owner": "not-an-address"}]}, "escalation[0].owner"),
        ({"limits": {"escalate_to": ["eng"]}}, "no [[escalation]] entry named 'eng'"),
        ({"summary": {"time": "8am"}}, "summary.time:"),
        ({"summary": {"days": ["monday"]}}, "summary.days[0]:"),
        ({"summary": {"managers": {"x@y.example": {}}}}, 'summary.managers."x@y.example": no'),
        ({"summary": {"timezone": "Berlin"}}, "summary.timezone: unknown time zone"),
        (
            {"intake": {"smtp": {"max_bytes": 1000}}},
            "intake: intake.smtp.max_bytes (1000) is under max_message_bytes (25000000)",
        ),
        ({"survey": {"delay_hours": -1}}, "survey.delay_hours:"),
    ],
)
def test_bad_config_names_the_key(data, message, monkeypatch):
    monkeypatch.delenv("MAILD_IMAP_PASSWORD", raising=False)
    monkeypatch.delenv("MAILD_SMTP_PASSWORD", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(
        config.ConfigError,
        match=message.replace("[", r"\[")
        .replace("]", r"\]")
        .replace("(", r"\(")
        .replace(")", r"\)")
        .replace("?", r"\?"),
    ):
        config.parse(data)


def test_secrets_from_env_and_credentials(tmp_path, monkeypatch):
    box = {"host": "h", "username": "u"}
    monkeypatch.setenv("MAILD_IMAP_PASSWORD", "from-env")
    s = config.parse({"mailboxes": [box]})
    assert s.mailboxes[0].resolve_password("MAILD_IMAP_PASSWORD", "imap-0") == "from-env"
    monkeypatch.delenv("MAILD_IMAP_PASSWORD")
    (tmp_path / "imap-0").write_text("from-credential\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    s = config.parse({"mailboxes": [box]})
    assert s.mailboxes[0].resolve_password("MAILD_IMAP_PASSWORD", "imap-0") == "from-credential"


def test_config_file_precedence(tmp_path, monkeypatch):
    one, two = tmp_path / "one.toml", tmp_path / "two.toml"
    one.write_text('[support]\naddress = "one@acme.example"\n')
    two.write_text('[support]\naddress = "two@acme.example"\n')
    monkeypatch.setenv("MAILD_CONFIG", str(two))
    assert config.load(str(one))[0].support.address == "one@acme.example"
    assert config.load(None)[0].support.address == "two@acme.example"
    monkeypatch.setenv("MAILD_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(config.ConfigError, match="no such config file"):
        config.load(None)


def test_the_sender_process_is_asked_for_and_auto_picks_it_on_postgresql():
    pg = {"database": {"url": "postgresql+psycopg://maild@db/maild"}}
    assert not config.parse({}).sender_process() and not config.parse(pg).sender_process()
    assert config.parse({"outgoing": {"process": True}}).sender_process()
    assert config.parse({**pg, "outgoing": {"process": "auto"}}).sender_process()
    assert not config.parse({"outgoing": {"process": "auto"}}).sender_process()
