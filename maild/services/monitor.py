"""Watching without approving: FYI copies for a manager, as things happen or hourly.

`[monitor."manager@..."]` says what one manager wants to see on their teams'
tickets: credits at or over an amount, escalations, reopened tickets. Nothing
waits for them; each FYI is a mail they can answer with #coach (a bundle names
several tickets, so #coach N).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from maild.adapters.db.models import Event, Ticket
from maild.adapters.db.store import Store
from maild.config import MonitorSpec
from maild.core import notices
from maild.core.contexts import Fyi, FyiItem
from maild.core.model import Role
from maild.core.people import Directory
from maild.core.policy import Money
from maild.core.words import N_, Msg
from maild.services.rows import Queue

CREDIT, ESCALATION, REOPENED = "credit", "escalation", "reopened"


@dataclass(frozen=True)
class Seen:
    """One thing that happened on a ticket, for whoever watches its team."""

    kind: str  # credit, escalation, reopened
    what: str | Msg  # in words, said in the manager's language
    amount: Decimal = Decimal(0)  # a credit's


def wrote_again(customer: str | None) -> Seen:
    """The customer wrote to a closed ticket: it is open again."""
    return Seen(REOPENED, N_("%(sender)s wrote again after it was closed", sender=str(customer)))


@dataclass
class Monitor:
    directory: Directory
    addressing: notices.Addressing
    queue: Queue
    managers: Mapping[str, str]  # team -> manager address
    watching: Mapping[str, MonitorSpec]  # manager -> what they watch

    def saw(self, store: Store, ticket: Ticket, seen: Seen, now: datetime) -> None:
        """As it happens: to a manager watching in "each" mode; recorded for "hourly"."""
        manager = self.managers.get(ticket.team or "")
        spec = self.watching.get(manager or "")
        if manager is None or spec is None or not _wanted(spec, seen):
            return
        assert ticket.id is not None
        detail: dict[str, Any] = {"manager": manager, "what": str(seen.what), "mode": spec.mode}
        if isinstance(seen.what, Msg):
            detail["said"] = _kept(seen.what)  # to say it in the hourly bundle
        event = store.insert(
            Event, ticket_id=ticket.id, at=now, kind="fyi", actor=None, detail=detail
        )
        if spec.mode == "each":
            item = FyiItem(ticket.id, seen.what, ticket.subject)
            self._send(store, manager, (item,), f"fyi-{event}", now)

    def hourly(self, store: Store, now: datetime) -> list[str]:
        """The scheduler's part: one bundle per hourly watcher, of the last hour's."""
        done = []
        for manager, spec in self.watching.items():
            if spec.mode != "hourly":
                continue
            items = tuple(
                FyiItem(e.ticket_id, _said(e.detail), subject)
                for e, subject in store.fyi_events(manager, now - timedelta(hours=1), now)
            )
            if items:
                self._send(store, manager, items, f"fyi-hour-{now:%Y%m%d%H}", now)
                done.append(f"{len(items)} for {manager}")
        return done

    def _send(
        self, store: Store, manager: str, items: tuple[FyiItem, ...], cause: str, now: datetime
    ) -> None:
        person = self.directory.known(manager, Role.MANAGER)
        bundled = len({i.ticket for i in items}) > 1
        ticket_id = 0 if bundled else items[0].ticket
        view = Fyi(items=items, bundled=bundled)
        out = notices.notice("manager/fyi", person, ticket_id, cause, self.addressing, view)
        self.queue(store, [out], now)


def _wanted(spec: MonitorSpec, seen: Seen) -> bool:
    if spec.mode == "none":
        return False
    if seen.kind == CREDIT:
        return spec.credits_from is not None and seen.amount >= spec.credits_from
    return spec.escalations if seen.kind == ESCALATION else spec.reopened


def _kept(what: Msg) -> dict[str, Any]:
    """A sentence as an event's JSON keeps it: its English and its values (Money as
    amount and currency), to be said in the reader's language when the bundle goes."""
    values = {
        k: {"amount": str(v.amount), "currency": v.currency} if isinstance(v, Money) else str(v)
        for k, v in what.values.items()
    }
    return {"text": what.text, "values": values}


def _said(detail: dict[str, Any]) -> str | Msg:
    kept = detail.get("said")
    if not isinstance(kept, dict):
        return str(detail.get("what", ""))
    values = {
        k: Money(Decimal(v["amount"]), v["currency"]) if isinstance(v, dict) else v
        for k, v in kept["values"].items()
    }
    return Msg(kept["text"], values)
