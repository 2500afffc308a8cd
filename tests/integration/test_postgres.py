"""The same path on a real PostgreSQL server."""

import pytest

from maild.adapters.db.models import Outbox, Ticket
from maild.core.intake import RawMail
from tests.conftest import mail
from tests.integration.helpers import counts, rows

pytestmark = pytest.mark.postgres


def test_ingest_and_send_on_postgres(make_app, pg_url, sink):
    app = make_app(
        database={"url": pg_url}, smtp={"host": "127.0.0.1", "port": sink.port, "security": "none"}
    )
    raw = mail(msgid="<pg@example.com>")
    [outcome] = app.ingest([RawMail(raw, "box", 1, 1)])
    assert outcome.verdict == "ticket"
    before = counts(app)
    assert app.ingest([RawMail(raw, "box", 1, 1)])[0].verdict == "duplicate"
    assert app.ingest([RawMail(raw, "box", 2, 9)])[0].verdict == "duplicate"
    assert counts(app) == before
    assert app.sender.drain() == 3
    assert len(sink.handler.wait_for(3)) == 3
    assert {o.status for o in rows(app, Outbox)} == {"sent"}
    assert rows(app, Ticket)[0].customer == "sam@example.com"
