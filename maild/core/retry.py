"""How long to wait before the next delivery attempt."""

from __future__ import annotations


def backoff_seconds(attempts: int, base: int = 30, cap: int = 3600) -> int:
    """30 s, 60 s, 2 min, ... doubling after each failed attempt, at most an hour."""
    return int(min(cap, base * 2 ** max(0, attempts - 1)))
