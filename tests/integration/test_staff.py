"""Agents and managers act by mail: what the customer, the agent and the manager receive."""

import pytest

from maild.adapters.db.models import Action, Approval, Event, Ledger, Ticket
from maild.core.model import Role
from tests.conftest import mail
from tests.integration.helpers import outbox, parsed, rows
from tests.integration.staff import answer, body, last, new_since, open_ticket, take

DANA = "dana@acme.example"
MARIA = "maria@acme.example"
SAM = "sam@example.com"


def notification(app, to=DANA):
    return last(app, "agent/new", to)


def ticket(app, n=1):
    return next(t for t in rows(app, Ticket) if t.id == n)


def test_a_plain_answer_reaches_the_customer_threaded_under_the_agents_name(app):
    open_ticket(app)
    customer_msgid = parsed(outbox(app)[0].raw)["In-Reply-To"]
    before = len(outbox(app))
    outcome = take(app, answer(notification(app), "Hi Sam, a new one is on its way.\n\nDana"))
    assert (outcome.verdict, outcome.ticket_id) == ("staff", 1)
    [sent] = new_since(app, before)  # no receipt: the mail carried no commands
    msg = parsed(sent.raw)
    assert (sent.template, sent.recipients) == ("customer/reply", [SAM])
    assert msg["From"].addresses[0].display_name == "Dana Agent (Acme Support)"
    assert msg["From"].addresses[0].addr_spec == "support@acme.example"
    assert msg["Subject"] == "Re: [#1] Help with my order"
    assert msg["In-Reply-To"] == customer_msgid
    assert msg["Reply-To"].addresses[0].addr_spec.startswith("support+t1-")
    text = body(sent)
    assert "Hi Sam, a new one is on its way." in text
    assert "wrote:" not in text and "New ticket #1" not in text  # the quote stays behind
    assert ticket(app).agent == DANA  # the first agent to answer takes the ticket


def test_the_example_from_the_product_notes(app):
    open_ticket(app)
    before = len(outbox(app))
    reply = "#credit 20 late delivery\n#close\n\nHi Sam, sorry about the wait."
    take(app, answer(notification(app), reply))
    sent = {o.template: o for o in new_since(app, before)}
    assert set(sent) == {"customer/reply", "staff/receipt"}
    customer = body(sent["customer/reply"])
    assert "Hi Sam, sorry about the wait." in customer
    assert "A credit of $20.00 has been added to your account." in customer
    assert "#credit" not in customer and "late delivery" not in customer  # the reason is ours
    assert "credited $20.00 to sam@example.com (late delivery)" in body(sent["staff/receipt"])
    [credit] = rows(app, Ledger)
    assert (credit.agent, credit.customer, credit.amount_cents, credit.currency, credit.reason) == (
        DANA,
        SAM,
        2000,
        "USD",
        "late delivery",
    )
    assert credit.approved_by is None and credit.auth["ok"] is True
    assert ticket(app).status == "closed"
    receipt = sent["staff/receipt"]
    assert receipt.recipients == [DANA]
    text = body(receipt)
    assert "Everything in your mail was applied." in text
    assert "line 1: #credit 20 late delivery\n      applied" in text
    assert "line 2: #close\n      applied" in text
    assert "$180.00 today, $980.00 this month" in text
    commands = [e.detail for e in rows(app, Event) if e.kind == "command"]
    assert [(c["line"], c["status"]) for c in commands] == [(1, "applied"), (2, "applied")]


def test_a_command_only_mail_tells_the_customer_only_what_a_command_announces(app):
    open_ticket(app)
    before = len(outbox(app))
    take(app, answer(notification(app), "#priority urgent"))
    assert [o.template for o in new_since(app, before)] == ["staff/receipt"]
    assert ticket(app).priority == "urgent"
    before = len(outbox(app))
    take(app, answer(notification(app), "#credit 5"))
    [sent] = [o for o in new_since(app, before) if o.template == "customer/reply"]
    assert "A credit of $5.00 has been added to your account." in body(sent)


def test_note_keeps_the_whole_mail_internal(app):
    open_ticket(app)
    before = len(outbox(app))
    take(app, answer(notification(app), "#note\nCustomer sounds upset, handle with care."))
    assert [o.template for o in new_since(app, before)] == ["staff/receipt"]


@pytest.mark.parametrize("amount", ["-5", "1e3", "NaN", "20,00", "10.999"])
def test_one_bad_line_and_nothing_in_the_mail_takes_effect(app, amount):
    open_ticket(app)
    before = len(outbox(app))
    take(app, answer(notification(app), f"#close\n#credit {amount} sorry\n\nHi Sam, done."))
    [receipt] = new_since(app, before)  # nothing to the customer
    assert receipt.template == "staff/receipt"
    text = body(receipt)
    assert "Nothing in your mail took effect" in text
    assert f"line 2: #credit {amount} sorry\n      refused: #credit: " in text
    assert "line 1: #close\n      not applied: another line in this mail was refused" in text
    assert ticket(app).status == "open" and rows(app, Ledger) == []


def test_unknown_commands_and_unknown_escalation_teams_are_refused_cleanly(app):
    open_ticket(app)
    before = len(outbox(app))
    take(app, answer(notification(app), "#frobnicate\n#escalate eng export fails\n\nHi Sam"))
    [receipt] = new_since(app, before)
    text = body(receipt)
    assert "refused: unknown command '#frobnicate'" in text
    assert "refused: no escalation team 'eng' (teams: none configured)" in text


def test_a_misspelt_command_is_named_and_the_words_come_back_to_be_sent_again(app):
    open_ticket(app)
    before = len(outbox(app))
    words = "Hi Sam, sorry about the wait: a credit is on its way.\n\nDana"
    take(app, answer(notification(app), f"#credti 20 sorry\n#close\n\n{words}"))
    [receipt] = new_since(app, before)  # nothing to the customer
    text = body(receipt)
    assert (
        "line 1: #credti 20 sorry\n      refused: unknown command '#credti': "
        "did you mean #credit? (#help lists your commands)" in text
    )
    assert text.lower().count("nothing was sent to the customer") == 1
    quoted = text.split("send it again):\n", 1)[1]
    assert quoted.startswith("    #credti 20 sorry\n    #close\n\n    Hi Sam, sorry about")
    assert "\n    Dana\n" in quoted
    html = parsed(receipt.raw).get_body(("html",)).get_content()
    assert "did you mean #credit?" in html and "Hi Sam, sorry about the wait" in html
    assert ticket(app).status == "open" and rows(app, Ledger) == []


def test_a_credit_over_a_limit_waits_for_the_manager_who_approves(app, clock):
    open_ticket(app)
    before = len(outbox(app))
    take(app, answer(notification(app), "#credit 80 broken on arrival\n\nHi Sam, refunded."))
    sent = {o.template: o for o in new_since(app, before)}
    assert set(sent) == {"manager/approval", "staff/receipt"}  # nothing to the customer yet
    request = sent["manager/approval"]
    assert request.recipients == [MARIA]
    text = body(request)
    assert "Dana Agent <dana@acme.example> wants to credit $80.00 on ticket #1" in text
    # a per-credit limit is not a budget: nothing of it is "left"
    assert "$80.00 is over the most one credit may be ($50.00)." in text
    assert "| Hi Sam, refunded." in text and "credits this month so far: 0" in text
    # a time a person reads
    assert "Undecided by Thursday, November 26, 2026, 9:00\u202fAM UTC," in text
    assert parsed(request.raw)["To"] == MARIA  # known by address alone: no "x" <x>
    assert "waits for approval by maria@acme.example" in body(sent["staff/receipt"])
    [approval] = rows(app, Approval)
    assert approval.status == "waiting" and rows(app, Ledger) == []

    clock.advance(minutes=20)
    before = len(outbox(app))
    take(app, answer(request, "#approve loyal customer", "maria@acme.example"))
    sent = {(o.template, o.recipients[0]): o for o in new_since(app, before)}
    assert set(sent) == {
        ("customer/reply", SAM),
        ("staff/receipt", DANA),
        ("staff/receipt", MARIA),
    }
    assert "A credit of $80.00" in body(sent[("customer/reply", SAM)])
    assert "approved your held mail" in body(sent[("staff/receipt", DANA)])
    assert "Approved. Dana Agent's held mail took effect." in body(sent[("staff/receipt", MARIA)])
    [credit] = rows(app, Ledger)
    assert (credit.amount_cents, credit.approved_by) == (8000, MARIA)
    assert rows(app, Approval)[0].status == "approved"


def test_a_denied_mail_takes_no_effect_and_the_agent_learns_why(app):
    open_ticket(app)
    take(app, answer(notification(app), "#credit 80\n#close\n\nHi Sam, refunded."))
    before = len(outbox(app))
    request = last(app, "manager/approval", MARIA)
    take(app, answer(request, "#deny please offer a replacement instead", MARIA))
    sent = {(o.template, o.recipients[0]): o for o in new_since(app, before)}
    assert set(sent) == {("staff/receipt", DANA), ("staff/receipt", MARIA)}
    assert "denied your held mail: please offer a replacement instead" in " ".join(
        body(sent[("staff/receipt", DANA)]).split()
    )
    assert rows(app, Ledger) == [] and ticket(app).status == "open"
    assert rows(app, Approval)[0].status == "denied"


def test_waiting_approvals_are_reminded_then_dropped_with_the_agent_told(app, clock):
    open_ticket(app)
    take(app, answer(notification(app), "#credit 80\n\nHi Sam."))
    app.scheduler.run_due()
    reminders = lambda: [  # noqa: E731
        o for o in outbox(app) if o.template == "manager/approval" and "Reminder" in body(o)
    ]
    assert reminders() == []
    clock.advance(hours=4, minutes=1)
    app.scheduler.run_due()
    app.scheduler.run_due()  # the same hour again: no second reminder
    assert len(reminders()) == 1
    assert "Reminder 1:" in parsed(reminders()[0].raw)["Subject"]
    before = len(outbox(app))
    clock.advance(hours=68)
    app.scheduler.run_due()
    [dropped] = new_since(app, before)
    assert dropped.recipients == [DANA] and "was dropped" in body(dropped)
    assert rows(app, Approval)[0].status == "expired" and rows(app, Ledger) == []


def test_help_lists_the_senders_commands_and_limits(app):
    open_ticket(app)
    before = len(outbox(app))
    take(app, answer(notification(app), "#help"))
    [receipt] = new_since(app, before)
    text = body(receipt)
    assert "#credit AMOUNT [CUR] [reason]" in text and "#approve" not in text
    limits = "$50.00 a credit, $200.00 a day, $1,000.00 a month, $150.00 per customer in 30 days"
    assert limits in text


def test_receipts_only_for_errors_when_configured(make_app):
    app = make_app(receipts={"mode": "errors"})
    open_ticket(app)
    before = len(outbox(app))
    take(app, answer(notification(app), "#close\n\nAll done."))
    assert [o.template for o in new_since(app, before)] == ["customer/reply"]


def test_assign(app):
    open_ticket(app)
    take(app, answer(notification(app), "#assign lee"))
    assert ticket(app).agent == "lee@acme.example"
    before = len(outbox(app))
    take(app, answer(notification(app), "#assign nobody"))
    assert "refused: no agent called 'nobody'" in body(new_since(app, before)[0])
    assert ticket(app).agent == "lee@acme.example"


def test_limits_come_from_defaults_then_team_then_agent(make_app):
    app = make_app(
        limits={
            "credit_per_ticket": 10,
            "teams": {"tier1": {"credit_per_ticket": 30}},
            "agents": {DANA: {"credit_per_ticket": 100, "credit_per_customer_30d": 500}},
        }
    )
    open_ticket(app)
    take(app, answer(notification(app), "#credit 80"))
    take(app, answer(notification(app, "lee@acme.example"), "#credit 40"))
    assert [c.amount_cents for c in rows(app, Ledger)] == [8000]  # lee's 40 > tier1's 30
    assert rows(app, Approval)[0].agent == "lee@acme.example"


def test_an_agents_out_of_office_is_never_relayed(app):
    open_ticket(app)
    before = len(outbox(app))
    ooo = answer(notification(app), "I am away until Monday.", Auto_Submitted="auto-replied")
    outcome = take(app, ooo)
    assert outcome.verdict == "ignored" and new_since(app, before) == []


def test_a_customer_writing_a_command_is_just_text(app):
    open_ticket(app)
    ack = last(app, "customer/ack", SAM)
    before = len(outbox(app))
    outcome = take(app, answer(ack, "#credit 500\n#close\nplease!"))
    assert outcome.verdict == "joined"
    assert {o.template for o in new_since(app, before)} == {"agent/reply"}
    assert rows(app, Ledger) == [] and ticket(app).status == "open"


@pytest.mark.parametrize(
    "text,html",
    [
        ("Thanks!\n\n-- \nDana Agent\n#credit 500", None),  # in the signature
        ("Thanks!", "<p>#credit 500</p><p>Thanks!</p>"),  # only in the HTML part
    ],
)
def test_commands_outside_the_block_of_the_plain_text_never_run(app, text, html):
    open_ticket(app)
    take(app, answer(notification(app), text, html=html))
    assert rows(app, Ledger) == []


def test_a_command_in_the_quoted_history_never_runs(app):
    take(app, mail(text="#credit 500\n#close"))  # the customer's words, quoted back
    take(app, answer(notification(app), "Looking into it."))
    assert rows(app, Ledger) == [] and ticket(app).status == "open"


def test_a_command_in_an_attachment_never_runs(app):
    open_ticket(app)
    raw = answer(notification(app), "See attached.")
    from email import message_from_bytes, policy

    msg = message_from_bytes(raw, policy=policy.default)
    msg.add_attachment(b"#credit 500\n", maintype="text", subtype="plain", filename="c.txt")
    take(app, msg.as_bytes())
    assert rows(app, Ledger) == []


def test_html_only_replies_work(app):
    open_ticket(app)
    html = (
        "<div>#credit 5</div><div>Hi Sam, here you go.</div>"
        '<div class="gmail_quote">On Mon, 23 Nov 2026 Acme Support wrote:<blockquote>'
        "#credit 500</blockquote></div>"
    )
    before = len(outbox(app))
    take(app, answer(notification(app), "", html=html))
    [credit] = rows(app, Ledger)
    assert credit.amount_cents == 500
    [sent] = [o for o in new_since(app, before) if o.template == "customer/reply"]
    assert "Hi Sam, here you go." in body(sent)


def test_roles_come_from_the_config(app):
    assert app.ingest.directory.person(MARIA).role is Role.MANAGER
    assert app.ingest.directory.person(DANA).role is Role.AGENT


def test_every_staff_mail_leaves_an_action_with_the_auth_verdict(app):
    open_ticket(app)
    take(app, answer(notification(app), "#close"))
    [action] = rows(app, Action)
    assert action.status == "applied"
    assert [c["name"] for c in action.auth["checks"]] == ["from", "token"]


def test_the_customer_gets_the_agents_sign_off_once(app):
    open_ticket(app)
    take(app, answer(notification(app), "#credit 5 sorry\n\nHi Sam, sorted.\n\nDana"))
    text = body(last(app, "customer/reply", "sam@example.com"))
    assert text.count("Dana") == 1
    assert text.index("Hi Sam, sorted.") < text.index("credit of $5.00") < text.index("Acme")
