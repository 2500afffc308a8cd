"""The token key: one source that every process of an install reads."""

import pytest

from maild.adapters import tokenkey


@pytest.fixture(autouse=True)
def _nothing_given(monkeypatch):
    for name in ("MAILD_TOKEN_KEY", "MAILD_TOKEN_KEY_PREVIOUS", "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)


def credentials(tmp_path, monkeypatch, **keys: str) -> None:
    folder = tmp_path / "credentials"
    folder.mkdir(exist_ok=True)
    for name, value in keys.items():
        (folder / name.replace("_", "-")).write_text(value + "\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(folder))


def test_generated_once_0600_and_read_by_everyone_after(tmp_path):
    state = tmp_path / "state"
    with pytest.raises(tokenkey.NoTokenKey):  # only prepare() makes one
        tokenkey.load(state)
    first = tokenkey.load(state, create=True)
    assert first == tokenkey.load(state) == tokenkey.load(state, create=True)
    assert len(first.current) == 64 and first.previous is None
    assert (state / "token.key").stat().st_mode & 0o777 == 0o600
    assert first.source == f"file {state / 'token.key'}"


def test_a_credential_is_kept_in_the_state_so_the_pipe_signs_alike(tmp_path, monkeypatch):
    """The daemon is given the key as a systemd credential; the Postfix pipe and
    `sudo -u maild maild ...` are not: they read what the daemon kept."""
    state = tmp_path / "state"
    tokenkey.load(state, create=True)  # a first `maild ingest` made a random one
    credentials(tmp_path, monkeypatch, token_key="from-the-vault")
    daemon = tokenkey.load(state, create=True)
    assert daemon.current == b"from-the-vault"
    assert daemon.source == f"credential token-key, kept in {state / 'token.key'}"
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    pipe = tokenkey.load(state, create=True)
    assert pipe.current == b"from-the-vault" and pipe.fingerprint == daemon.fingerprint
    assert (state / "token.key").stat().st_mode & 0o777 == 0o600


def test_the_given_keys_are_kept_exactly_a_dropped_previous_expires(tmp_path, monkeypatch):
    state = tmp_path / "state"
    monkeypatch.setenv("MAILD_TOKEN_KEY", "new")
    monkeypatch.setenv("MAILD_TOKEN_KEY_PREVIOUS", "old")
    assert tokenkey.load(state, create=True).all == [b"new", b"old"]
    monkeypatch.delenv("MAILD_TOKEN_KEY")
    monkeypatch.delenv("MAILD_TOKEN_KEY_PREVIOUS")
    assert tokenkey.load(state).all == [b"new", b"old"]  # a process given nothing
    monkeypatch.setenv("MAILD_TOKEN_KEY", "new")
    tokenkey.load(state, create=True)  # the rotation is over: no previous given
    monkeypatch.delenv("MAILD_TOKEN_KEY")
    assert tokenkey.load(state).all == [b"new"]


def test_a_read_only_process_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILD_TOKEN_KEY", "given")
    state = tmp_path / "state"
    assert tokenkey.load(state).current == b"given"
    assert not state.exists()


def test_the_fingerprint_names_the_key_without_showing_it():
    one, other = tokenkey.fingerprint(b"a" * 64), tokenkey.fingerprint(b"b" * 64)
    assert one != other and len(one) == 12 and "a" not in one.replace("a", "", 0)[:0]
    assert b"a" * 12 not in one.encode()
