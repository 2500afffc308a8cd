"""Who is who, from the config: agents, managers, and everyone else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from maild.core.model import Person, Role


@dataclass(frozen=True)
class Directory:
    staff: Mapping[str, Person] = field(default_factory=dict)

    @classmethod
    def build(
        cls, agents: Sequence[Person], managers: Sequence[Person], owners: Sequence[Person] = ()
    ) -> Directory:
        # Someone in two roles acts in the stronger one: agent, then owner, then manager.
        staff: dict[str, Person] = {m.email: m for m in managers}
        staff.update({o.email: o for o in owners})
        staff.update({a.email: a for a in agents})
        return cls(staff)

    def person(self, email: str | None) -> Person | None:
        return self.staff.get(email.lower()) if email else None

    def known(self, email: str, role: Role) -> Person:
        """The configured person, or a stand-in with that address and role (an owner or
        a manager named only by address)."""
        return self.person(email) or Person(email, email, role)

    def customer(self, email: str, name: str, language: str | None = None) -> Person:
        """A customer, with their language when it is known (the ticket's)."""
        return Person(email=email, name=name, role=Role.CUSTOMER, language=language)

    def agents(self) -> list[Person]:
        return [p for p in self.staff.values() if p.role is Role.AGENT]

    def to_notify(self, agent: str | None, team: str | None) -> list[Person]:
        """The ticket's agent if it has one, else its team's agents, else every agent."""
        assigned = self.person(agent)
        if assigned is not None:
            return [assigned]
        team_agents = [p for p in self.agents() if team and p.team == team]
        return team_agents or self.agents()
