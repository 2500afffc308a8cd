"""Notices -> exact RFC 5322 bytes, from Jinja2 templates.

Headers are built with the `email` package from values passed through
one_line(), so a CR or LF in a customer's subject or name can never start a
header of its own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from maild.adapters import attach, i18n
from maild.core.files import FileRef
from maild.core.notices import Notice
from maild.core.policy import CENT, Money
from maild.core.robots import LOOP_HEADER
from maild.core.text import duration_words, one_line


class _Wire(Compat32):
    """compat32 on the wire (CRLF), with a fast path for short plain-ASCII values:
    they need neither encoding nor folding, and Header.encode() is the slowest
    step of rendering. Everything else goes through the email package's folding."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + len(value) + 2 <= 78
            and "\r" not in value
            and "\n" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        return str(super()._fold(name, value, sanitize))  # type: ignore[misc]  # compat32's own


_WIRE = _Wire(linesep="\r\n", max_line_length=78)
_MSGID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")


def default_templates_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "templates"


def _header(value: str) -> str | Header:
    """A header value that cannot start another header: CR/LF are refused outright."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"header value with a line break: {value!r}")
    return value if value.isascii() else Header(value, "utf-8")


def _address(name: str, addr: str) -> str:
    # A person known only by address (a manager in [[teams]]) is that address alone,
    # never "maria@acme.example" <maria@acme.example>.
    shown = "" if one_line(name).lower() == addr.lower() else one_line(name)
    return str(_header(formataddr((shown, addr), charset="utf-8")))


def _part(text: str, subtype: str) -> MIMEText:
    charset = Charset("utf-8")
    charset.body_encoding = QP
    return MIMEText(text, subtype, charset)  # type: ignore[arg-type]


# The filters of every language (environment() adds those that write in the reader's).
FILTERS: dict[str, Any] = {"duration": lambda days: str(duration_words(days))}


def _money(speech: i18n.Speech) -> Callable[..., str]:
    """|money: a Money, or an amount and its currency ({{ 12.5 | money("EUR") }})."""

    def money(value: Money | float | Decimal | None, currency: str | None = None) -> str:
        if value is None or isinstance(value, Money):
            return speech.money(value)
        if currency is None:
            raise TypeError("|money: an amount without a currency")
        return speech.money(Money(Decimal(str(value)).quantize(CENT), currency))

    return money


def environment(loader: FileSystemLoader, speech: i18n.Speech) -> Environment:
    """The templates as one language writes them: {% trans %} and _() through its
    catalog, and filters that write money, dates and numbers as its locale does."""
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # templates change with a restart or SIGHUP, not per mail
        extensions=["jinja2.ext.i18n"],
    )
    # A {% trans %} block is one sentence in the catalog however the template wraps it.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(speech.translations, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    env.filters.update(FILTERS)
    env.filters.update(
        money=_money(speech),
        number=speech.number,
        datetime=speech.moment,
        date=speech.day,
        percent=speech.percent,
    )
    # 0.4 days -> "9 hours", never "0.4 days"; in the reader's language
    env.filters["duration"] = lambda days: speech.say(duration_words(days))
    env.globals.update(lang=speech.lang, dir=speech.direction)
    return env


class Renderer:
    def __init__(
        self,
        templates_dir: Path,
        support: str,
        support_name: str,
        *,
        timezone: str = "UTC",
        locale_dir: Path = i18n.LOCALE_DIR,
    ) -> None:
        self.loader = FileSystemLoader(str(templates_dir))
        self.support = support
        self.support_name = support_name
        self.tz = ZoneInfo(timezone)
        self.locale_dir = locale_dir
        self.envs: dict[str, tuple[i18n.Speech, Environment]] = {}
        self.env = self._language(i18n.SOURCE)[1]  # macros, and the English previews

    def _language(self, lang: str) -> tuple[i18n.Speech, Environment]:
        if lang not in self.envs:
            speech = i18n.speech(lang, self.tz, self.locale_dir)
            self.envs[lang] = (speech, environment(self.loader, speech))
        return self.envs[lang]

    def _render(self, notice: Notice, part: str) -> str:
        speech, env = self._language(notice.language)
        context = speech.localize(notice.context)
        return env.get_template(f"{notice.template}.{part}.j2").render(**context)

    def languages(self) -> list[str]:
        """Those maild writes: English and each compiled catalog."""
        return i18n.shipped(self.locale_dir)

    def macro_names(self) -> list[str]:
        """The canned replies: templates/macros/NAME.txt.j2."""
        prefix, suffix = "macros/", ".txt.j2"
        return sorted(
            n[len(prefix) : -len(suffix)]
            for n in self.env.list_templates()
            if n.startswith(prefix) and n.endswith(suffix)
        )

    def macro(self, name: str, values: Mapping[str, object]) -> str:
        """One canned reply, filled in (customer_name, ticket_id, agent_name)."""
        return self.env.get_template(f"macros/{name}.txt.j2").render(**values).strip()

    def part(self, notice: Notice, part: str) -> str:
        """One part of a notice: "subject", "txt" or "html" (for previews)."""
        return self._render(notice, part)

    def render(self, notice: Notice, now: datetime) -> bytes:
        """The mail's exact bytes (a notice with files: see render_with_files)."""
        return self.render_with_files(notice, now)[0]

    def render_with_files(
        self, notice: Notice, now: datetime
    ) -> tuple[bytes, list[dict[str, Any]]]:
        """The bytes, each file's body left out, and where those bodies go
        (adapters.attach): the outbox streams them in at send time."""
        # The email package's MIME classes: an order of magnitude faster than
        # EmailMessage's header registry, and every value passes _header().
        boundary = "=_" + hashlib.sha256(notice.message_id.encode()).hexdigest()[:32]
        msg = MIMEMultipart("alternative", boundary=boundary)
        msg.attach(_part(self._render(notice, "txt"), "plain"))
        msg.attach(_part(self._render(notice, "html"), "html"))
        markers: dict[str, FileRef] = {}
        if notice.files:
            msg, markers = attach.wrap(msg, notice.files, notice.message_id)
        self._headers(msg, notice, now)
        raw = msg.as_bytes(policy=_WIRE)
        return attach.placed(raw, markers) if markers else (raw, [])

    def _headers(self, msg: MIMEMultipart, notice: Notice, now: datetime) -> None:
        msg["From"] = _address(notice.from_name or self.support_name, self.support)
        msg["To"] = _address(notice.to_name, notice.to_addr)
        if notice.cc:
            msg["Cc"] = ", ".join(_address("", a) for a in notice.cc)
        msg["Reply-To"] = _address(self.support_name, notice.reply_to)
        msg["Subject"] = _header(one_line(self._render(notice, "subject"), 300))  # type: ignore[assignment]  # a Header folds non-ASCII
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = _header(notice.message_id)  # type: ignore[assignment]  # a Header folds non-ASCII
        if notice.in_reply_to and _MSGID.match(notice.in_reply_to):
            msg["In-Reply-To"] = notice.in_reply_to
        refs = [r for r in notice.references if _MSGID.match(r)]
        if refs:
            msg["References"] = " ".join(refs)
        msg["Auto-Submitted"] = notice.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"
        msg[LOOP_HEADER] = self.support
        if notice.ticket_id:
            msg["X-Maild-Ticket"] = str(notice.ticket_id)
