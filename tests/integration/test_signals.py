"""`maild run`'s signal handlers never take a lock: a handler runs in the main thread
between two bytecodes, and one that set the stop event while the main thread held that
event's lock (inside stop.wait) would wait for ever."""

from __future__ import annotations

import signal
import threading

import pytest

from maild.daemon import Daemon


@pytest.fixture
def handlers():
    saved = {n: signal.getsignal(n) for n in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_handler_never_waits_for_the_events_lock(app, handlers, number):
    daemon = Daemon(app, None)
    daemon.install_signals()
    event = daemon.reload if number == signal.SIGHUP else daemon.stop
    handler = signal.getsignal(number)
    assert callable(handler)
    with event._cond:  # as the main thread holds it inside event.wait()
        called = threading.Thread(target=handler, args=(number, None))
        called.start()
        called.join(2)
        returned = not called.is_alive()
    called.join()
    assert returned, "the handler waited for the lock the main thread held"
    assert event.wait(5)  # the signal still does what it says
    other = daemon.stop if event is daemon.reload else daemon.reload
    assert not other.is_set()
