"""What a plan looks at: the ticket, the sender, the agents, the escalation teams,
and whatever the block's commands name (another ticket, a canned reply): read
here, before the pure plan, so that the plan itself touches nothing."""

from __future__ import annotations

from dataclasses import dataclass

from maild.adapters.db.models import Ticket
from maild.adapters.render import Renderer
from maild.core import commands, policy
from maild.core.commands import Context, TicketState
from maild.core.model import Role
from maild.core.people import Directory
from maild.services.escalations import Escalations
from maild.services.staff.mail import StaffMail


@dataclass
class Lookup:
    directory: Directory
    escalations: Escalations
    renderer: Renderer

    def context(self, sm: StaffMail, limits: policy.Limits) -> Context:
        ticket = sm.ticket
        assert ticket is not None and ticket.id is not None
        return Context(
            state_of(ticket),
            sm.person,
            tuple(self.directory.agents()),
            limits.currency,
            escalation=self.escalations.state(sm.store, ticket.id),
            teams=self.escalations.public_names(),
            owners=self.escalations.rotas(),
            escalate_to=limits.escalate_to if sm.person.role is Role.AGENT else (),
            others=self._named(sm),
            macros=self._macros(sm),
            languages=frozenset(self.renderer.languages()),
        )

    def _macros(self, sm: StaffMail) -> dict[str, str]:
        """The canned replies this block uses, filled in for this ticket and sender."""
        assert sm.ticket is not None
        renderer = self.renderer
        known = set(renderer.macro_names())
        keys = [(c, commands.spec(c).names_macro) for c in sm.block.commands]
        wanted = {str(c.args.get(key)) for c, key in keys if key is not None}
        values = {
            "customer_name": sm.ticket.customer_name,
            "ticket_id": sm.ticket.id,
            "agent_name": sm.person.name,
        }
        filled = {n: renderer.macro(n, values) for n in wanted & known}
        return {**dict.fromkeys(known, ""), **filled}

    @staticmethod
    def _named(sm: StaffMail) -> dict[int, TicketState]:
        """The other tickets the block's commands name (their specs say which argument)."""
        wanted = []
        for c in sm.block.commands:
            key = commands.spec(c).names_ticket
            if key is not None and isinstance(c.args.get(key), int):
                wanted.append(int(str(c.args[key])))
        found = [sm.store.ticket(n) for n in wanted]
        return {t.id: state_of(t) for t in found if t is not None and t.id is not None}


def state_of(t: Ticket) -> TicketState:
    assert t.id is not None
    return TicketState(t.id, t.customer, t.status, t.priority, t.agent, t.team, t.language)
