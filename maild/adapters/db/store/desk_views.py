"""The desk in the inbox: an agent's queue, full-text search, a customer's tickets
and history. Read-only; each one or two round trips whatever the table sizes.

Full-text search uses the database's own index (migration 0016): FTS5 tables
on SQLite, GIN indexes over tsvector expressions on PostgreSQL. The expressions
below must stay the migration's, word for word, or PostgreSQL scans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, and_, any_, bindparam, false, func, or_, text, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from maild.adapters.db.models import Attachment, Escalation, Ledger, Message, Ticket
from maild.adapters.db.store.base import StoreBase
from maild.core.model import EscalationStatus, TicketStatus

_TICKET_TSV = (
    "to_tsvector('simple', subject || ' ' || translate(customer, '@.', '  ') || ' ' "
    "|| customer_name)"
)
_MESSAGE_TSV = "to_tsvector('simple', left(text, 100000))"
_HITS = {
    "sqlite": "SELECT rowid AS id FROM ticket_fts WHERE ticket_fts MATCH :q "
    "UNION SELECT m.ticket_id FROM message_fts JOIN message m ON m.id = message_fts.rowid "
    "WHERE message_fts MATCH :q",
    "postgresql": f"SELECT id FROM ticket WHERE {_TICKET_TSV} @@ to_tsquery('simple', :q) "
    f"UNION SELECT ticket_id FROM message WHERE {_MESSAGE_TSV} @@ to_tsquery('simple', :q)",
}
QUEUE_MAX = 500  # tickets a queue reads at most; the mail says how many more there are


@dataclass(frozen=True)
class Scope:
    """The tickets a reader may see: their own, and those of their teams
    (teams None: every team, for an agent configured without one)."""

    reader: str | None
    teams: tuple[str, ...] | None

    def where(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.reader is not None:
            parts.append(col(Ticket.agent) == self.reader)
        if self.teams is None:
            parts.append(true())
        elif self.teams:
            parts.append(col(Ticket.team).in_(self.teams))
        return or_(*parts) if parts else false()


@dataclass(frozen=True)
class Page:
    """A search's tickets, newest first, and how many matched in all (capped)."""

    tickets: Sequence[Ticket]
    count: int


class DeskViewsMixin(StoreBase):
    def desk_tickets(self, scope: Scope, managing: bool) -> Sequence[Ticket]:
        """Open and pending tickets: the reader's own and their teams' unassigned ones;
        for a manager (`managing`) every one of their teams'."""
        unfinished = and_(
            col(Ticket.closed_at).is_(None),
            col(Ticket.status).in_([TicketStatus.OPEN, TicketStatus.PENDING]),
        )
        if managing:
            mine = scope.where()
        else:
            team = Scope(None, scope.teams).where()
            mine = or_(col(Ticket.agent) == scope.reader, and_(col(Ticket.agent).is_(None), team))
        query = select(Ticket).where(unfinished, mine).order_by(col(Ticket.id)).limit(QUEUE_MAX)
        return self.session.exec(query).all()

    def escalated(self, ticket_ids: Sequence[int]) -> set[int]:
        if not ticket_ids:
            return set()
        query = select(Escalation.ticket_id).where(
            Escalation.status == EscalationStatus.OPEN, col(Escalation.ticket_id).in_(ticket_ids)
        )
        return set(self.session.exec(query).all())

    def search(self, words: Sequence[str], scope: Scope, limit: int) -> Page:
        """Tickets in scope whose subject, customer or one message holds every word."""
        dialect = self.session.connection().dialect.name
        if dialect == "sqlite":
            q = " ".join(f'"{w.rstrip("*")}"' + ("*" if w.endswith("*") else "") for w in words)
        else:
            q = " & ".join(w.rstrip("*") + (":*" if w.endswith("*") else "") for w in words)
        hits = text(_HITS[dialect]).bindparams(q=q).columns(id=Integer)
        if dialect == "sqlite":
            # "id IN (hits)": SQLite gathers the hits once into a lookup table
            inside = col(Ticket.id).in_(select(hits.subquery("hits").c.id))
            found = select(Ticket).where(inside, scope.where())
        else:
            # the hits first, then the tickets by key: joined in one statement,
            # PostgreSQL walked a team's tickets to probe a rare word's (200 ms)
            ids = list(self.session.execute(hits).scalars().all())
            wanted = col(Ticket.id) == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
            found = select(Ticket).where(wanted, scope.where())
        return self._page(found, limit)

    def customer_tickets(self, address: str, scope: Scope, limit: int) -> Page:
        found = select(Ticket).where(Ticket.customer == address.lower(), scope.where())
        return self._page(found, limit)

    def _page(self, found: SelectOfScalar[Ticket], limit: int) -> Page:
        """The newest `limit` and the count in one statement: a window over the
        matches, so a common word's hits are gathered once, not once more to count."""
        total = func.count().over().label("total")
        query = found.add_columns(total).order_by(col(Ticket.id).desc()).limit(limit)
        rows = self.session.execute(query).all()  # rows of (ticket, total)
        return Page([t for t, _ in rows], int(rows[0][1]) if rows else 0)

    def customer_before(
        self, customer: str, before: int, limit: int
    ) -> tuple[int, list[tuple[Ticket, list[tuple[int, str]]]]]:
        """How many tickets the customer opened before ticket `before`, and the newest
        `limit` of them (the open ones first) with their credits (cents, currency)."""
        total = func.count().over().label("total")
        query = (
            select(Ticket, total)
            .where(Ticket.customer == customer.lower(), col(Ticket.id) < before)
            .order_by(col(Ticket.closed_at).is_not(None), col(Ticket.id).desc())
            .limit(limit)
        )
        rows = self.session.exec(query).all()
        if not rows:
            return 0, []
        ids = [t.id for t, _ in rows]
        credits: dict[int, list[tuple[int, str]]] = {}
        paid = select(Ledger.ticket_id, Ledger.amount_cents, Ledger.currency).where(
            col(Ledger.ticket_id).in_(ids)
        )
        for ticket_id, cents, currency in self.session.exec(paid).all():
            credits.setdefault(ticket_id, []).append((cents, currency))
        return int(rows[0][1]), [(t, credits.get(t.id or 0, [])) for t, _ in rows]

    def files_named(self, ticket_id: int) -> dict[int, list[str]]:
        """Each message's attachments' file names."""
        query = (
            select(Attachment.message_id, Attachment.filename)
            .join(Message, col(Message.id) == col(Attachment.message_id))
            .where(Message.ticket_id == ticket_id)
            .order_by(col(Attachment.id))
        )
        named: dict[int, list[str]] = {}
        for message_id, filename in self.session.exec(query).all():
            named.setdefault(message_id, []).append(filename)
        return named
