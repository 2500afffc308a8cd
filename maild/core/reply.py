"""A staff member's new text: what they wrote above (or below) the quoted history.

mail-parser-reply cuts the quoted history the way mail clients write it
(Gmail's "On ... wrote:", Outlook's "From: ... Sent: ..." block, the German,
French and Spanish forms). What it leaves, this module trims with a table of
rules read top to bottom: a signature or a phone client's footer ends the
text; quoted lines and the attribution line above them are dropped, which
also handles replies written below the quote.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

_PARSER = EmailReplyParser(languages=["en", "de", "fr", "es"])

# Lines that end the new text: everything from them on is not the reply.
ENDS_TEXT = (
    ("signature delimiter", re.compile(r"^--\s*$")),
    (
        "phone footer",
        re.compile(
            r"^(sent from my |envoyé de mon |enviado desde mi |von meinem .* gesendet"
            r"|get outlook for )",
            re.IGNORECASE,
        ),
    ),
    ("spanish attribution", re.compile(r"^el .+ escribió:\s*$", re.IGNORECASE)),
)
_QUOTE = re.compile(r"^\s*>")


def new_text(body: str) -> str:
    text = _PARSER.parse_reply(text=body.replace("\r\n", "\n")) or ""
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if any(rule.match(line.strip()) for _name, rule in ENDS_TEXT):
            break
        if _QUOTE.match(line):
            continue
        following = next((n for n in lines[index + 1 :] if n.strip()), "")
        if line.rstrip().endswith(":") and _QUOTE.match(following):
            continue  # "On Monday, Sam wrote:" above a quote
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
