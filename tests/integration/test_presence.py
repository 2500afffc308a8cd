"""Outbox leases end with their holder: a dead sender's mail goes out again at once,
a live one's never."""

from datetime import timedelta

from sqlmodel import select

from maild.adapters.db.models import Instance, Outbox
from maild.core.intake import RawMail
from maild.health import Health
from maild.services.presence import DEAD_AFTER, REFRESH_SECONDS, Presence
from tests.conftest import mail
from tests.integration.helpers import rows, writes


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


def test_a_quiet_beat_writes_nothing_a_new_state_or_a_refresh_does(app, clock):
    health = Health()
    health.beat("outbox", "idle", 5)
    presence = Presence(app.db, clock, "me", health=health)
    assert presence.beat()  # the first beat: the row
    with writes(app) as written:
        assert not presence.beat() and not presence.beat()
    assert written == []
    health.beat("outbox", "sending", 5)
    assert presence.beat()  # a worker's new state: at once, for `maild status`
    [row] = rows(app, Instance)
    assert row.status["workers"]["outbox"]["state"] == "sending"
    clock.advance(seconds=REFRESH_SECONDS)
    assert presence.beat()  # nothing new, but seen again before the others count it dead
    [row] = rows(app, Instance)
    assert row.seen_at == clock()
    assert DEAD_AFTER.total_seconds() >= 3 * REFRESH_SECONDS  # three missed refreshes
