"""Caps that make a runaway auto-responder or a forged flood end by itself."""

from __future__ import annotations

from maild.core.route import Decision, Join, Open


def fold_flood(decision: Decision, opened_last_hour: int, cap: int, latest: int | None) -> Decision:
    """Past the per-sender ticket cap, a new mail joins the sender's latest ticket."""
    if isinstance(decision, Open) and latest is not None and opened_last_hour >= cap:
        why = f"rate limit: {opened_last_hour} tickets in the last hour"
        return Join(latest, why, reopen=False, answers=False)
    return decision


def ack_allowed(acks_today: int, cap: int) -> bool:
    return acks_today < cap
