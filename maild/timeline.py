"""A ticket's events in words, for `maild ticket N` (--json keeps the raw detail).

An event is a kind, an actor and a detail dict written by whichever service
recorded it. The commonest kinds get a sentence of their own; any other is
said generically: its kind, who, then each detail as "key: value", nested
values flattened into words. Nothing is ever printed as a Python repr.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

Detail = Mapping[str, Any]


def words(value: Any) -> str:
    """A detail value as a person reads it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{_key(k)} {words(v)}" for k, v in value.items() if _shown(v))
    if isinstance(value, list | tuple):
        return "; ".join(words(v) for v in value if _shown(v))
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M %Z}".strip()
    return str(value)


def _shown(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _key(key: str) -> str:
    return str(key).replace("_", " ")


def _command(actor: str, d: Detail) -> str:
    said = f"{actor or 'someone'}, line {d.get('line', '?')} {d.get('raw', '')}: {d.get('status')}"
    extra = f" (approved by {d['approved_by']})" if d.get("approved_by") else ""
    return said + (f": {d['reason']}" if d.get("reason") else "") + extra


def _checks(actor: str, d: Detail) -> str:
    auth = d.get("auth") or {}
    failed = [c for c in auth.get("checks", []) if not c.get("ok")]
    why = "; ".join(f"{c.get('name')}: {c.get('detail')}" for c in failed)
    return f"a mail from {actor} ran nothing: {d.get('reason') or why}"


def _survey(actor: str, d: Detail) -> str:
    due = str(d.get("due_at") or "")
    when = f" for {due[:16].replace('T', ' ')} UTC" if due else ""
    return f"the survey to the customer is queued{when} (it rates {d.get('agent') or '-'})"


SENTENCES: dict[str, Callable[[str, Detail], str]] = {
    "command": _command,
    "staff_mail_unproven": _checks,
    "survey_queued": _survey,
    "opened": lambda actor, d: f"opened by {actor}",
    "reopened": lambda actor, d: f"reopened by {actor}: {d.get('reason', '')}".rstrip(": "),
    "assigned": lambda actor, d: f"assigned to {actor}: {d.get('reason', '')}".rstrip(": "),
    "replied": lambda actor, d: f"{actor} answered the customer",
    "survey_withdrawn": lambda actor, d: "the survey was taken back: the ticket opened again",
}
QUIET = frozenset({"message_id", "name", "args", "decision"})  # in --json, not in the sentence


def sentence(kind: str, actor: str | None, detail: Detail) -> str:
    """One event, in words."""
    said = SENTENCES.get(kind)
    if said is not None:
        return said(actor or "", detail)
    head = _key(kind) + (f" by {actor}" if actor else "")
    rest = [f"{_key(k)}: {words(v)}" for k, v in detail.items() if _shown(v) and k not in QUIET]
    return head + (f"; {'; '.join(rest)}" if rest else "")
