"""A forwarded mail inside a staff member's mail: who wrote it, when, and what.

Two shapes. An inline block, as mail clients write it in the text:

  Gmail        ---------- Forwarded message ---------   (Weitergeleitete Nachricht,
               Message transféré, Mensaje reenviado), then From/Date/Subject/To
  Outlook      -----Original Message-----  (Ursprüngliche Nachricht, Message
               d'origine, Mensaje original), or a line of underscores, then
               From/Sent/To/Subject (Von/Gesendet/An/Betreff, De/Envoyé/À/Objet,
               De/Enviado/Para/Asunto)
  Apple Mail   Begin forwarded message:  (Anfang der weitergeleiteten Nachricht,
               Début du message réexpédié, Inicio del mensaje reenviado)
  Thunderbird  -------- Forwarded Message --------  (the same words as Gmail's)

or the mail itself attached (`message/rfc822`), read by the caller with
core.mail. The words above the block are the forwarder's own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parseaddr, parsedate_to_datetime

_WORDS = (
    r"forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado"
    r"|original message|urspr[üu]ngliche nachricht|message d'origine|mensaje original"
)
_MARKERS = (
    re.compile(rf"^\s*-{{2,}}\s*(?:{_WORDS})\s*-{{2,}}\s*$", re.I),
    re.compile(
        r"^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht"
        r"|d[ée]but du message r[ée]exp[ée]di[ée]|inicio del mensaje reenviado)\s*:\s*$",
        re.I,
    ),
)
_RULE = re.compile(r"^\s*_{10,}\s*$")  # Outlook's line above its header block

# Header labels in the four languages, as the clients write them.
_LABELS = {
    "from": ("from", "von", "de"),
    "date": ("date", "sent", "datum", "gesendet", "envoyé", "envoye", "fecha", "enviado"),
    "subject": ("subject", "betreff", "objet", "sujet", "asunto"),
    "to": ("to", "an", "à", "a", "pour", "para"),
    "cc": ("cc", "kopie"),
    "reply-to": ("reply-to", "antwort an", "répondre à", "responder a"),
}
_LABEL = re.compile(r"^\s*(?P<label>[^\W\d_][\w '\-]{0,20}?)\s*:\s*(?P<value>.*)$", re.UNICODE)
_ADDRESS = re.compile(r"[^\s<>\[\]():;,\"']+@[^\s<>\[\]():;,\"']+\.[^\s<>\[\]():;,\"']+")


@dataclass(frozen=True)
class Inline:
    """A forwarded mail written into the text."""

    sender: str
    sender_name: str
    subject: str
    date: datetime | None
    date_text: str  # as the client wrote it
    text: str  # the original words
    above: str  # the forwarder's own words, above the block


def find_inline(text: str) -> Inline | None:
    """The first forwarded block in the text that names its sender, or None."""
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        bare = _unquoted(line)
        if any(m.match(bare) for m in _MARKERS) or (
            _RULE.match(bare) and _next_is_from(lines, index + 1)
        ):
            found = _block(lines, index)
            if found is not None:
                return found
    return None


def _next_is_from(lines: list[str], start: int) -> bool:
    for line in lines[start : start + 3]:
        if _unquoted(line).strip():
            return _label(_unquoted(line)) == "from"
    return False


def _block(lines: list[str], marker: int) -> Inline | None:
    fields: dict[str, str] = {}
    at = marker + 1
    while at < len(lines) and not _unquoted(lines[at]).strip():
        at += 1  # Apple Mail leaves a blank line after its marker
    last = None
    while at < len(lines):
        line = _unquoted(lines[at])
        if not line.strip():
            break
        match = _LABEL.match(line)
        if match is not None:  # Outlook's Importance:, Apple's Reply-To: ... are read past
            last = _label(line) or "other"
            fields.setdefault(last, match["value"].strip())
        elif last is not None and line[:1] in " \t":  # a header's continuation
            fields[last] += " " + line.strip()
        else:
            break
        at += 1
    sender, name = _sender(fields.get("from", ""))
    if sender is None:
        return None
    body = "\n".join(_unquoted(x) for x in lines[at:]).strip()
    date_text = fields.get("date", "")
    return Inline(
        sender=sender,
        sender_name=name,
        subject=fields.get("subject", ""),
        date=read_date(date_text),
        date_text=date_text,
        text=body,
        above="\n".join(lines[:marker]).strip(),
    )


def _unquoted(line: str) -> str:
    """Some clients quote the forwarded block ("> "): read it without."""
    return re.sub(r"^(?:> ?)+", "", line)


def _label(line: str) -> str | None:
    match = _LABEL.match(line)
    if match is None:
        return None
    said = " ".join(match["label"].lower().split())
    return next((name for name, words in _LABELS.items() if said in words), None)


def _sender(value: str) -> tuple[str | None, str]:
    """`Lena Berg <lena@...>`, `Lena Berg [mailto:lena@...]`, `lena@...`."""
    value = re.sub(r"\[mailto:([^\]]+)\]", r"<\1>", value)
    name, address = parseaddr(value)
    if "@" not in address:
        found = _ADDRESS.search(value)
        if found is None:
            return None, ""
        address, name = found.group(0), value[: found.start()].strip(" <\"'")
    address = address.strip().lower()
    if not _ADDRESS.fullmatch(address):
        return None, ""
    return address, " ".join(name.strip(" \"'").split())


# dates as the clients write them ----------------------------------------------------
_MONTHS = {
    **dict.fromkeys(("jan", "january", "januar", "janvier", "ene", "enero", "jän", "janv"), 1),
    **dict.fromkeys(("feb", "february", "februar", "fev", "fevr", "fevrier", "febrero"), 2),
    **dict.fromkeys(("mar", "march", "mär", "marz", "maerz", "mars", "marzo"), 3),
    **dict.fromkeys(("apr", "april", "avr", "avril", "abr", "abril"), 4),
    **dict.fromkeys(("may", "mai", "mayo"), 5),
    **dict.fromkeys(("jun", "june", "juni", "juin", "junio"), 6),
    **dict.fromkeys(("jul", "july", "juli", "juil", "juillet", "julio"), 7),
    **dict.fromkeys(("aug", "august", "aout", "ago", "agosto"), 8),
    **dict.fromkeys(("sep", "sept", "september", "septembre", "septiembre", "set"), 9),
    **dict.fromkeys(("oct", "october", "okt", "oktober", "octobre", "octubre"), 10),
    **dict.fromkeys(("nov", "november", "novembre", "noviembre"), 11),
    **dict.fromkeys(("dec", "december", "dez", "dezember", "decembre", "dic", "diciembre"), 12),
}
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm|a\.\s?m\.|p\.\s?m\.)?", re.I)
_OFFSET = re.compile(r"(?:\b(?:gmt|utc)\s*([+-])(\d{1,2})(?::(\d{2}))?|([+-])(\d{2}):?(\d{2}))\b")
_ZONES = {"utc": 0, "gmt": 0, "cet": 1, "mez": 1, "cest": 2, "mesz": 2, "wet": 0, "bst": 1}


def read_date(text: str) -> datetime | None:
    """RFC 5322 first (Thunderbird), then the words of the four languages; a date
    without a zone is taken as UTC. None when it cannot be read."""
    if not text.strip():
        return None
    try:
        found = parsedate_to_datetime(text)
        return found if found.tzinfo else found.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        pass
    plain = _ascii(text.lower())
    time_match = _TIME.search(plain)
    rest = _TIME.sub(" ", plain) if time_match else plain
    words = re.findall(r"[a-z]+|\d+", rest)
    day_month_year = _numeric(rest) or _named(words)
    if day_month_year is None:
        return None
    day, month, year = day_month_year
    hour, minute, second = _clock(time_match)
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return naive.replace(tzinfo=_zone(rest, words))


_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DOTTED = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")  # 07.12.2026: day first
_SLASHED = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")  # 12/7/2026: month first (US)


def _numeric(text: str) -> tuple[int, int, int] | None:
    if found := _ISO.search(text):
        return int(found[3]), int(found[2]), int(found[1])
    if found := _DOTTED.search(text):
        return int(found[1]), int(found[2]), int(found[3])
    if found := _SLASHED.search(text):
        first, second = int(found[1]), int(found[2])
        day, month = (first, second) if first > 12 else (second, first)
        return day, month, int(found[3])
    return None


def _named(words: list[str]) -> tuple[int, int, int] | None:
    months = [_MONTHS[w] for w in words if w in _MONTHS]
    numbers = [int(w) for w in words if w.isdigit()]
    years = [n for n in numbers if 1970 <= n <= 2100]
    days = [n for n in numbers if 1 <= n <= 31]
    if not months or not years or not days:
        return None
    return days[0], months[0], years[0]


def _clock(match: re.Match[str] | None) -> tuple[int, int, int]:
    if match is None:
        return 0, 0, 0
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    half = (match[4] or "").replace(".", "").replace(" ", "")
    if half == "pm" and hour < 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    return min(hour, 23), min(minute, 59), min(second, 59)


def _zone(rest: str, words: list[str]) -> timezone:
    """+0100, +01:00, GMT+1, UTC-05:00, or a zone's name (CET, MEZ ...); else UTC."""
    found = _OFFSET.search(rest)
    if found is not None:
        sign_, hours, minutes = (found[1], found[2], found[3]) if found[1] else found.group(4, 5, 6)
        sign = -1 if sign_ == "-" else 1
        return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))
    named = next((_ZONES[w] for w in words if w in _ZONES), 0)
    return timezone(timedelta(hours=named))


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
