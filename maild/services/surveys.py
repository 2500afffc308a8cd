"""One question when a ticket closes, and the customer's answer.

The customer gets one survey per ticket, never more than one in `every_days`
(30) whatever they close. A reply to it whose first word or digit is a rating
(core.ratings) becomes the ticket's rating row, naming the agent it rates; the
rest of the answer goes to that agent. Any other answer is a normal reply: it
joins the ticket (and reopens it) as always.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from maild.adapters.db.models import Survey, Ticket
from maild.adapters.db.store import Store
from maild.config import SurveySettings
from maild.core import notices, ratings, reply
from maild.core.contexts import Rated
from maild.core.contexts import Survey as SurveyView
from maild.core.hours import Always, BusinessHours
from maild.core.people import Directory
from maild.services.arrival import Arrival
from maild.services.rows import Queue, record_message


@dataclass
class Surveys:
    directory: Directory
    addressing: notices.Addressing
    queue: Queue
    settings: SurveySettings
    hours: Callable[[str | None], BusinessHours] = field(default=lambda _team: Always())

    def due(self, team: str | None, closed_at: datetime) -> datetime:
        """`delay_hours` after the closing, then the team's next working moment: a
        customer asked in the same second has not yet seen whether it is solved,
        and one asked at 3 a.m. on a Sunday reads it among Monday's mail."""
        later = closed_at + timedelta(hours=self.settings.delay_hours)
        return self.hours(team).next_open(later)

    def withdraw(self, store: Store, ticket: Ticket, now: datetime) -> None:
        """The ticket opened again before its survey went out: nobody is asked how a
        ticket that is not done went."""
        if ticket.id is not None and store.withdraw_survey(ticket.id):
            store.event(ticket.id, now, "survey_withdrawn", None)

    def offer(self, store: Store, ticket: Ticket, agent: str | None, now: datetime) -> None:
        """The ticket just closed: ask a while later, unless asked already or lately."""
        assert ticket.id is not None
        since = now - timedelta(days=self.settings.every_days)
        if not self.settings.enabled or store.surveyed(ticket.id, ticket.customer, since):
            return
        customer = self.directory.customer(ticket.customer, ticket.customer_name, ticket.language)
        person = self.directory.person(agent)
        view = SurveyView(
            subject=ticket.subject,
            customer_name=ticket.customer_name,
            agent_name=person.name if person else self.addressing.support_name,
        )
        last = store.last_customer_message_id(ticket.id, ticket.customer)
        out = notices.notice(
            "customer/survey",
            customer,
            ticket.id,
            f"survey-{ticket.id}",
            self.addressing,
            view,
            thread=(last,) if last else (),
        )
        due = self.due(ticket.team, now)
        self.queue(store, [out], now, at=due)
        store.add(
            Survey(
                ticket_id=ticket.id,
                customer=ticket.customer,
                agent=agent,
                message_id=out.message_id,
                sent_at=due,
            )
        )
        store.event(ticket.id, now, "survey_queued", None, agent=agent, due_at=due.isoformat())

    def answer(self, a: Arrival, ticket: Ticket, inbound_id: int) -> str | None:
        """If the mail answers this ticket's survey with a rating: record it, tell the
        agent, and say so; else None (the mail is a normal reply)."""
        m = a.mail
        survey = a.store.survey_answered(ticket.id or 0, [m.in_reply_to, *m.references])
        if survey is None or survey.answered_at is not None or m.from_addr != ticket.customer:
            return None
        rating = ratings.extract(reply.new_text(m.text))
        if rating is None:
            return None
        survey.score, survey.comment, survey.answered_at = rating.score, rating.comment, a.now
        record_message(a, ticket.id or 0, inbound_id, "rating")
        a.store.event(ticket.id or 0, a.now, "rated", m.from_addr, score=rating.score)
        self._tell_agent(a, ticket, survey.agent, rating)
        return f"rated {rating.score} of 5"

    def _tell_agent(
        self, a: Arrival, ticket: Ticket, agent: str | None, rating: ratings.Rating
    ) -> None:
        person = self.directory.person(agent)
        if person is None:
            return
        view = Rated(rating.score, rating.good, rating.comment, ticket.subject, ticket.customer)
        cause = f"{a.mail.content_hash}:rating"
        out = notices.notice("agent/rating", person, ticket.id or 0, cause, self.addressing, view)
        self.queue(a.store, [out], a.now)
