"""A sentence maild writes, in English, to be said in its reader's language.

The core decides what to say long before anyone knows in which language it is
read: a receipt's reason, a note, a line of the summary. So it says it as a `Msg`,
the English sentence (the gettext msgid) and the values that go into it, and the
renderer (adapters/i18n.py) translates it through the reader's catalog when the
mail is written. `N_` and `Nn_` are the markers `pybabel extract` looks for
(babel.cfg), the way gettext's own `N_` marks a string to translate later.

A value may be a Msg itself (translated first), a Money, a date or a number: the
renderer writes each as the reader's locale writes it ("20,00 €", "7. Dezember").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Msg:
    text: str  # the English sentence with %(name)s placeholders: the msgid
    values: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None  # the English plural; `n` chooses between them
    n: int = 1

    def __str__(self) -> str:
        """The English sentence, for logs and the CLI (which speak English)."""
        return english(self)


def N_(text: str, **values: Any) -> Msg:
    """A sentence to translate when it is written: N_("credited %(amount)s", amount=m)."""
    return Msg(text, values)


def Nn_(singular: str, plural: str, count: int, **values: Any) -> Msg:
    """A sentence with a count, the count as %(n)s: Nn_("%(n)s line", "%(n)s lines", 3)."""
    return Msg(singular, {"n": count, **values}, plural, count)


def english(m: Msg) -> str:
    text = m.plural if m.plural is not None and m.n != 1 else m.text
    values = {k: english(v) if isinstance(v, Msg) else v for k, v in m.values.items()}
    return text % values if values else text


Said = str | Msg  # what a context field holds: a person's words (str) or maild's (Msg)


def joined(parts: list[Said] | tuple[Said, ...]) -> Said:
    """Sentences in a row, "a; b; c", each said in the reader's language (French puts a
    space before the semicolon): the separator is itself a sentence of the catalog."""
    if not parts:
        return ""
    said = parts[0]
    for part in parts[1:]:
        said = N_("%(first)s; %(then)s", first=said, then=part)
    return said
