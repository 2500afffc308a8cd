"""A maild config for one Dovecot mailbox and an SMTP sink, shared by the e2e tests."""

import pytest

from tests.peers import maild_config


@pytest.fixture
def setup(tmp_path, dovecot, imap_user, sink, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    cfg = maild_config(
        tmp_path / "maild.toml", dovecot, imap_user, sink.port, password_env="TEST_IMAP_PASSWORD"
    )
    return cfg, dovecot, imap_user, sink
