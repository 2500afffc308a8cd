"""End to end: files travel with the conversation, through a real Dovecot and an
aiosmtpd sink. Mails are shaped as each client shapes them (tests/clients.py);
every file that arrives is compared by its hash with the one that was sent."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

import pytest

from tests import clients as c
from tests.conftest import mail
from tests.e2e.test_imap import cli
from tests.integration.staff import answer
from tests.peers import Received

pytestmark = pytest.mark.dovecot


def files_of(msg: EmailMessage) -> dict[str, bytes]:
    """Every part with a file name: name -> its bytes, as a mail client saves them."""
    out: dict[str, bytes] = {}
    for part in msg.walk():
        name = part.get_filename()
        if name and not part.is_multipart():
            payload = part.get_payload(decode=True)
            out[name] = payload if isinstance(payload, bytes) else b""
    return out


def inline_images(msg: EmailMessage) -> dict[str, bytes]:
    """Content-ID -> bytes of the images the HTML part shows by cid:."""
    html = msg.get_body(("html",))
    shown = html.get_content() if html is not None else ""
    out = {}
    for part in msg.walk():
        cid = str(part.get("Content-ID", "")).strip("<>")
        if cid and f"cid:{cid}" in shown:
            payload = part.get_payload(decode=True)
            out[cid] = payload if isinstance(payload, bytes) else b""
    return out


def to(sink, address: str) -> list[Received]:
    return sink.handler.to(address)


def run(cfg) -> None:
    result = cli(cfg, "run", "--once")
    assert result.exit_code == 0, result.output


SHAPES = {
    "outlook": (
        c.outlook("Ann <ann@example.com>", "Outlook", "The app crashes:", c.PNG, c.PDF),
        {"image001.png": c.PNG, "Return label.pdf": c.PDF},
        {c.sha(c.PNG)},
    ),
    "outlook winmail.dat": (
        c.outlook_tnef(
            "Bo <bo@example.com>",
            "TNEF",
            "See the files",
            [("Rechnung.pdf", c.PDF), ("photo.jpg", c.HEIC)],
        ),
        {"Rechnung.pdf": c.PDF, "photo.jpg": c.HEIC},
        set(),
    ),
    "apple mail": (
        c.apple_mail("Cy <cy@example.com>", "Apple", "Here is the receipt:", c.PDF, "Thanks!"),
        {"receipt.pdf": c.PDF},
        set(),
    ),
    "gmail": (
        c.gmail("Di <di@example.com>", "Gmail", "Look at this", c.PNG, c.DOCX),
        {"image.png": c.PNG, "Order list.docx": c.DOCX},
        {c.sha(c.PNG)},
    ),
    "iphone": (
        c.iphone("Ed <ed@example.com>", "iPhone", "Photo of the damage", c.HEIC),
        {"IMG_0001.HEIC": c.HEIC},
        set(),
    ),
}


def test_every_clients_files_reach_the_agent_whole(setup):
    cfg, dovecot, user, sink = setup
    for raw, _, _ in SHAPES.values():
        dovecot.append(user, raw)
    dovecot.append(user, c.forwarded("Fay <fay@example.com>", "Forwarded", "see below"))
    run(cfg)
    sink.handler.wait_for(2 * (len(SHAPES) + 1))
    notes = {
        str(r.msg["Subject"]).split("New: ", 1)[1]: r.msg for r in to(sink, "dana@acme.example")
    }
    for shape, (_, sent, pasted) in SHAPES.items():
        subject = {"outlook winmail.dat": "TNEF", "apple mail": "Apple"}.get(shape, shape.title())
        note = notes[subject if subject != "Iphone" else "iPhone"]
        got = files_of(note)
        assert {n: c.sha(b) for n, b in got.items()} == {n: c.sha(b) for n, b in sent.items()}, (
            shape
        )
        # Pasted images show in the HTML, where the customer put them.
        assert {c.sha(b) for b in inline_images(note).values()} == pasted, shape
        assert "winmail.dat" not in got
    # Apple Mail's words after the file are words too.
    apple = notes["Apple"].get_body(("plain",)).get_content()
    assert "Here is the receipt:" in apple and "Thanks!" in apple
    fwd = files_of(notes["Forwarded"])
    [(name, eml)] = fwd.items()
    assert name == "Your parcel was returned.eml" and b"Parcel 123 returned" in eml
    # The customers' acknowledgements carry nothing.
    for address in ("ann@example.com", "di@example.com"):
        assert files_of(to(sink, address)[0].msg) == {}


def _outlook_answer(
    note: bytes, text: str, pasted: dict[str, bytes], attached: dict[str, bytes]
) -> bytes:
    """An agent's Outlook answer: new text with pasted images, the notification quoted
    below with its own images, files attached."""
    msg = EmailMessage()
    raw = answer(note, text)
    base = EmailMessage()
    from email import policy
    from email.parser import BytesParser

    base = BytesParser(policy=policy.default).parsebytes(raw)
    for key in ("From", "To", "Subject", "Message-ID", "Date", "In-Reply-To", "References"):
        msg[key] = base[key]
    plain = base.get_body(("plain",)).get_content()
    imgs = "".join(f'<img src="cid:{n}@outlook">' for n in pasted)
    msg.set_content(plain)
    msg.add_alternative(
        f"<html><body><p>{text.replace(chr(10), '<br>')}</p>{imgs}<hr><p>quoted</p></body></html>",
        subtype="html",
    )
    html = msg.get_payload()[1]
    for name, data in pasted.items():
        html.add_related(
            data, "image", "png", cid=f"<{name}@outlook>", filename=name, disposition="inline"
        )
    for name, data in attached.items():
        maintype, subtype = (
            ("application", "pdf") if name.endswith(".pdf") else ("application", "octet-stream")
        )
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n in names:
            z.writestr(n, b"x")
    return out.getvalue()


def test_the_agents_files_reach_the_customer_and_pasted_images_do_not_pile_up(setup):
    cfg, dovecot, user, sink = setup
    # The customer pastes a screenshot (Gmail) and copies a colleague.
    dovecot.append(user, c.gmail("Di <di@example.com>", "Gmail", "Look at this", c.PNG, c.DOCX))
    run(cfg)
    [note] = [r for r in sink.handler.wait_for(2) if "dana@" in r.rcpt_tos[0]]
    shot = b"\x89PNG\r\n\x1a\n" + b"agent screenshot" * 200
    tools = _zip(["setup/readme.txt", "setup/run.js"])
    # Dana's Outlook answer: a pasted screenshot, her logo, the customer's image in
    # the quoted history, a return label, and two files that can run programs.
    first = _outlook_answer(
        note.raw,
        "Here is your return label.",
        {"shot.png": shot, "logo.png": c.LOGO, "image.png": c.PNG},
        {"Return label.pdf": c.PDF, "fix.exe": b"MZ" + b"\x00" * 100, "tools.zip": tools},
    )
    dovecot.append(user, first)
    run(cfg)
    sink.handler.wait_for(4)
    [reply] = to(sink, "di@example.com")[1:]
    got = files_of(reply.msg)
    assert {n: c.sha(b) for n, b in got.items()} == {
        "Return label.pdf": c.sha(c.PDF),
        "shot.png": c.sha(shot),
        "logo.png": c.sha(c.LOGO),
    }
    assert {c.sha(b) for b in inline_images(reply.msg).values()} == {c.sha(shot), c.sha(c.LOGO)}
    assert "Here is your return label." in reply.text()
    assert "fix.exe" in reply.text() and "not forwarded" in reply.text()
    assert "tools.zip" in reply.text() and "run.js" in reply.text()
    # Dana's receipt names what went.
    [receipt] = [r for r in to(sink, "dana@acme.example") if "Receipt" in str(r.msg["Subject"])]
    said = receipt.text()
    assert "Files sent: shot.png (3 kB), logo.png (1 kB), Return label.pdf (30 kB)" in said
    assert "Not sent: fix.exe, not forwarded: .exe files can run programs" in said
    assert files_of(receipt.msg) == {}

    # A second answer with the same signature logo: the logo does not come again.
    second = _outlook_answer(note.raw, "It is on its way.", {"logo.png": c.LOGO}, {})
    dovecot.append(user, second)
    run(cfg)
    sink.handler.wait_for(6)
    last = to(sink, "di@example.com")[-1]
    assert "It is on its way." in last.text() and files_of(last.msg) == {}


def test_over_the_cap_files_are_named_and_files_fetches_them(setup, tmp_path):
    cfg, dovecot, user, sink = setup
    cfg.write_text(cfg.read_text() + "\n[attachments]\nmax_bytes = 40000\n")
    sent = {"a.pdf": c.PDF, "IMG_0001.HEIC": c.HEIC, "list.docx": c.DOCX}
    dovecot.append(
        user,
        mail(
            subject="Three files",
            attachments=tuple((n, "application/octet-stream", b) for n, b in sent.items()),
        ),
    )
    run(cfg)
    [note] = [r for r in sink.handler.wait_for(2) if "dana@" in r.rcpt_tos[0]]
    assert set(files_of(note.msg)) == {"a.pdf", "list.docx"}  # 35 kB of 75 kB
    assert "IMG_0001.HEIC" in note.text() and "#files" in note.text()
    dovecot.append(user, answer(note.raw, "#files"))
    run(cfg)
    sink.handler.wait_for(5)
    mails = [r for r in to(sink, "dana@acme.example") if "Files:" in str(r.msg["Subject"])]
    assert len(mails) == 2
    got: dict[str, bytes] = {}
    for m in mails:
        part = files_of(m.msg)
        assert sum(len(b) for b in part.values()) <= 40000 or len(part) == 1
        got.update(part)
    assert {n: c.sha(b) for n, b in got.items()} == {n: c.sha(b) for n, b in sent.items()}
    assert to(sink, "sam@example.com")[1:] == []  # #files is for the staff alone


HOSTILE = {
    "../../etc/passwd": "passwd",
    "C:\\Users\\x\\report.pdf": "report.pdf",
    "Rechnung März.pdf": "Rechnung März.pdf",
    "請求書.pdf": "請求書.pdf",
    "a\u202egnp.js": None,  # shows as "ajs.png": a script, never forwarded
    "invoice\u202efdp.exe": None,
}


def test_hostile_names_arrive_safe_and_programs_stay_behind(setup):
    cfg, dovecot, user, sink = setup
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "Sam <sam@example.com>",
        "support@acme.example",
        "Names",
    )
    msg["Message-ID"] = "<names@example.com>"
    msg.set_content("files with odd names")
    for i, name in enumerate(HOSTILE):
        msg.add_attachment(
            f"file {i}".encode(), maintype="application", subtype="octet-stream", filename=name
        )
    dovecot.append(user, msg.as_bytes())
    run(cfg)
    [note] = [r for r in sink.handler.wait_for(2) if "dana@" in r.rcpt_tos[0]]
    got = files_of(note.msg)
    assert set(got) == {v for v in HOSTILE.values() if v}
    assert b"filename*=utf-8''Rechnung%20M%C3%A4rz.pdf" in note.raw
    text = note.text()
    assert "invoicefdp.exe" in text and "gnp.js" in text and "not forwarded" in text
    assert "\u202e" not in text and "\u202e" not in str(got)


def _from_dana(raw: bytes, note: Received) -> bytes:
    """A client-shaped mail turned into Dana's answer to her notification."""
    threading = (
        f"To: {note.msg['Reply-To']}\r\nIn-Reply-To: {note.msg['Message-ID']}\r\n"
        f"References: {note.msg['Message-ID']}\r\n"
    )
    return raw.replace(b"To: support@acme.example\r\n", threading.encode(), 1)


def test_every_clients_files_reach_the_customer_whole(setup):
    """The other way: Dana answers from each client; each customer gets her files."""
    cfg, dovecot, user, sink = setup
    dana = "Dana Agent <dana@acme.example>"
    answers = {
        "ann@example.com": (
            c.outlook(dana, "Re: x", "Your label:", c.PNG, c.PDF),
            {"image001.png": c.PNG, "Return label.pdf": c.PDF},
        ),
        "bo@example.com": (
            c.outlook_tnef(
                dana, "Re: x", "Files", [("Rechnung.pdf", c.PDF), ("photo.jpg", c.HEIC)]
            ),
            {"Rechnung.pdf": c.PDF, "photo.jpg": c.HEIC},
        ),
        "cy@example.com": (
            c.apple_mail(dana, "Re: x", "Your receipt:", c.PDF, "Best, Dana"),
            {"receipt.pdf": c.PDF},
        ),
        "di@example.com": (
            c.gmail(dana, "Re: x", "See this", c.PNG, c.DOCX),
            {"image.png": c.PNG, "Order list.docx": c.DOCX},
        ),
        "ed@example.com": (
            c.iphone(dana, "Re: x", "The photo we took", c.HEIC),
            {"IMG_0001.HEIC": c.HEIC},
        ),
    }
    for customer in answers:
        dovecot.append(user, mail(subject=f"Help {customer}", sender=customer))
    run(cfg)
    sink.handler.wait_for(2 * len(answers))
    for customer, (raw, _) in answers.items():
        [note] = [
            r for r in to(sink, "dana@acme.example") if f"Help {customer}" in str(r.msg["Subject"])
        ]
        dovecot.append(user, _from_dana(raw, note))
    run(cfg)
    sink.handler.wait_for(3 * len(answers))
    for customer, (_, sent) in answers.items():
        [reply] = to(sink, customer)[1:]
        got = files_of(reply.msg)
        assert {n: c.sha(b) for n, b in got.items()} == {n: c.sha(b) for n, b in sent.items()}, (
            customer
        )
    # Pasted images stay pasted: the HTML the customer gets shows them.
    for customer in ("ann@example.com", "di@example.com"):
        [reply] = to(sink, customer)[1:]
        assert {c.sha(b) for b in inline_images(reply.msg).values()} == {c.sha(c.PNG)}
