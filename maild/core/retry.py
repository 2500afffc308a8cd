"""How long to wait before the next attempt: a delivery, a reconnect, a database."""

from __future__ import annotations


def backoff_seconds(attempts: int, base: float = 30, cap: float = 3600) -> float:
    """base, then doubling after each failed attempt, at most cap (by default 30 s,
    60 s, 2 min, ... at most an hour: the outbox's retries)."""
    return float(min(cap, base * 2 ** max(0, min(attempts, 64) - 1)))
