"""Files on a ticket: #note files stay with the staff, the escalation owner and the new
agent of a handover get the ticket's files, a customer's files never reach another
customer, and a file erased before its mail was sent is named as removed."""

from __future__ import annotations

import json
from email import policy
from email.parser import BytesParser

from maild.adapters.db.models import Blob
from maild.services.retention import forget
from tests import clients as c
from tests.conftest import mail
from tests.integration.helpers import on_the_wire, outbox, parsed, rows
from tests.integration.staff import answer, last, new_since, take
from tests.integration.test_escalations import TEAMS

DANA, LEE, ERIN, SAM, KIM = (
    "dana@acme.example",
    "lee@acme.example",
    "erin@acme.example",
    "sam@example.com",
    "kim@example.com",
)


def with_files(raw: bytes, files: dict[str, bytes]) -> bytes:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    for name, data in files.items():
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


def files_sent(app, row) -> dict[str, str]:
    msg = parsed(on_the_wire(app, row))
    return {
        str(p.get_filename()): c.sha(p.get_payload(decode=True))
        for p in msg.walk()
        if p.get_filename() and not p.is_multipart()
    }


def test_note_files_stay_internal_and_travel_to_the_owner_and_the_next_agent(make_app):
    app = make_app(**TEAMS)
    take(app, mail(attachments=(("crash.png", "image/png", c.PNG),)))
    note = last(app, "agent/new", DANA)
    before = len(outbox(app))
    take(app, with_files(answer(note, "#note\n\nThe courier's report."), {"report.pdf": c.PDF}))
    assert not [o for o in new_since(app, before) if SAM in o.recipients]  # nothing to Sam
    take(app, answer(note, "#escalate eng export fails\n\nHi Sam, engineering is on it."))
    owner = last(app, "owner/escalated", ERIN)
    # The ticket's files, newest first: the note's PDF, then the customer's screenshot.
    assert files_sent(app, owner) == {"report.pdf": c.sha(c.PDF), "crash.png": c.sha(c.PNG)}
    assert "report.pdf" in parsed(owner.raw).get_body(("plain",)).get_content()
    [to_sam] = [o for o in outbox(app) if o.template == "customer/reply"]
    assert files_sent(app, to_sam) == {}  # the note's file never reached the customer
    # The owner's own #note with a file reaches the agent, not the customer.
    before = len(outbox(app))
    take(app, with_files(answer(owner, "#note\n\nLog attached.", ERIN), {"log.txt": b"trace"}))
    [agent_copy] = [o for o in new_since(app, before) if o.template == "agent/owner-mail"]
    assert files_sent(app, agent_copy) == {"log.txt": c.sha(b"trace")}
    assert not [o for o in new_since(app, before) if SAM in o.recipients]


def test_the_agent_a_ticket_is_handed_to_gets_its_files_within_the_cap(make_app):
    app = make_app(attachments={"max_bytes": 35_000})
    take(app, mail(attachments=(("old.pdf", "application/pdf", c.PDF),)))
    note = last(app, "agent/new", DANA)
    more = mail(
        subject="Re: [#1] Help with my order", attachments=(("photo.heic", "image/heic", c.HEIC),)
    )
    assert take(app, more).ticket_id == 1
    take(app, answer(note, "#assign lee"))
    handover = last(app, "agent/handover", LEE)
    # Newest first: the 40 kB photo does not fit 35 kB; the older PDF does.
    assert files_sent(app, handover) == {"old.pdf": c.sha(c.PDF)}
    text = parsed(handover.raw).get_body(("plain",)).get_content()
    assert "photo.heic" in text and "#files" in text


def test_a_customers_files_never_reach_another_customer(make_app):
    app = make_app()
    take(app, mail(Cc="Kim <kim@example.com>"))
    note = last(app, "agent/new", DANA)
    # Kim, on copy, sends her own file to the ticket: the staff get it, Sam does not.
    kim = mail(
        sender="Kim <kim@example.com>",
        subject="Re: [#1] Help with my order",
        attachments=(("kims-contract.pdf", "application/pdf", c.PDF),),
    )
    before = len(outbox(app))
    assert take(app, kim).ticket_id == 1
    told = new_since(app, before)
    assert all(DANA in o.recipients or LEE in o.recipients for o in told)
    assert "kims-contract.pdf" in files_sent(app, last(app, "agent/reply", DANA))
    take(app, with_files(answer(note, "Here is the label."), {"label.pdf": b"%PDF label"}))
    [reply] = [o for o in outbox(app) if o.template == "customer/reply"]
    assert reply.recipients == [SAM, KIM]
    assert files_sent(app, reply) == {"label.pdf": c.sha(b"%PDF label")}


def test_a_file_erased_before_its_mail_left_is_named_as_removed(make_app):
    app = make_app()
    take(app, mail(attachments=(("invoice.pdf", "application/pdf", c.PDF),)))
    note = last(app, "agent/new", DANA)
    with app.db.transaction() as store:
        forget(store, SAM, app.ingest.clock())
    assert [b.content for b in rows(app, Blob)] == [None]
    sent = on_the_wire(app, note)
    assert b"removed before the mail was sent" in sent
    assert files_sent(app, note) == {}
    app.sender.drain()  # and the sender sends it so, without failing
    with app.db.transaction() as store:
        [shown] = store.ticket_files(1)
    assert (shown.ref.filename, shown.kept) == ("invoice.pdf", False)  # the name stays
    assert [o.status for o in outbox(app) if o.id == note.id] in (["sent"], ["failed"])


def test_the_same_bytes_are_stored_once(make_app):
    app = make_app()
    for n in range(3):
        take(
            app,
            mail(sender=f"c{n}@example.com", attachments=(("same.pdf", "application/pdf", c.PDF),)),
        )
    [blob] = rows(app, Blob)
    assert blob.size == len(c.PDF)
    rows_with_files = [o for o in outbox(app) if o.files]
    assert len(rows_with_files) == 3 * 2  # Dana and Lee, for each mail
    assert all(len(o.raw) < 10_000 for o in rows_with_files)  # the bytes are not in the outbox


def test_bytes_erased_by_forget_are_kept_again_when_a_new_mail_brings_them(make_app):
    app = make_app()
    take(app, mail(attachments=(("invoice.pdf", "application/pdf", c.PDF),)))
    with app.db.transaction() as store:
        forget(store, SAM, app.ingest.clock())
    assert [b.content for b in rows(app, Blob)] == [None]
    pdf = (("invoice.pdf", "application/pdf", c.PDF),)
    take(app, mail(sender=KIM, subject="Mine too", attachments=pdf))
    [blob] = rows(app, Blob)  # still one row for the bytes, and they are there again
    assert blob.content == c.PDF
    kim = [o for o in outbox(app) if o.files and o.template == "agent/new"][-1]
    assert files_sent(app, kim) == {"invoice.pdf": c.sha(c.PDF)}


def test_an_owners_update_carries_their_files_to_the_customer(make_app):
    app = make_app(**TEAMS)
    take(app, mail())
    note = last(app, "agent/new", DANA)
    take(app, answer(note, "#escalate eng export fails\n\nHi Sam, engineering has it."))
    owner = last(app, "owner/escalated", ERIN)
    before = len(outbox(app))
    update = answer(owner, "#update\n\nHi Sam, the fix is attached.", ERIN)
    take(app, with_files(update, {"patch.pdf": c.PDF}))
    out = {o.template: o for o in new_since(app, before)}
    assert files_sent(app, out["customer/reply"]) == {"patch.pdf": c.sha(c.PDF)}
    assert files_sent(app, out["agent/owner-mail"]) == {"patch.pdf": c.sha(c.PDF)}


def test_the_ticket_shows_its_files_and_an_erased_one_by_name(tmp_path):
    from tests.integration.test_cli import make_config, run

    cfg = make_config(tmp_path)
    pdf = (("invoice.pdf", "application/pdf", c.PDF),)
    assert run("--config", cfg, "ingest", "-", input=mail(attachments=pdf)).exit_code == 0
    shown = json.loads(run("--config", cfg, "ticket", "1", "--json").output)[0]
    [message] = [m for m in shown["timeline"] if m["type"] == "message"]
    assert message["files"] == [
        {"name": "invoice.pdf", "size": len(c.PDF), "type": "application/pdf", "state": "kept"}
    ]
    assert run("--config", cfg, "forget", "sam@example.com", "--yes").exit_code == 0
    out = run("--config", cfg, "ticket", "1").output
    assert f"(file: invoice.pdf, {len(c.PDF)} bytes, application/pdf: removed)" in out
