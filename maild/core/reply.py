# ruff: noqa: RUF001  # the tables hold words in Cyrillic, Turkish and CJK on purpose
"""A person's new words: what they wrote, without the earlier mail they quoted.

One reading for everybody: an agent's answer (its command block and the words
that go to the customer) and a customer's reply (the text the ticket keeps).
Every line is one of three things, read top to bottom:
- the quote: a line marked `>`, the attribution line above such a block
  ("On Mon, ... Sam wrote:"), and everything from an unmarked copy of an
  earlier mail on (Outlook's "From: ... Sent: ..." block, "-----Original
  Message-----"); a phone client's footer or the signature delimiter ends
  the words too;
- the words: every other line, above, between and below the quoted blocks,
  so a bottom-posted or interleaved answer reaches the customer whole;
- unsure: a line that may belong to the quote but may be the person's own
  (an unmarked line squeezed between quoted lines, as a re-wrapped quote
  leaves it; a line ending in ":" above a quote that names nobody). It is
  KEPT, and counted, so the person is told.

Policy is data: the tables below. HTML quotes reach this module as `>` lines
(core.text marks them while converting).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from maild.core.model import InboundMail
from maild.core.words import N_, Msg, Nn_, Said

# A phone or app client's own footer: the whole line, nothing more. A sentence
# that merely starts alike ("Sent from my desk, which is easier") is the person's.
PHONE_FOOTERS = re.compile(
    r"^(?:"
    r"sent from my (?:iphone|ipad|ipod|apple watch|android(?: (?:phone|device|tablet))?"
    r"|blackberry(?:[\w ®.-]{0,40})?"
    r"|samsung(?: galaxy)?(?:[\w .-]{0,30})? (?:smartphone|device|tablet)"
    r"|galaxy(?:[\w .-]{0,30})?|huawei(?: phone| mobile)?|windows phone|mobile device|smartphone"
    r"|verizon,? samsung galaxy(?:[\w .-]{0,30})?|t-mobile(?:[\w .-]{0,30})?)"
    r"|sent from (?:mail|outlook) for (?:windows(?: 10| 11)?|ios|android|iphone)"
    r"|sent from (?:yahoo mail|aol mobile mail|gmail mobile|proton ?mail)(?: (?:on|for) \w+)?"
    r"|sent via the samsung galaxy[^\n]{0,60}"
    r"|sent from the all new aol app for (?:ios|android)"
    r"|get outlook for (?:ios|android|iphone)"
    r"|von meinem (?:iphone|ipad|android|samsung[\w .-]{0,30}|smartphone|mobiltelefon"
    r"|handy|mobilger[aä]t)(?: gesendet)?"
    r"|gesendet von meinem (?:iphone|ipad|android|smartphone|samsung[\w .-]{0,30}|handy)"
    r"|gesendet mit der (?:web\.de|gmx) mail app|von outlook f[üu]r (?:ios|android) gesendet"
    r"|envoy[ée] de mon (?:iphone|ipad|android|smartphone|samsung[\w .-]{0,30}|mobile)"
    r"|enviado desde mi (?:iphone|ipad|android|smartphone|samsung[\w .-]{0,30}|m[oó]vil|celular)"
    r"|inviato da (?:iphone|ipad|android|smartphone)|verzonden (?:vanaf|met) mijn (?:iphone|ipad)"
    r"|enviado do meu (?:iphone|ipad|android|smartphone)|skickat fr[aå]n min (?:iphone|ipad)"
    r"|sendt fra min (?:iphone|ipad)|odesl[aá]no z (?:iphonu|iphone|m[eé]ho iphonu)"
    r"|отправлено с (?:iphone|моего iphone|мобильного устройства)"
    r")\.?$",
    re.IGNORECASE,
)
# The signature delimiter ("-- "): what follows is the signature.
SIGNATURE = re.compile(r"^--\s*$")

# Separator lines above an unmarked copy of an earlier mail.
ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine"
    r"|mensaje original|mensagem original|messaggio originale|oorspronkelijk bericht"
    r"|původní zpráva|исходное сообщение|alkuperäinen viesti|oprindelig meddelelse"
    r"|opprinnelig melding|ursprungligt meddelande|wiadomość oryginalna)\s*-{2,}\s*$",
    re.IGNORECASE,
)
RULE_LINE = re.compile(r"^\s*(?:_{10,}|-{10,})\s*$")  # Outlook's line above its header block
# Outlook's header block, in the languages mail clients write it in.
_FROM_KEYS = (
    r"from|von|de|da|van|od|fra|från|от|lähettäjä|nadawca|feladó|kimden|發件人|发件人|差出人"
)
_OTHER_KEYS = (
    r"sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|date|à|objet|enviado|fecha"
    r"|para|asunto|inviato|data|a|oggetto|verzonden|aan|onderwerp|odesláno|komu|předmět"
    r"|sendt|til|emne|skickat|till|ämne|отправлено|дата|кому|тема|lähetetty|vastaanottaja"
    r"|aihe|wysłano|do|temat|dátum|címzett|tárgy|gönderildi|kime|konu|發送時間|发送时间"
    r"|收件人|主題|主题|送信日時|宛先|件名"
)
HEADER_FROM = re.compile(rf"^\s*\**\s*(?:{_FROM_KEYS})\s*\**\s*[:：]", re.IGNORECASE)
HEADER_OTHER = re.compile(rf"^\s*\**\s*(?:{_OTHER_KEYS})\s*\**\s*[:：]", re.IGNORECASE)
# An attribution line above a quote ("On ... wrote:", "Am ... schrieb ...:").
_VERBS = (
    r"wrote|writes|schrieb|a écrit|escribió|escreveu|ha scritto|scrisse|schreef|geschreven"
    r"|napsal\(a\)|napsal|napisał\(a\)|napisał|skrev|kirjoitti|írta|yazdı|написал\(а\)"
    r"|написала?|пишет|写道|寫道|より"
)
ATTRIBUTION = re.compile(rf"(?:{_VERBS})\s*:?\s*-*\s*$", re.IGNORECASE)
# The verb inside the line ("Op 13-02-2014 schreef Julius <j@x>:"): an attribution
# only when the line also names an address or a time.
ATTRIBUTION_INSIDE = re.compile(rf"(?:{_VERBS})\b.*:\s*$", re.IGNORECASE)
# Android's own "---- Sam wrote ----".
ATTRIBUTION_DASHED = re.compile(rf"^-{{2,}}\s*\S.*\s(?:{_VERBS})\s*-{{2,}}\s*$", re.IGNORECASE)
# Gmail's old attribution: "2011/4/7 Sam <sam@example.com>", no verb, no colon.
ATTRIBUTION_DATED = re.compile(r"^\d{4}/\d{1,2}/\d{1,2}\s.*<[^<>@\s]+@[^<>\s]+>\s*$")
# How an attribution opens, in the languages above (or with its date).
ATTRIBUTION_OPENS = re.compile(
    r"^(?:-{2,}\s*)?"
    r"(?:on|am|le|el|em|il|in data|op|dne|den|d\. |på|w dniu|в|\d+|\w{2,3}\.?,? \d)\b",
    re.IGNORECASE,
)
# A line naming a sender or a time: an attribution in a form not listed above
# (Yandex's '26.06.2014, 14:41, "Alexander L" <a@b>:', mail.ru's "... от Sam <a@b>:").
_NAMES_SOMEONE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|\b\d{1,2}:\d{2}\b")
# An attribution is a short line: a longer one is the person's words (and the
# patterns above are never run on more, so a 100,000-character line costs no more
# than reading it).
ATTRIBUTION_MAX_CHARS = 400
# How many lines an attribution or header block may be wrapped over.
ATTRIBUTION_LINES = 3
HEADER_WINDOW = 6

_QUOTED = re.compile(r"^\s*>")


@dataclass(frozen=True)
class Reading:
    text: str  # the person's new words
    quoted: int  # lines of earlier mail left out (0: nothing of it was there)
    signature: int  # lines of signature or phone footer left out
    unsure: int  # lines kept that might have been quote


# How a customer's reply on a ticket says that the earlier mail it quoted was
# left out (the note on the message; history mails show COLLAPSED in its place).
QUOTE_NOTE = "earlier mail quoted, not repeated"
COLLAPSED = f"[{QUOTE_NOTE}]"


def new_text(body: str) -> str:
    return read(body).text


def quote_note(reading: Reading) -> Msg | None:
    """The note a ticket's message carries when its quote was left out."""
    if not reading.quoted:
        return None
    quoted = Nn_("%(n)s line", "%(n)s lines", reading.quoted)
    if reading.unsure:
        unsure = Nn_("%(n)s line", "%(n)s lines", reading.unsure)
        return N_(
            "earlier mail quoted, not repeated (%(quoted)s; kept %(unsure)s I could not tell "
            "from the quote); the whole mail is kept",
            quoted=quoted,
            unsure=unsure,
        )
    return N_(
        "earlier mail quoted, not repeated (%(quoted)s); the whole mail is kept", quoted=quoted
    )


def quote_left_out(notes: Sequence[Said]) -> bool:
    return any(str(n).startswith(QUOTE_NOTE) for n in notes)


def collapsed(text: str, notes: Sequence[Said]) -> Said:
    """A message's words as a history mail shows them: the quote it left out, one line."""
    if quote_left_out(notes):
        if not text:
            return N_("[earlier mail quoted, not repeated]")
        return N_("%(words)s\n\n[earlier mail quoted, not repeated]", words=text)
    return text


def read(body: str) -> Reading:
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = _header_on_top(lines)
    end, tail = _words_end(lines, start)
    kept: list[str] = []
    skip: set[int] = set(range(start))
    unsure = quoted = 0
    for index in range(end):
        if index in skip or _QUOTED.match(lines[index]):
            quoted += bool(lines[index].strip()) and index >= start
            continue
        attribution = _attribution(lines, index, end)
        if attribution:
            skip.update(attribution)
            quoted += 1
            continue
        if _squeezed(lines, index, end) or _loose_label(lines, index, end):
            unsure += 1
        kept.append(lines[index])
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in kept)).strip()
    rest = sum(1 for line in lines[end:] if line.strip())
    if tail == "quote":
        return Reading(text, quoted + rest, 0, unsure)
    return Reading(text, quoted, rest, unsure)


def _header_on_top(lines: list[str]) -> int:
    """A header block above any words is the head of a mail passed on (an Outlook
    forward's own), not a quote under them: the words start below it."""
    first = _next_content(lines, 0, len(lines))
    if first is None or not HEADER_FROM.match(lines[first]) or not _header_block(lines, first):
        return 0
    index = first
    while index < len(lines) and lines[index].strip():
        index += 1
    return index


def _words_end(lines: list[str], start: int) -> tuple[int, str]:
    """Where the person's words end, and what follows: their signature (the
    delimiter, a phone footer) or an unmarked copy of an earlier mail."""
    for index in range(start, len(lines)):
        line = lines[index]
        if _QUOTED.match(line):
            continue
        if SIGNATURE.match(line) or PHONE_FOOTERS.match(line.strip()):
            return index, "signature"
        if ORIGINAL_MESSAGE.match(line) or _header_block(lines, index):
            return _with_rule_above(lines, index), "quote"
        if _cuts_here(lines, index):
            return index, "quote"
    return len(lines), "signature"


def _header_block(lines: list[str], index: int) -> bool:
    """A From line with at least two more header lines (Sent, To, Subject...) right
    around it: an earlier mail copied in without quote marks."""
    if not HEADER_FROM.match(lines[index]):
        start = index
        if not HEADER_OTHER.match(lines[index]):
            return False
        window = lines[start : start + HEADER_WINDOW]  # Hotmail: Date, Subject, From, To
        return any(HEADER_FROM.match(x) for x in window) and _headers_in(window) >= 3
    return _headers_in(lines[index + 1 : index + 1 + HEADER_WINDOW]) >= 2


def _headers_in(window: list[str]) -> int:
    return sum(1 for x in window if HEADER_OTHER.match(x) or HEADER_FROM.match(x))


def _with_rule_above(lines: list[str], index: int) -> int:
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    return above if above >= 0 and RULE_LINE.match(lines[above]) else index


def _cuts_here(lines: list[str], index: int) -> bool:
    """An attribution sure enough to end the words when no quote marks follow:
    it opens as one (it may be wrapped over three lines), names a verb of writing
    and a time or an address; or it is Android's dashed one."""
    if ATTRIBUTION_DASHED.match(lines[index].strip()):
        return _unmarked_below(lines, index)
    if not ATTRIBUTION_OPENS.match(lines[index].strip()):
        return False
    for last in range(index, min(index + ATTRIBUTION_LINES, len(lines))):
        if not lines[last].strip() or _QUOTED.match(lines[last]):
            return False
        joined = " ".join(line.strip() for line in lines[index : last + 1])
        if len(joined) > ATTRIBUTION_MAX_CHARS:
            return False
        if _is_attribution(joined) and _NAMES_SOMEONE.search(joined):
            return _unmarked_below(lines, last)  # "On Monday the courier wrote:" is no cut
    return False


def _is_attribution(line: str) -> bool:
    if ATTRIBUTION_DASHED.match(line) or ATTRIBUTION_DATED.match(line):
        return True
    named = _NAMES_SOMEONE.search(line) is not None
    return bool(
        (ATTRIBUTION.search(line) and (named or ATTRIBUTION_OPENS.match(line)))
        or (named and (ATTRIBUTION_INSIDE.search(line) or line.endswith(":")))
    )


def _unmarked_below(lines: list[str], index: int) -> bool:
    """An attribution followed by unmarked text: the quote lost its marks (as an
    HTML quote converted by some clients does); what follows is the earlier mail."""
    following = _next_content(lines, index + 1, len(lines))
    return following is not None and not _QUOTED.match(lines[following])


def _attribution(lines: list[str], index: int, end: int) -> range | None:
    """The lines of an attribution starting at `index` (it may be wrapped), when a
    quote follows it."""
    for size in range(1, ATTRIBUTION_LINES + 1):
        last = index + size - 1
        if last >= end or not lines[last].strip() or _QUOTED.match(lines[last]):
            return None
        following = _next_content(lines, last + 1, end)
        if following is None or not _QUOTED.match(lines[following]):
            continue
        if size > 1 and not ATTRIBUTION_OPENS.match(lines[index].strip()):
            return None  # the person's own line above a one-line attribution
        joined = " ".join(line.strip() for line in lines[index : last + 1])
        if len(joined) > ATTRIBUTION_MAX_CHARS:
            return None
        if ATTRIBUTION.search(joined) or _is_attribution(joined):
            return range(index, last + 1)
        return None
    return None


def _next_content(lines: list[str], start: int, end: int) -> int | None:
    for index in range(start, end):
        if lines[index].strip():
            return index
    return None


def _squeezed(lines: list[str], index: int, end: int) -> bool:
    """An unmarked line with a quoted line right above and right below: a long
    quoted line re-wrapped by a mail client, or a one-line answer. Kept."""
    above = lines[index - 1] if index > 0 else ""
    below = lines[index + 1] if index + 1 < end else ""
    return bool(lines[index].strip() and _QUOTED.match(above) and _QUOTED.match(below))


def _loose_label(lines: list[str], index: int, end: int) -> bool:
    """A line ending in ':' right above a quote that names nobody: maybe an
    attribution in an unknown form, maybe the person introducing the quote. Kept."""
    if not lines[index].rstrip().endswith(":"):
        return False
    following = _next_content(lines, index + 1, end)
    return following is not None and bool(_QUOTED.match(lines[following]))


def customer_words(m: InboundMail) -> InboundMail:
    """A customer's reply as the ticket keeps it: their new words (read as an
    agent's are; a line that may be theirs is kept), with a note when the earlier
    mail it quoted was left out. The raw mail keeps everything."""
    reading = read(m.text)
    note = quote_note(reading)
    if note is None:
        return m
    return replace(m, text=reading.text, notes=(*m.notes, note))
