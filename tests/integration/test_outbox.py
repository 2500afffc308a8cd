"""The sender against a real aiosmtpd server: sent, retried, failed, partly refused; each
with the envelope pipelined and step by step."""

import threading
from collections import Counter
from dataclasses import replace
from email.header import Header

import pytest

from maild.adapters.db.models import Event, Outbox
from maild.core.intake import RawMail
from tests.conftest import mail
from tests.integration.helpers import rows
from tests.peers import free_port, start_sink


@pytest.fixture(params=[True, False], ids=["pipelining", "step-by-step"])
def sink(request, sink):
    """Each test against a relay offering PIPELINING (as Postfix does) and one without."""
    sink.handler.pipelining = request.param
    return sink


def smtp_app(make_app, port):
    return make_app(smtp={"host": "127.0.0.1", "port": port, "security": "none"})


def queue_one(app, raw=None, **kw):
    app.ingest([RawMail(raw or mail(**kw))])
    return {o.recipients[0]: o for o in rows(app, Outbox)}


def test_queued_mail_arrives_with_its_headers(make_app, sink):
    app = smtp_app(make_app, sink.port)
    subject = Header("Broken\r\nBcc: evil@example.org", "utf-8").encode()
    queued = queue_one(
        app, mail().replace(b"Subject: Help with my order", f"Subject: {subject}".encode())
    )
    assert app.sender.drain() == 3
    received = sink.handler.wait_for(3)
    [ack] = sink.handler.to("sam@example.com")
    msg = ack.msg
    # VERP: the envelope sender names this mail (a bounce comes back to it)
    assert ack.mail_from.startswith("support+bounce-") and ack.mail_from.endswith("@acme.example")
    assert msg["Message-ID"] == queued["sam@example.com"].message_id
    assert msg["Subject"] == "[#1] Broken Bcc: evil@example.org" and msg["Bcc"] is None
    assert msg["Auto-Submitted"] == "auto-replied" and msg["X-Maild-Loop"]
    assert ack.raw == queued["sam@example.com"].raw  # exactly the stored bytes
    assert {o.status for o in rows(app, Outbox)} == {"sent"}
    assert len(received) == 3


def test_a_4xx_is_retried_with_growing_delays(make_app, sink, clock):
    app = smtp_app(make_app, sink.port)
    queue_one(app)
    sink.handler.data_reply = "451 4.3.0 try later"
    app.sender.drain()
    row = rows(app, Outbox)[0]
    assert row.status == "queued" and row.attempts == 1 and "451" in row.last_error
    first_delay = row.next_attempt_at - clock()
    assert app.sender.send_due() == 0  # not due yet
    clock.advance(seconds=first_delay.total_seconds() + 1)
    app.sender.drain()
    row = rows(app, Outbox)[0]
    assert row.attempts == 2 and row.next_attempt_at - clock() > first_delay
    sink.handler.data_reply = None
    clock.advance(hours=1)
    app.sender.drain()
    assert {o.status for o in rows(app, Outbox)} == {"sent"}
    assert len(sink.handler.received) == 3


def test_a_5xx_fails_with_the_servers_answer(make_app, sink, caplog):
    app = smtp_app(make_app, sink.port)
    queue_one(app)
    sink.handler.data_reply = "554 5.6.0 message refused"
    app.sender.drain()
    assert {o.status for o in rows(app, Outbox)} == {"failed"}
    assert all("554 5.6.0 message refused" in o.last_error for o in rows(app, Outbox))
    # The administrator reads why in the log, an agent on the ticket.
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "outbox" in r.message]
    assert len(warnings) == 3 and "554 5.6.0 message refused" in warnings[0].message
    assert "customer/ack" in " ".join(w.message for w in warnings)
    [event] = [e for e in rows(app, Event) if e.kind == "delivery_failed"][:1]
    failed = [e for e in rows(app, Event) if e.kind == "delivery_failed"]
    assert {e.detail["template"] for e in failed} == {"customer/ack", "agent/new"}
    assert "554 5.6.0 message refused" in event.detail["reason"]


def test_a_deferral_is_a_warning_with_the_servers_answer(make_app, sink, caplog):
    app = smtp_app(make_app, sink.port)
    queue_one(app)
    sink.handler.data_reply = "451 4.7.1 greylisted, come back later"
    app.sender.drain()
    warnings = [r.message for r in caplog.records if r.levelname == "WARNING"]
    assert any("deferred" in w and "451 4.7.1 greylisted" in w for w in warnings)
    assert not [e for e in rows(app, Event) if e.kind == "delivery_failed"]


def test_refusals_are_recorded_per_recipient(make_app, sink):
    app = smtp_app(make_app, sink.port)
    queue_one(app)
    sink.handler.rcpt_replies = {
        "dana@acme.example": "550 5.1.1 no such user",
        "lee@acme.example": "450 4.2.1 mailbox busy",
    }
    app.sender.drain()
    by = {o.recipients[0]: o for o in rows(app, Outbox)}
    assert by["sam@example.com"].status == "sent"
    assert by["dana@acme.example"].status == "failed"
    assert by["dana@acme.example"].results["dana@acme.example"] == {
        "status": "refused",
        "code": 550,
        "reply": "550 5.1.1 no such user",
    }
    assert by["lee@acme.example"].status == "queued"
    assert by["lee@acme.example"].results["lee@acme.example"]["status"] == "deferred"


def test_a_server_that_is_down_keeps_mail_queued_until_it_gives_up(make_app, clock):
    app = smtp_app(make_app, free_port())
    queue_one(app)
    app.sender.drain()
    assert {o.status for o in rows(app, Outbox)} == {"queued"}
    assert all(
        "Connection refused" in o.last_error or "Errno" in o.last_error for o in rows(app, Outbox)
    )
    # One try per cycle: the first mail was tried, the others put back, untried.
    assert sorted(o.attempts for o in rows(app, Outbox)) == [0, 0, 1]
    clock.advance(hours=49)
    app.sender.drain()
    assert {o.status for o in rows(app, Outbox)} == {"failed"}
    assert all(o.last_error.startswith("gave up ") for o in rows(app, Outbox))
    assert all("Connection refused" in o.last_error for o in rows(app, Outbox))


def _queue_customers(app, count):
    app.ingest(
        [
            RawMail(mail(sender=f"C{n} <c{n}@example.com>", msgid=f"<c{n}@example.com>"))
            for n in range(count)
        ]
    )
    return rows(app, Outbox)


def test_a_dead_relay_costs_one_try_per_cycle_and_touches_one_batch(make_app, clock):
    port = free_port()
    app = make_app(smtp={"host": "127.0.0.1", "port": port, "security": "none"})
    queued = _queue_customers(app, 50)  # 150 mails: an ack and two agents' notices each
    assert len(queued) == 150 and app.sender.batch_size == 100
    assert app.sender.drain() == 1  # one failed try, then the sender waits
    after = rows(app, Outbox)
    assert sorted(o.attempts for o in after).count(1) == 1
    touched = [o for o in after if o.last_error]
    assert len(touched) == 100  # the leased batch, put back; the rest untouched
    assert app.sender.drain() == 0  # the relay's next try is not due: nothing is touched
    assert [o.last_error for o in rows(app, Outbox)] == [o.last_error for o in after]
    sink = start_sink(port)  # the relay comes back
    try:
        clock.advance(seconds=61)
        assert app.sender.drain() == 150
        sink.handler.wait_for(150)
        assert sink.handler.sessions == 1  # one connection for all of them
        assert {o.status for o in rows(app, Outbox)} == {"sent"}
    finally:
        sink.controller.stop()


def test_one_connection_serves_every_batch(make_app, sink):
    app = smtp_app(make_app, sink.port)
    _queue_customers(app, 80)  # 240 mails: three batches of 100
    beats: list[int] = []
    assert app.sender.drain(sent_batch=lambda: beats.append(len(sink.handler.received))) == 240
    assert len(sink.handler.wait_for(240)) == 240
    assert sink.handler.sessions == 1
    # a long queue is work, not a hang: the sender says so after each batch (the daemon's
    # health beat, which feeds systemd's watchdog), not only once the queue is empty
    assert len(beats) == 3 and beats[0] < 240


class DiesOnThe:
    """A relay connection in a process that is killed (kill -9) while sending its nth mail."""

    def __init__(self, nth: int) -> None:
        self.nth, self.sent = nth, 0

    def send(self, envelope_from, recipients, raw):
        self.sent += 1
        if self.sent == self.nth:
            raise SystemExit("killed")  # nothing of this process runs after it
        return {}

    def close(self) -> None:
        pass


def test_a_sender_killed_mid_batch_has_recorded_all_but_its_last_part(make_app):
    app = smtp_app(make_app, free_port())
    _queue_customers(app, 50)  # 150 mails; a lease of 100
    relay = DiesOnThe(60)
    sender = replace(app.sender, transport=lambda: relay)
    with pytest.raises(SystemExit):
        sender.drain()
    by_status = Counter(o.status for o in rows(app, Outbox))
    # 59 left; the 50 of the first two parts are recorded, so a restart resends only
    # the 9 of the third part (the same Message-IDs), not the 59 of the whole lease
    assert by_status == Counter({"sent": 50, "queued": 100})
    leased = [o for o in rows(app, Outbox) if o.leased_by is not None]
    assert len(leased) == 50 and all(o.status == "queued" for o in leased)


def test_a_stop_finishes_the_mail_in_hand_and_leaves_the_rest_as_it_was(make_app, sink):
    app = smtp_app(make_app, sink.port)
    _queue_customers(app, 5)
    stop = threading.Event()
    sink.handler.data_delay = 0.5

    def stop_during_the_first_mail():
        sink.handler.data_started.wait(5)
        stop.set()

    threading.Thread(target=stop_during_the_first_mail).start()
    assert app.sender.drain(stop) == 1
    by_status = {o.status: [] for o in rows(app, Outbox)}
    for o in rows(app, Outbox):
        by_status[o.status].append(o)
    assert len(by_status["sent"]) == 1
    waiting = by_status["queued"]
    assert len(waiting) == 14
    assert all(o.attempts == 0 and o.leased_by is None and not o.last_error for o in waiting)


def test_without_smtp_mail_goes_to_the_local_maildir(app):
    queue_one(app)
    app.sender.drain()
    folder = app.settings.maildir_path() / "new"
    assert len(list(folder.iterdir())) == 3
