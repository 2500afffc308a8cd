"""Fixtures. A missing server skips its tests locally with the reason; in CI it fails."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from maild import config
from maild.adapters import clock as clocks
from maild.adapters.clock import ManualClock
from maild.bootstrap import App, build, prepare
from tests.peers import Dovecot, SmtpSink, start_dovecot, start_sink

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get("MAILD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# Every maild process a test starts (the CLI in-process, `maild run`, the MTA's pipe) runs a
# year ahead of the real date unless the test hands it its own clock (`clocks.env_for`): a
# test that mixes its fixed clock with the wall clock then fails on any day, not only on the
# day its dates go stale. MAILD_TEST_CLOCK=real turns this off while debugging.
AHEAD = "+365d"
if os.environ.get("MAILD_TEST_CLOCK") != "real":
    os.environ[clocks.ENV] = AHEAD


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI must run every test)")
    pytest.skip(reason)


BASE: dict[str, Any] = {
    "support": {"address": "support@acme.example", "name": "Acme Support"},
    "intake": {"smtp": {"enabled": False}},
    "teams": [{"name": "tier1", "manager": "maria@acme.example"}],
    "agents": [
        {"email": "dana@acme.example", "name": "Dana Agent", "team": "tier1"},
        {"email": "lee@acme.example", "name": "Lee Agent", "team": "tier1"},
    ],
    # The daily summary is a scheduled job of its own; tests that want it turn it on.
    "summary": {"enabled": False},
    # The closing survey is a mail of its own; tests that want it turn it on.
    "survey": {"enabled": False},
}


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


@pytest.fixture(autouse=True)
def _empty_working_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads what lies in the folder it is run from (a ./maild.toml that the README's
    walkthrough left there), nor a config the environment names."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    monkeypatch.delenv("MAILD_CONFIG", raising=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


# MAILD_TEST_DATABASE=postgresql runs every test built on make_app against a fresh
# PostgreSQL database instead of SQLite (./scripts/test runs the integration tests
# both ways).
ON_POSTGRES = os.environ.get("MAILD_TEST_DATABASE", "") == "postgresql"


@pytest.fixture
def make_app(
    tmp_path: Path, clock: ManualClock, migrated_pg: str | None
) -> Iterator[Callable[..., App]]:
    made: list[App] = []
    databases: list[str] = []

    def make(**extra: Any) -> App:
        data = merge(merge(BASE, {"state_dir": str(tmp_path / "state")}), extra)
        if migrated_pg and "database" not in extra:
            if not databases:
                databases.append(create_pg_database(template=migrated_pg))
            data["database"] = {"url": databases[0]}
        settings = config.parse(data, "test")
        prepare(settings)
        made.append(build(settings, clock))
        return made[-1]

    yield make
    for app in made:
        app.db.engine.dispose()
    for url in databases:
        drop_pg_database(url)


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    # Not under pytest's tmp folders: those are 0700 and Dovecot runs as another user.
    root = Path(tempfile.mkdtemp(prefix="maild-dovecot-"))
    os.chmod(root, 0o755)
    try:
        server = start_dovecot(root / "server")
    except (FileNotFoundError, RuntimeError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        unavailable(f"no Dovecot: {exc}")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_user() -> str:
    return f"support-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = start_sink()
    yield server
    server.controller.stop()


def create_pg_database(template: str | None = None) -> str:
    """A fresh database on the test server (a copy of template, if named); its URL."""
    psycopg = pytest.importorskip("psycopg")
    name = f"maild_test_{uuid.uuid4().hex[:10]}"
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable(f"no PostgreSQL at {admin}: {exc}")
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def migrated_pg() -> Iterator[str | None]:
    """With MAILD_TEST_DATABASE=postgresql: one database migrated once, which each
    test's database copies (a copy takes a fraction of running the migrations)."""
    if not ON_POSTGRES:
        yield None
        return
    from maild.adapters.db.engine import make_engine, migrate

    url = create_pg_database()
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url.rsplit("/", 1)[1]
    drop_pg_database(url)


def drop_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    url = create_pg_database()
    yield url
    drop_pg_database(url)


def mail(
    subject: str = "Help with my order",
    text: str | None = "Hello, my order did not arrive.",
    sender: str = "Sam Customer <sam@example.com>",
    to: str = "support@acme.example",
    msgid: str | None = None,
    html: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = msgid or f"<{uuid.uuid4().hex}@example.com>"
    msg["Date"] = "Mon, 23 Nov 2026 09:00:00 +0000"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    for filename, ctype, data in attachments:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()
