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


class Desk:
    """maild on a config, with a clock the test moves: each step APPENDs a mail (or
    none), moves the clock, and runs `maild run --once`, as the tests' day goes by."""

    def __init__(self, cfg, dovecot, user, clock) -> None:
        from maild import config
        from maild.bootstrap import build, prepare

        settings = config.load(str(cfg))[0]
        prepare(settings)
        self.app = build(settings, clock)
        self.cfg, self.clock, self.dovecot, self.user = cfg, clock, dovecot, user

    def cli(self, *args: str, input: bytes | None = None):
        """A maild command on this desk's config and clock."""
        from tests.e2e.test_imap import cli

        return cli(self.cfg, *args, input=input, clock=self.clock)

    def step(self, raw: bytes | None = None, **advance: float) -> None:
        from maild.daemon import run_once

        if advance:
            self.clock.advance(**advance)
        if raw is not None:
            self.dovecot.append(self.user, raw)
        assert run_once(self.app) == 0
