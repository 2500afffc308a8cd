from maild.core import notices, route, tokens
from maild.core.mail import parse
from maild.core.model import Person, Role, TicketFacts
from tests.conftest import mail

KEY = b"k" * 32
SUPPORT = "support@acme.example"
LIMITS = {"max_attachment_bytes": 10**6, "max_message_bytes": 10**7}
SAM = TicketFacts(5, "sam@example.com", "open", None, "tier1")
CLOSED = TicketFacts(6, "sam@example.com", "closed", None, "tier1")
DANA = Person("dana@acme.example", "Dana", Role.AGENT, "tier1")


def decide(raw: bytes, sender: Person | None = None, tickets=(SAM, CLOSED)):
    m = parse(raw, **LIMITS)
    refs = route.ticket_refs(m, SUPPORT)
    return route.route(m, sender, refs, {t.id: t for t in tickets})


def reply_to(ticket: int, person: str) -> str:
    return tokens.reply_address(SUPPORT, tokens.sign(KEY, ticket, person))


def test_new_mail_opens_a_ticket():
    assert decide(mail()) == route.Open()


def test_joins_by_subject_tag():
    assert decide(mail(subject="Re: [#5] Help")) == route.Join(5, "subject tag", False)


def test_joins_by_reply_address_token():
    raw = mail(subject="Re: help", to=reply_to(5, "sam@example.com"))
    assert decide(raw) == route.Join(5, "reply address", False)


def test_joins_by_references_to_our_message_ids():
    ours = tokens.message_id(tokens.sign(KEY, 5, "sam@example.com"), "x1", "acme.example")
    raw = mail(subject="Re: help", In_Reply_To=ours, References=f"<a@b> {ours}")
    assert decide(raw) == route.Join(5, "references", False)


def test_a_reply_to_a_closed_ticket_reopens_it():
    assert decide(mail(subject="[#6] again")) == route.Join(6, "subject tag", True)


def test_a_stranger_naming_a_ticket_opens_a_new_one():
    raw = mail(
        subject="Re: [#5] Help", sender="Eve <eve@example.org>", to=reply_to(5, "sam@example.com")
    )
    decision = decide(raw)
    assert isinstance(decision, route.Open) and "#5" in (decision.note or "")


def test_unknown_ticket_numbers_are_just_text():
    assert decide(mail(subject="[#999] hello")) == route.Open()


def test_robot_from_the_customer_is_recorded_on_the_ticket():
    decision = decide(mail(subject="Auto: [#5] Help", Auto_Submitted="auto-replied"))
    assert isinstance(decision, route.Ignore) and decision.ticket_id == 5


def test_robot_from_a_stranger_touches_no_ticket():
    decision = decide(mail(subject="[#5]", sender="x@y.example", Precedence="bulk"))
    assert isinstance(decision, route.Ignore) and decision.ticket_id is None


def test_staff_mail_is_not_a_customer_mail():
    raw = mail(subject="Re: [#5] Help", sender="Dana <dana@acme.example>")
    assert decide(raw, DANA) == route.StaffMail(DANA, 5)


def test_clean_subject_drops_foreign_tags():
    assert route.clean_subject("Re: [#5] Help [#6]") == "Re: Help"


def test_notices_carry_tokens_for_their_recipient():
    m = parse(mail(), **LIMITS)
    a = notices.Addressing(SUPPORT, "Acme Support", KEY)
    [n] = notices.staff_notices("new", [DANA], 5, "Help", m, a)
    token = tokens.token_from_address(SUPPORT, n.reply_to)
    assert token is not None and tokens.verify([KEY], token, DANA.email)
    assert tokens.token_from_message_id(n.message_id, "acme.example") == token
    again = notices.staff_notices("new", [DANA], 5, "Help", m, a)[0]
    assert again.message_id == n.message_id  # same cause, same Message-ID
