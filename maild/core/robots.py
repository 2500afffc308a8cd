"""Is this mail from a robot? A table of rules read top to bottom.

Each rule looks at the headers (lower-cased names) and answers with a reason
or None. The first reason wins. maild never answers a robot.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

LOOP_HEADER = "X-Maild-Loop"

Headers = Mapping[str, Sequence[str]]
Rule = Callable[[Headers, str | None, str], str | None]

_ROBOT_LOCALS = (
    "mailer-daemon",
    "postmaster",
    "noreply",
    "no-reply",
    "do-not-reply",
    "donotreply",
    "bounce",
    "bounces",
)


def _first(headers: Headers, name: str) -> str:
    values = headers.get(name.lower(), ())
    return values[0].strip() if values else ""


def _auto_submitted(h: Headers, sender: str | None, ctype: str) -> str | None:
    value = _first(h, "auto-submitted").split(";")[0].strip().lower()
    return f"Auto-Submitted: {value}" if value and value != "no" else None


def _precedence(h: Headers, sender: str | None, ctype: str) -> str | None:
    value = _first(h, "precedence").lower()
    return f"Precedence: {value}" if value in {"bulk", "junk", "list", "auto_reply"} else None


def _report(h: Headers, sender: str | None, ctype: str) -> str | None:
    return "a delivery or read report (multipart/report)" if ctype == "multipart/report" else None


def _empty_return_path(h: Headers, sender: str | None, ctype: str) -> str | None:
    values = h.get("return-path", ())
    if values and values[0].strip() in {"<>", ""}:
        return "an empty return path (a bounce)"
    return None


def _robot_sender(h: Headers, sender: str | None, ctype: str) -> str | None:
    local = (sender or "").partition("@")[0].lower()
    if local in _ROBOT_LOCALS or local.startswith(("bounce-", "bounces+", "noreply+")):
        return f"a robot sender address ({sender})"
    return None


def _bounce_without_address(h: Headers, sender: str | None, ctype: str) -> str | None:
    """A mailer daemon's bounce often has no address at all (`From: MAILER-DAEMON`,
    `From: <>`): a robot, not a mail to quarantine."""
    if sender:
        return None
    value = _first(h, "from").lower()
    if _EMPTY_ADDRESS.fullmatch(value) or any(name in value for name in _DAEMON_NAMES):
        return f"a bounce from a daemon with no address ({value})"
    return None


_EMPTY_ADDRESS = re.compile(r"(?:[^<>]*\s)?<>")
# Names a mail system signs its bounces with when it gives no address.
_DAEMON_NAMES = ("mailer-daemon", "postmaster", "mail delivery", "mail administrator")


def _our_loop(h: Headers, sender: str | None, ctype: str) -> str | None:
    return "our own mail coming back (loop header)" if h.get(LOOP_HEADER.lower()) else None


def _list(h: Headers, sender: str | None, ctype: str) -> str | None:
    return "a mailing list (List-Id)" if _first(h, "list-id") else None


def _autoreply_headers(h: Headers, sender: str | None, ctype: str) -> str | None:
    for name in ("x-autoreply", "x-autorespond", "x-auto-response-suppress"):
        value = _first(h, name).lower()
        if value and (name != "x-auto-response-suppress" or value in {"all", "oof"}):
            return f"an auto-reply ({name})"
    return None


RULES: tuple[tuple[str, Rule], ...] = (
    ("loop", _our_loop),
    ("auto-submitted", _auto_submitted),
    ("report", _report),
    ("empty-return-path", _empty_return_path),
    ("robot-sender", _robot_sender),
    ("bounce-without-address", _bounce_without_address),
    ("precedence", _precedence),
    ("list", _list),
    ("auto-reply-headers", _autoreply_headers),
)


def robot_reason(headers: Headers, sender: str | None, content_type: str) -> str | None:
    for _name, rule in RULES:
        reason = rule(headers, sender, content_type)
        if reason:
            return reason
    return None
