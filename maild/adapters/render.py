"""Notices -> exact RFC 5322 bytes, from Jinja2 templates.

Headers are built with the `email` package from values passed through
one_line(), so a CR or LF in a customer's subject or name can never start a
header of its own.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from maild.core.notices import Notice
from maild.core.robots import LOOP_HEADER
from maild.core.text import one_line

_MSGID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")


def default_templates_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "templates"


class Renderer:
    def __init__(self, templates_dir: Path, support: str, support_name: str) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self.support = support
        self.support_name = support_name

    def _render(self, notice: Notice, part: str) -> str:
        return self.env.get_template(f"{notice.template}.{part}.j2").render(**notice.context)

    def render(self, notice: Notice, now: datetime) -> bytes:
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"] = Address(one_line(self.support_name), addr_spec=self.support)
        msg["To"] = Address(one_line(notice.to_name), addr_spec=notice.to_addr)
        msg["Reply-To"] = Address(one_line(self.support_name), addr_spec=notice.reply_to)
        msg["Subject"] = one_line(self._render(notice, "subject"), 300)
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = notice.message_id
        if notice.in_reply_to and _MSGID.match(notice.in_reply_to):
            msg["In-Reply-To"] = notice.in_reply_to
        refs = [r for r in notice.references if _MSGID.match(r)]
        if refs:
            msg["References"] = " ".join(refs)
        msg["Auto-Submitted"] = notice.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"
        msg[LOOP_HEADER] = self.support
        msg["X-Maild-Ticket"] = str(notice.ticket_id)
        msg.set_content(self._render(notice, "txt"))
        msg.add_alternative(self._render(notice, "html"), subtype="html")
        # A boundary derived from the Message-ID: the same notice is the same bytes.
        msg.set_boundary("=_" + hashlib.sha256(notice.message_id.encode()).hexdigest()[:32])
        return msg.as_bytes()
