"""The desk in the inbox: #queue, #show, #find and #customer answer with a mail.

Only a proven sender gets here (the desk checks first); the answer goes to the
person's configured address, with links and tokens signed for them alone. What
a reader may see is their own tickets and their teams' (a manager: every team
they manage); a ticket outside that is refused as any line that is not theirs,
in the same words whether it exists or not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from maild.adapters.db.models import Ticket
from maild.adapters.db.store import Store
from maild.adapters.db.store.desk_views import Scope
from maild.core import commands, desk, notices, targets, tokens
from maild.core.contexts import DeskQueue, Found, QueueSection, View
from maild.core.model import Person, Role
from maild.core.words import N_, Msg, Nn_, Said
from maild.services.rows import Queue
from maild.services.staff.history import ticket_history
from maild.services.targets import _aware, _waiting

SHOWN_PER_SECTION = 100


@dataclass(frozen=True)
class Asked:
    """One question's fate, for the action row and the receipt."""

    line: int
    raw: str
    name: str
    status: str  # answered, refused
    reason: Said


@dataclass
class DeskViews:
    addressing: notices.Addressing
    queue: Queue
    managers: Mapping[str, str]  # team -> manager address
    for_team: Callable[[str | None], targets.Targets]
    timezone: str

    # who sees what ---------------------------------------------------------------------
    def scope(self, person: Person) -> Scope:
        if person.role is Role.MANAGER:
            managed = tuple(sorted(t for t, m in self.managers.items() if m == person.email))
            return Scope(None, managed)
        return Scope(person.email, (person.team,) if person.team else None)

    def may_see(self, person: Person, ticket: Ticket | None) -> bool:
        if ticket is None:
            return False
        scope = self.scope(person)
        if scope.reader is not None and ticket.agent == scope.reader:
            return True
        return scope.teams is None or (ticket.team or "") in scope.teams

    # answers -------------------------------------------------------------------------
    def answer(self, store: Store, person: Person, cause: str, now: datetime) -> AnswerFor:
        return AnswerFor(self, store, person, cause, now)

    def queue_view(self, store: Store, person: Person, now: datetime, digest: bool) -> DeskQueue:
        """What is on the reader's plate (total 0: nothing)."""
        scope = self.scope(person)
        managing = person.role is Role.MANAGER
        tickets = store.desk_tickets(scope, managing)
        escalated = store.escalated([t.id for t in tickets if t.id is not None])
        lines = desk.ordered(self.line(t, person, now, t.id in escalated) for t in tickets)
        titles = desk.MANAGER_TITLES if managing else desk.TITLES
        sections = []
        for name in desk.SECTIONS:
            mine = [x for x in lines if x.section == name]
            if mine:
                shown = tuple(mine[:SHOWN_PER_SECTION])
                sections.append(QueueSection(titles[name], shown, len(mine) - len(shown)))
        return DeskQueue(
            reader_name=person.name,
            teams=", ".join(scope.teams) if scope.teams else N_("all teams"),
            sections=tuple(sections),
            total=len(lines),
            breached=sum(1 for x in lines if x.breached),
            digest=digest,
            day=now.astimezone(ZoneInfo(self.timezone)).date(),
        )

    def line(self, t: Ticket, person: Person, now: datetime, escalated: bool = False) -> desk.Line:
        assert t.id is not None
        facts = desk.Facts(
            t.id, t.customer, t.customer_name, t.subject, t.status, t.priority, t.agent, t.team,
            _aware(t.created_at), escalated,
        )  # fmt: skip
        team_targets = self.for_team(t.team)
        due = team_targets.due(_waiting(t), now)
        token = tokens.sign(self.addressing.key, t.id, person.email)
        reply_to = tokens.reply_address(self.addressing.support, token)
        return desk.Line(
            id=t.id,
            section=desk.section_of(facts, person.email),
            customer=f"{t.customer_name} <{t.customer}>" if t.customer_name else t.customer,
            subject=t.subject or desk.NO_SUBJECT,
            status=desk.word(t.status),
            priority=desk.word(t.priority) if t.priority != "normal" else "",
            agent=t.agent if t.agent != person.email else None,  # not "yours" on each line
            age=desk.age(facts.created_at, now),
            due=self._due_words(due, now, team_targets.hours.timezone),
            breached=due is not None and due.breached,
            mailto=desk.mailto(reply_to, t.id, t.subject),
            due_at=due.due_at if due is not None else None,
        )

    @staticmethod
    def _due_words(due: targets.Due | None, now: datetime, zone: str) -> Msg | None:
        if due is None:
            return None
        if due.breached:
            return N_("target breached %(ago)s", ago=desk.ago(due.due_at, now))
        return N_("due %(at)s", at=due.due_at.astimezone(ZoneInfo(zone)))


@dataclass
class AnswerFor:
    """The answers to one person's questions, queued in the caller's transaction."""

    views: DeskViews
    store: Store
    person: Person
    cause: str  # the asking mail's content hash: the answers' Message-IDs
    now: datetime

    def __call__(self, asked: Sequence[commands.Command]) -> list[Asked]:
        return [self._one(c) for c in asked]

    def _one(self, c: commands.Command) -> Asked:
        kind = commands.spec(c).asks
        if kind == "queue":
            return self._queue(c)
        if kind == "show":
            return self._show(c, int(str(c.args["ticket"])))
        scope = self.views.scope(self.person)
        if kind == "find":
            words = desk.search_words(str(c.args["words"]))
            page = self.store.search(words, scope, desk.FOUND_MAX)
        else:
            page = self.store.customer_tickets(str(c.args["address"]), scope, desk.FOUND_MAX)
        lines = tuple(self.views.line(t, self.person, self.now) for t in page.tickets)
        found = Found(c.raw, page.count, lines)
        self._send("agent/found", 0, f"{c.line}", found)
        return Asked(
            c.line,
            c.raw,
            c.name,
            "answered",
            Nn_("%(n)s found", "%(n)s found", page.count),
        )

    def _queue(self, c: commands.Command) -> Asked:
        view = self.views.queue_view(self.store, self.person, self.now, digest=False)
        self._send("agent/queue", 0, "queue", view)
        return Asked(
            c.line, c.raw, c.name, "answered", Nn_("%(n)s ticket", "%(n)s tickets", view.total)
        )

    def _show(self, c: commands.Command, number: int) -> Asked:
        ticket = self.store.ticket(number)  # a merged one too: its own history
        if not self.views.may_see(self.person, ticket):
            why = N_("#%(number)s is not a ticket of your team's", number=str(number))
            return Asked(c.line, c.raw, c.name, "refused", why)
        assert ticket is not None and ticket.id is not None
        due = self.views.line(ticket, self.person, self.now).due
        self._send("agent/ticket", ticket.id, "show", ticket_history(self.store, ticket, due))
        on_its_way = N_("the history of #%(number)s is on its way", number=str(number))
        return Asked(c.line, c.raw, c.name, "answered", on_its_way)

    def _send(self, template: str, ticket_id: int, what: str, view: object) -> None:
        assert isinstance(view, View)
        out = notices.notice(
            template, self.person, ticket_id, f"{self.cause}:{what}", self.views.addressing, view
        )
        self.views.queue(self.store, [out], self.now)
