"""The plan for one staff mail: all lines or none."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from maild.core import apply, reply
from maild.core.commands import Context, TicketState, parse_block
from maild.core.model import Person, Role
from maild.core.policy import Limits, Usage

DANA = Person("dana@acme.example", "Dana Agent", Role.AGENT, "tier1")
LEE = Person("lee@acme.example", "Lee Agent", Role.AGENT, "tier1")
TICKET = TicketState(1, "sam@example.com", "open", "normal", None, "tier1")
CTX = Context(TICKET, DANA, (DANA, LEE), "USD")


def plan(text, usage=None, approved=False):
    return apply.plan(
        parse_block(text, Role.AGENT),
        CTX,
        Limits(),
        usage or Usage(),
        approver="m",
        approved=approved,
    )


def test_every_line_applies_in_order():
    p = plan("#credit 20 late\n#assign lee\n#priority high\n#close\n\nHi Sam")
    assert p.status is apply.Status.APPLIED
    assert [x.status for x in p.lines] == [apply.Status.APPLIED] * 4
    after = p.ticket_after
    assert (after.status, after.priority, after.agent) == ("closed", "high", LEE.email)
    assert [c.amount for c in p.credits] == [Decimal(20)]
    assert len(p.announcements) == 2  # the credit and the closing


def test_credits_in_one_mail_add_up_against_the_budget():
    p = plan("#credit 40\n#credit 40", Usage(today=Decimal(150)))
    assert [x.status for x in p.lines] == [apply.Status.NOT_APPLIED, apply.Status.HELD]
    assert p.status is apply.Status.HELD and "daily" in (p.held_because or "")


def test_a_refused_line_stops_a_held_one_too():
    p = plan("#credit 80\n#assign nobody")
    assert p.status is apply.Status.REFUSED and p.held_because is None
    assert p.lines[0].status is apply.Status.NOT_APPLIED


def test_approved_plans_cross_limits():
    assert plan("#credit 80", approved=True).status is apply.Status.APPLIED


line = st.sampled_from(
    ["#credit 20", "#close", "#credit 1e3", "#assign lee", "#bogus", "#priority high", "#note"]
)


@given(st.lists(line, min_size=1, max_size=6))
def test_any_refused_line_means_nothing_applies(lines):
    p = plan("\n".join(lines))
    statuses = {x.status for x in p.lines}
    if apply.Status.REFUSED in statuses:
        assert p.status is apply.Status.REFUSED
        assert statuses <= {apply.Status.REFUSED, apply.Status.NOT_APPLIED}
    else:
        assert statuses <= {apply.Status.APPLIED, apply.Status.HELD, apply.Status.NOT_APPLIED}


@given(st.lists(line, min_size=1, max_size=6), st.sampled_from(["", "> ", ">> "]))
def test_a_command_in_a_quote_never_runs(lines, prefix):
    quoted = "\n".join("> " + prefix + x for x in lines)
    text = reply.new_text(f"Thanks, looking into it.\n\nOn Mon, Sam wrote:\n{quoted}\n")
    block = parse_block(text, Role.AGENT)
    assert block.commands == () and block.errors == ()
