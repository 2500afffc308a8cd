"""Twenty agents' mails racing for the last of a budget: the sum never exceeds it."""

import threading

import pytest

from maild.adapters.db.models import Approval, Ledger
from maild.core.intake import RawMail, TransientError
from tests.integration.helpers import outbox, rows
from tests.integration.staff import answer, last, open_ticket

RACERS = 20
LIMITS = {"limits": {"credit_per_day": 30, "credit_per_customer_30d": 100000}}


def race(app, raws):
    barrier = threading.Barrier(len(raws))
    errors = []

    def run(raw):
        barrier.wait()
        for _ in range(50):  # what the intake does with a transient failure: try again
            try:
                app.ingest([RawMail(raw)])
                return
            except TransientError:
                continue
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return
        errors.append(RuntimeError("still transient after 50 tries"))

    threads = [threading.Thread(target=run, args=(raw,)) for raw in raws]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def check_race(app, clock):
    for _day in range(3):
        open_ticket(app)
        note = last(app, "agent/new", "dana@acme.example")
        before = {o.id for o in outbox(app)}
        race(app, [answer(note, f"#credit 20\n\nRacer {i}.") for i in range(RACERS)])
        today = [c for c in rows(app, Ledger) if c.created_at.date() == clock().date()]
        assert sum(c.amount_cents for c in today) <= 3000
        assert len(today) == 1  # 20 fits in 30 once; a second 20 would be 40
        receipts = [o for o in outbox(app) if o.id not in before and o.template == "staff/receipt"]
        assert len(receipts) == RACERS  # every loser hears why
        waiting = [a for a in rows(app, Approval) if a.requested_at == clock()]
        assert len(waiting) == RACERS - 1
        clock.advance(days=1)


def test_sqlite(make_app, clock):
    check_race(make_app(**LIMITS), clock)


@pytest.mark.usefixtures("pg_url")
def test_postgresql(make_app, clock, pg_url):
    check_race(make_app(database={"url": pg_url}, **LIMITS), clock)
