"""Outbox leases end with their holder: a dead sender's mail goes out again at once,
a live one's never."""

from datetime import timedelta

from sqlmodel import select

from maild.adapters.db.models import Instance, Outbox
from maild.core.intake import RawMail
from tests.conftest import mail
from tests.integration.helpers import rows


def _lease_all(app, holder: str, clock) -> None:
    with app.db.transaction() as store:
        for row in store.session.exec(select(Outbox)).all():
            row.leased_by, row.next_attempt_at, row.attempts = (
                holder,
                clock() + timedelta(minutes=5),
                1,
            )


def test_a_dead_holders_lease_is_free_a_live_ones_is_not(make_app, clock):
    app = make_app()
    app.ingest([RawMail(mail())])
    other = make_app()
    with other.presence():  # another process, alive: seen now
        _lease_all(app, other.sender.instance, clock)
        assert app.sender.send_due() == 0  # never a live sender's lease
        clock.advance(seconds=16)  # ... and it is not seen any more (killed)
        assert app.sender.send_due() == 3
    assert {o.status for o in rows(app, Outbox)} == {"sent"}


def test_a_sender_takes_back_leases_left_by_its_own_batch_cut_short(make_app, clock):
    app = make_app()
    app.ingest([RawMail(mail())])
    with app.presence():
        _lease_all(app, app.sender.instance, clock)
        assert app.sender.send_due() == 3


def test_a_clean_stop_signs_off_and_the_long_dead_are_swept(make_app, clock):
    app = make_app()
    with app.presence():
        assert [i.id for i in rows(app, Instance)] == [app.sender.instance]
    assert rows(app, Instance) == []
    with app.db.transaction() as store:
        store.session.add(Instance(id="old", host="h", pid=1, started_at=clock(), seen_at=clock()))
    clock.advance(days=2)
    with app.presence():
        assert [i.id for i in rows(app, Instance)] == [app.sender.instance]
