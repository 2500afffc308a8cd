"""`maild status`: how maild is doing, from what the running processes wrote down.

Each running process writes its workers' states with its presence beat (every
3 s, the `instance` table); the outbox and the scheduler's runs are in the
database; the mailboxes are asked how much mail waits. One dict, for people
(the table the CLI prints) and for scripts (--json).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from maild.adapters.db.checks import last_checks
from maild.adapters.db.store import Store
from maild.adapters.imap import ERRORS
from maild.bootstrap import App
from maild.daemon import open_mailbox
from maild.services.presence import DEAD_AFTER


def report(app: App, store: Store, now: datetime, ask_mailboxes: bool = True) -> dict[str, Any]:
    instances = [_instance(i, now) for i in store.instances()]
    running = [i for i in instances if i["alive"]]
    checks = last_checks(store.session)  # any process's, a cron-driven run --once too
    return {
        "database": app.settings.database_label(),
        "instances": instances,
        "mailboxes": [
            _mailbox(app, index, running, ask_mailboxes, checks) for index in _boxes(app)
        ],
        "outbox": _outbox(store, now),
        "scheduler": [
            {"job": job, "period": period, "started_at": at.isoformat()}
            for job, period, at in sorted(store.last_job_runs())
        ],
    }


def _boxes(app: App) -> range:
    return range(len(app.settings.mailboxes))


def _instance(row: Any, now: datetime) -> dict[str, Any]:
    ago = (now - row.seen_at).total_seconds()
    return {
        "id": row.id,
        "host": row.host,
        "pid": row.pid,
        "started_at": row.started_at.isoformat(),
        "seen_seconds_ago": round(ago, 1),
        "alive": ago <= DEAD_AFTER.total_seconds(),
        "workers": row.status or {},
    }


def _mailbox(
    app: App, index: int, running: list[dict[str, Any]], ask: bool, checks: dict[str, Any]
) -> dict[str, Any]:
    box = app.settings.mailboxes[index]
    seen = [w for i in running for w in i["workers"].values() if w.get("mailbox") == box.key]
    check = checks.get(box.key)
    recorded = check.checked_at.isoformat() if check is not None else ""
    out: dict[str, Any] = {
        "mailbox": box.key,
        "connected": any(w.get("connected") for w in seen),
        "state": seen[0]["state"] if seen else "no running maild reads it",
        "mode": seen[0].get("mode") if seen else None,
        "last_check": max([recorded] + [w.get("last_check") or "" for w in seen]) or None,
        "last_taken": check.taken if check is not None else None,
        "last_error": check.error if check is not None else None,
        "waiting": None,
    }
    if ask:
        try:
            with open_mailbox(box, index) as mailbox:
                out["waiting"] = mailbox.waiting()
        except ERRORS as exc:
            out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def _outbox(store: Store, now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {"queued": 0, "deferred": 0, "failed": 0, "sent": 0}
    oldest: dict[str, datetime] = {}
    for status, deferred, count, first in store.outbox_counts():
        kind = "deferred" if status == "queued" and deferred else status
        out[kind] = out.get(kind, 0) + count
        if first is not None and kind in ("queued", "deferred"):
            oldest[kind] = min(first, oldest.get(kind, first))
    for kind, first in oldest.items():
        out[f"oldest_{kind}_seconds"] = round((now - first).total_seconds())
    return out
