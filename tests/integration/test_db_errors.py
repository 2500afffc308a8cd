"""Data the database refuses blocks one mail, never the mailbox (real PostgreSQL)."""

import psycopg
import pytest
from click.testing import CliRunner

from maild.adapters.db.models import Message, Quarantine, Ticket
from maild.cli import main
from maild.core.intake import RawMail, TransientError
from tests.conftest import mail
from tests.integration.helpers import rows

pytestmark = pytest.mark.postgres

NUL_TEXT = (
    b"From: Sam <sam@example.com>\r\nTo: support@acme.example\r\nSubject: nul\r\n"
    b"Message-ID: <nul@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\naGVsAGxvIHRoZXJl\r\n"  # "hel\0lo there"
)


def test_a_nul_in_the_text_is_stored_without_it_and_the_next_mail_goes_on(make_app, pg_url):
    app = make_app(database={"url": pg_url})
    outcomes = app.ingest([RawMail(NUL_TEXT, "box", 1, 1), RawMail(mail(), "box", 1, 2)])
    assert [o.verdict for o in outcomes] == ["ticket", "ticket"]
    texts = sorted(m.text for m in rows(app, Message))
    assert texts == ["Hello, my order did not arrive.", "hello there"]


def _refuse_subject(pg_url: str, subject: str) -> None:
    """A trigger that makes the database itself refuse one mail's data (SQLSTATE 22000)."""
    with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"""
            CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN
              IF NEW.subject = '{subject}' THEN
                RAISE EXCEPTION 'refused' USING ERRCODE = 'data_exception';
              END IF; RETURN NEW; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse BEFORE INSERT ON ticket FOR EACH ROW EXECUTE FUNCTION refuse();
        """)


def test_data_the_database_refuses_quarantines_that_mail_alone(make_app, pg_url):
    app = make_app(database={"url": pg_url})
    _refuse_subject(pg_url, "refuse me")
    batch = [
        RawMail(mail(subject="first"), "box", 1, 1),
        RawMail(mail(subject="refuse me"), "box", 1, 2),
        RawMail(mail(subject="third"), "box", 1, 3),
    ]
    outcomes = app.ingest(batch)
    assert [o.verdict for o in outcomes] == ["ticket", "quarantined", "ticket"]
    assert "DataError" in (outcomes[1].reason or "")
    assert sorted(t.subject for t in rows(app, Ticket)) == ["first", "third"]
    [q] = rows(app, Quarantine)
    assert q.raw == batch[1].raw
    # Taken for good: the same UIDs again are duplicates, nothing is retried forever.
    assert {o.verdict for o in app.ingest(batch)} == {"duplicate"}


def test_a_lost_connection_is_still_transient(make_app, pg_url):
    app = make_app(database={"url": pg_url})
    app.ingest([RawMail(mail(), "box", 1, 1)])  # the schema is there, a connection pooled
    admin = pg_url.replace("+psycopg", "").rsplit("/", 1)[0] + "/postgres"
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false")
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
    try:
        with pytest.raises(TransientError):
            app.ingest([RawMail(mail(), "box", 1, 2)])
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true")
    assert app.ingest([RawMail(mail(), "box", 1, 2)])[0].verdict == "ticket"


def test_maild_ingest_from_an_mta_takes_a_nul_mail_with_exit_0(tmp_path, pg_url):
    cfg = tmp_path / "maild.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path}"\n[database]\nurl = "{pg_url}"\n'
        "[intake.smtp]\nenabled = false\n[summary]\nenabled = false\n"
    )
    result = CliRunner().invoke(main, ["--config", str(cfg), "ingest", "-"], input=NUL_TEXT)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ticket #1")
