"""OAuth2 pieces that need no server: SASL strings, the token file, the IDLE trust,
the explanations, the config's checks."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maild import config
from maild.adapters.imap import AUTO_CHECK_SECONDS, LATE_CHECK_SECONDS, Lateness
from maild.adapters.oauth import sasl
from maild.adapters.oauth.command import CommandSource
from maild.adapters.oauth.explain import password_refused, token_fix
from maild.adapters.oauth.refresh import RefreshTokenSource
from maild.adapters.oauth.sources import source_for
from maild.adapters.oauth.store import TokenFile, file_name


def test_xoauth2_and_oauthbearer_strings():
    assert sasl.xoauth2("a@x", "T") == b"user=a@x\x01auth=Bearer T\x01\x01"
    assert sasl.oauthbearer("a@x", "T", "imap.x", 993) == (
        b"n,a=a@x,\x01host=imap.x\x01port=993\x01auth=Bearer T\x01\x01"
    )


def test_an_error_challenge_is_answered_empty_and_kept_in_words():
    exchange = sasl.build("XOAUTH2", "a@x", "T", "h", 1)
    assert exchange(b"") == sasl.xoauth2("a@x", "T")
    challenge = json.dumps({"status": "401", "schemes": "bearer"}).encode()
    assert exchange(challenge) == b""
    assert exchange.error == "status=401, schemes=bearer"
    bearer = sasl.build("oauthbearer", "a@x", "T", "h", 1)
    bearer()
    assert bearer(base64.b64encode(challenge)) == b"\x01"  # RFC 7628's dummy answer


@given(st.binary(max_size=300))
def test_any_challenge_is_described_without_raising(raw):
    assert len(sasl.describe_challenge(raw)) <= 200


def test_token_file_is_0600_and_replaced_whole(tmp_path):
    file = TokenFile(tmp_path / "oauth" / file_name("microsoft", "app id", "a@x"))
    with file.locked():
        file.write({"refresh_token": "one"})
    assert stat.S_IMODE(file.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.path.parent.stat().st_mode) == 0o700
    file.write({"refresh_token": "two"})
    assert file.read() == {"refresh_token": "two"}
    assert sorted(p.name for p in file.path.parent.iterdir()) == [
        file.path.name,
        file.path.with_suffix(".lock").name,
    ]


def test_a_failed_write_leaves_the_old_token(tmp_path, monkeypatch):
    file = TokenFile(tmp_path / "t.json")
    file.write({"refresh_token": "old"})

    def crash(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        file.write({"refresh_token": "new"})
    assert file.read() == {"refresh_token": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]


def test_the_lock_lets_one_refresh_at_a_time(tmp_path):
    file = TokenFile(tmp_path / "t.json")
    inside, overlaps = [], []

    def work():
        with file.locked():
            inside.append(1)
            overlaps.append(len(inside))
            threading.Event().wait(0.01)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == [1] * 8


def test_lateness_earns_trust_by_pushes_and_loses_it_to_a_late_report():
    lateness = Lateness("auto", "imap.acme.example")
    assert lateness.check_seconds == LATE_CHECK_SECONDS
    for _ in range(3):
        lateness.saw_push("box")
    assert lateness.check_seconds == AUTO_CHECK_SECONDS
    lateness.saw_late_news("box")
    assert lateness.check_seconds == LATE_CHECK_SECONDS
    assert Lateness("auto", "outlook.office365.com").check_seconds == AUTO_CHECK_SECONDS
    fixed = Lateness(0.0, "imap.gmail.com")
    fixed.saw_late_news("box")
    assert fixed.check_seconds == 0 and fixed.describe() == "IDLE (no checks)"


def test_the_fix_for_each_provider_answer():
    assert "Value (not its Secret ID)" in token_fix("AADSTS7000215: Invalid client secret")
    assert "oauth2.tenant" in token_fix("AADSTS90002: Tenant 'x' not found")
    assert "Domain-wide delegation" in token_fix(
        "unauthorized_client: Client is unauthorized to retrieve access tokens using this "
        "method, or client not authorized for any of the scopes requested."
    )
    assert "docs/oauth2.md" in token_fix("something new")
    line = password_refused("mailbox s", "outlook.office365.com", "NO LOGIN failed.")
    assert line is not None and 'auth = "oauth2"' in line and "Microsoft 365" in line
    assert password_refused("mailbox s", "imap.x", "NO [AUTHENTICATIONFAILED] wrong") is None


def box(**oauth2):
    return {"host": "h", "username": "a@x", "auth": "oauth2", "oauth2": oauth2}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"host": "h", "username": "a@x", "auth": "oauth2"}, 'auth = "oauth2" needs an oauth2'),
        (box(provider="microsoft"), 'provider = "microsoft" needs tenant, client_id'),
        (box(provider="oauth2", client_id="c"), "needs token_url"),
        (box(provider="command"), "needs token_command"),
        (box(provider="google"), "missing the service account's key"),
        (
            box(provider="microsoft", tenant="t", client_id="c", flow="client_credentials"),
            "client_credentials needs a client secret",
        ),
        (box(provider="nope"), "provider: Input should be"),
    ],
)
def test_config_says_what_an_oauth2_block_lacks(entry, message, monkeypatch):
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(config.ConfigError) as found:
        config.parse({"mailboxes": [entry]})
    assert message in str(found.value)


def test_secrets_come_from_the_environment_or_a_credential(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    (tmp_path / "imap-0").write_text("from-credential\n")
    settings = config.parse({"mailboxes": [box(provider="microsoft", tenant="t", client_id="c")]})
    assert settings.mailboxes[0].oauth_secret("imap-0") == "from-credential"
    monkeypatch.setenv("MY_SECRET", "from-env")
    settings = config.parse(
        {
            "mailboxes": [
                box(provider="microsoft", tenant="t", client_id="c", client_secret_env="MY_SECRET")
            ]
        }
    )
    assert settings.mailboxes[0].oauth_secret("imap-0") == "from-env"


def test_one_source_per_account_and_settings(tmp_path):
    settings = config.parse({"mailboxes": [box(provider="command", token_command="echo t")]})
    first = source_for(settings.mailboxes[0], "a@x", "mailbox a", "a", tmp_path, "imap-0")
    again = source_for(settings.mailboxes[0], "a@x", "mailbox a", "a", tmp_path, "imap-0")
    assert first is again and isinstance(first, CommandSource)
    assert first.token() == "t"


def test_refresh_token_source_without_a_sign_in_names_the_command(tmp_path):
    settings = config.parse(
        {"mailboxes": [box(provider="oauth2", client_id="c", token_url="https://127.0.0.1:9/t")]}
    )
    source = source_for(
        settings.mailboxes[0], "a@x", "mailbox support", "support", tmp_path, "imap-0"
    )
    assert isinstance(source, RefreshTokenSource)
    with pytest.raises(Exception, match="run `maild oauth login support`"):
        source.token()


def test_a_token_with_time_left_is_used_without_asking(tmp_path):
    settings = config.parse(
        {"mailboxes": [box(provider="oauth2", client_id="c", token_url="https://127.0.0.1:9/t")]}
    )
    source = source_for(settings.mailboxes[0], "b@x", "mailbox b", "b", tmp_path, "imap-0")
    import time

    source.file.write(
        {"refresh_token": "r", "access_token": "kept", "expires_at": time.time() + 3600}
    )
    assert source.token() == "kept"  # no request: the endpoint (port 9) would refuse
    source.file.write({"refresh_token": "r", "access_token": "old", "expires_at": time.time() + 60})
    with pytest.raises(Exception, match="cannot reach"):
        source.token()  # under five minutes left: it asks for a new one


def test_a_push_long_after_the_mail_arrived_was_late():
    from datetime import UTC, datetime

    from maild.adapters.imap import ImapMailbox

    settings = config.parse({"mailboxes": [{"host": "h", "username": "u", "password": "p"}]})
    box = ImapMailbox(settings.mailboxes[0], "p")
    for _ in range(3):
        box.lateness.saw_push("h")
    assert box.lateness.trusted
    now = 1_800_000_000.0
    box._pushed = (now - 60, now)  # IDLE began a minute ago; the push came now
    box._judge_push([datetime.fromtimestamp(now - 1, UTC)])  # arrived a second before
    assert box.lateness.trusted
    box._pushed = (now - 60, now)
    box._judge_push([datetime.fromtimestamp(now - 400, UTC)])  # an APPEND with an old date
    assert box.lateness.trusted
    box._pushed = (now - 60, now)
    box._judge_push([datetime.fromtimestamp(now - 30, UTC)])  # Dovecot's 30 s look
    assert not box.lateness.trusted
