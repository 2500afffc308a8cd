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
from maild.adapters.imap import ERRORS, explain
from maild.bootstrap import App
from maild.daemon import open_mailbox
from maild.services.presence import DEAD_AFTER


def report(app: App, store: Store, now: datetime, ask_mailboxes: bool = True) -> dict[str, Any]:
    instances = [_instance(i, now) for i in store.instances()]
    running = [i for i in instances if i["alive"]]
    gone = sorted((i for i in instances if not i["alive"]), key=lambda i: i["seen_seconds_ago"])
    checks = last_checks(store.session)  # any process's, a cron-driven run --once too
    return {
        "database": app.settings.database_label(),
        "token_key": _token_key(app, running),
        "running": bool(running),
        "instances": running,  # a process not seen for a while is not listed as present
        "last_seen": gone[0] if gone and not running else None,  # when none runs: the last
        "mailboxes": [
            _mailbox(app, index, running, ask_mailboxes, checks) for index in _boxes(app)
        ],
        "outbox": _outbox(store, now),
        "scheduler": [
            {"job": job, "period": period, "started_at": at.isoformat()}
            for job, period, at in sorted(store.last_job_runs())
        ],
    }


def token_key(app: App, store: Store, now: datetime) -> dict[str, Any]:
    """The token key part of the report alone (check-config shows it too)."""
    return _token_key(
        app, [i for i in (_instance(r, now) for r in store.instances()) if i["alive"]]
    )


def key_lines(key: dict[str, Any]) -> list[str]:
    """The token key as people read it: one line, and a warning when processes disagree."""
    lines = [f"token key: {key['source']}, fingerprint {key['fingerprint']}"]
    if not key["agree"]:
        lines.append(
            "WARNING: running maild processes sign with another token key "
            f"({', '.join(key['running_with'])}): replies to their mail are not proven here. "
            "Give every process the same state_dir (or the same key)"
        )
    return lines


def _token_key(app: App, running: list[dict[str, Any]]) -> dict[str, Any]:
    """This command's key, and whether every running maild signs with the same one (a
    process with another key cannot prove the replies to the others' mail)."""
    mine = app.keys.fingerprint if app.keys else None
    others = {i["token_key"] for i in running if i.get("token_key")}
    return {
        "source": app.keys.source if app.keys else None,
        "fingerprint": mine,
        "agree": others <= {mine},
        "running_with": sorted(others),
    }


def _boxes(app: App) -> range:
    return range(len(app.settings.mailboxes))


def _instance(row: Any, now: datetime) -> dict[str, Any]:
    ago = (now - row.seen_at).total_seconds()
    data = row.status or {}
    if "workers" not in data:  # written by a maild before the token key was shown
        data = {"workers": data}
    return {
        "id": row.id,
        "host": row.host,
        "pid": row.pid,
        "started_at": row.started_at.isoformat(),
        "seen_seconds_ago": round(ago, 1),
        "alive": ago <= DEAD_AFTER.total_seconds(),
        "workers": data["workers"],
        "token_key": data.get("token_key"),
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
        # IDLE's checks: "IDLE (push, NOOP every 300 s)", "(careful, NOOP every 2 s)"
        "idle_check": seen[0].get("idle_check") if seen else None,
        "last_check": max([recorded] + [w.get("last_check") or "" for w in seen]) or None,
        "last_taken": check.taken if check is not None else None,
        "last_error": check.error if check is not None else None,
        "waiting": None,
    }
    if ask:
        try:
            with open_mailbox(box, index, app.settings.state_path()) as mailbox:
                out["waiting"] = mailbox.waiting()
        except ERRORS as exc:
            out["error"] = explain(exc, f"{box.host}:{box.real_port}")
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
