"""Is this mail spam, by the verdict the MTA's filter wrote into its headers?

Only headers the operator trusts are read (`[intake] trusted_spam_headers`):
anyone can write `X-Spam-Flag: NO` into a mail, so the names count only when
the operator's own MTA writes them (and strips what came from outside). Of
each header only the topmost is read: the filter adds its line above the ones
the sender wrote. A rule answers with the reason, or None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

Headers = Mapping[str, Sequence[str]]

_SCORE = re.compile(r"\bscore=(-?\d+(?:\.\d+)?)", re.I)
_RSPAMD = re.compile(r"^\s*\w+\s*:\s*(true|false)\s*\[\s*(-?\d+(?:\.\d+)?)\s*/", re.I)
_SCL = re.compile(r"(?:^|;)\s*SCL\s*:\s*(-?\d+)", re.I)


@dataclass(frozen=True)
class Policy:
    trusted: frozenset[str] = frozenset()  # lower-case header names
    score: float | None = None  # a filter's score at or over this is spam, whatever it said
    scl: int = 5  # Microsoft's spam confidence level at or over this is spam


def _flag(value: str, policy: Policy) -> bool:
    return value.strip().lower().startswith("yes")


def _status(value: str, policy: Policy) -> bool:
    """SpamAssassin: `Yes, score=12.3 required=5.0 tests=...`."""
    if value.strip().lower().startswith("yes"):
        return True
    found = _SCORE.search(value)
    return policy.score is not None and found is not None and float(found[1]) >= policy.score


def _spamd_result(value: str, policy: Policy) -> bool:
    """rspamd: `default: True [12.30 / 15.00]; SYMBOL(1.0)...`."""
    found = _RSPAMD.match(value)
    if found is None:
        return False
    return found[1].lower() == "true" or (
        policy.score is not None and float(found[2]) >= policy.score
    )


def _scl(value: str, policy: Policy) -> bool:
    """Microsoft: `CIP:...;SCL:5;SRV:;...` (or the SCL header's bare number)."""
    found = _SCL.search(value) or re.fullmatch(r"\s*(-?\d+)\s*", value)
    return found is not None and int(found[1]) >= policy.scl


RULES: Mapping[str, Callable[[str, Policy], bool]] = {
    "x-spam-flag": _flag,  # SpamAssassin
    "x-spam-status": _status,  # SpamAssassin
    "x-spam": _flag,  # rspamd (milter_headers: x-spam)
    "x-spamd-result": _spamd_result,  # rspamd
    "x-forefront-antispam-report": _scl,  # Microsoft 365 / Exchange Online
    "x-ms-exchange-organization-scl": _scl,  # Exchange
}
KNOWN = frozenset(RULES)


def verdict(headers: Headers, policy: Policy) -> str | None:
    """Why the MTA's filter says this is spam, or None."""
    for name in sorted(policy.trusted & KNOWN):
        values = headers.get(name)
        if values and RULES[name](values[0], policy):
            return f"spam by the MTA's filter ({name}: {values[0][:120]})"
    return None
