"""Rows -> plain dicts for `--json` and for the tables the CLI prints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from maild.adapters.db.models import Event, Ledger, Message, Outbox, Quarantine, Ticket
from maild.core import mail
from maild.core.policy import Money


def _t(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def ticket(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "status": t.status,
        "priority": t.priority,
        "customer": t.customer,
        "customer_name": t.customer_name,
        "subject": t.subject,
        "agent": t.agent,
        "team": t.team,
        "created_at": _t(t.created_at),
        "updated_at": _t(t.updated_at),
    }


def message(m: Message) -> dict[str, Any]:
    return {
        "type": "message",
        "id": m.id,
        "at": _t(m.created_at),
        "kind": m.kind,
        "direction": m.direction,
        "author": m.author,
        "author_name": m.author_name,
        "subject": m.subject,
        "text": m.text,
        "text_source": m.text_source,
        "notes": m.notes,
    }


def event(e: Event) -> dict[str, Any]:
    return {
        "type": "event",
        "id": e.id,
        "at": _t(e.at),
        "kind": e.kind,
        "actor": e.actor,
        "detail": e.detail,
    }


def outbox(o: Outbox) -> dict[str, Any]:
    return {
        "id": o.id,
        "status": o.status,
        "ticket": o.ticket_id,
        "template": o.template,
        "recipients": o.recipients,
        "message_id": o.message_id,
        "attempts": o.attempts,
        "next_attempt_at": _t(o.next_attempt_at),
        "last_error": o.last_error,
        "results": o.results,
        "created_at": _t(o.created_at),
        "sent_at": _t(o.sent_at),
    }


def quarantine(q: Quarantine, with_raw: bool = False) -> dict[str, Any]:
    out = {
        "id": q.id,
        "status": q.status,
        "source": q.source,
        **mail.glance(q.raw),
        "error": q.error,
        "size": len(q.raw),
        "created_at": _t(q.created_at),
        "released_ticket": q.released_ticket_id,
    }
    if with_raw:
        out["traceback"] = q.traceback
        out["raw"] = q.raw.decode("utf-8", errors="replace")
    return out


def ledger(c: Ledger) -> dict[str, Any]:
    return {
        "id": c.id,
        "ticket": c.ticket_id,
        "agent": c.agent,
        "customer": c.customer,
        "amount": str(Money.from_cents(c.amount_cents, c.currency).amount),
        "currency": c.currency,
        "reason": c.reason,
        "approved_by": c.approved_by,
        "created_at": _t(c.created_at),
        "message_id": c.message_id,
        "content_hash": c.content_hash,
        "auth_ok": bool(c.auth.get("ok")),
    }
