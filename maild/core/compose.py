"""A reply to one of maild's own mails, written the way a mail client writes it.

`maild reply` uses it so that a newcomer can try the agent's side without a mail
client: the reply goes to the notification's Reply-To (its token), threads under
it, and quotes it below the new text, exactly what maild reads from a real one.
"""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid


def reply_to(original: bytes, sender: str, text: str, when: datetime) -> bytes:
    parsed = BytesParser(policy=policy.default).parsebytes(original)
    assert isinstance(parsed, EmailMessage)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = str(parsed["Reply-To"] or parsed["From"])
    subject = str(parsed["Subject"] or "")
    msg["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["In-Reply-To"] = str(parsed["Message-ID"])
    msg["References"] = f"{parsed['References'] or ''} {parsed['Message-ID']}".strip()
    body = parsed.get_body(("plain",))
    old = body.get_content() if body is not None else ""
    quote = "\n".join("> " + line for line in str(old).splitlines())
    msg.set_content(f"{text.rstrip()}\n\nOn {parsed['Date']}, {parsed['From']} wrote:\n{quote}\n")
    return msg.as_bytes()
