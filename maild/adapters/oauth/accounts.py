"""Which token source serves which mailbox or relay, and the names people use for them."""

from __future__ import annotations

from pathlib import Path

from maild.adapters.oauth.sources import TokenSource, source_for
from maild.config import Mailbox, Settings, Smtp


def login_name(box: Mailbox, index: int) -> str:
    """What `maild oauth login NAME` takes for this mailbox: its name, else imap-N."""
    return box.name or f"imap-{index}"


def mailbox_tokens(box: Mailbox, index: int, state_dir: Path) -> TokenSource | None:
    if box.auth != "oauth2":
        return None
    return source_for(
        box, box.username, f"mailbox {box.key}", login_name(box, index), state_dir, f"imap-{index}"
    )


def relay_tokens(smtp: Smtp, state_dir: Path) -> TokenSource | None:
    if smtp.auth != "oauth2":
        return None
    return source_for(smtp, smtp.username or "", "smtp", "smtp", state_dir, "smtp")


def named(settings: Settings, name: str) -> TokenSource | None:
    """The token source a person means: a mailbox's name, key, username or imap-N,
    or "smtp"; None when nothing configured is called that."""
    state = settings.state_path()
    if name == "smtp" and settings.smtp is not None:
        return relay_tokens(settings.smtp, state)
    for index, box in enumerate(settings.mailboxes):
        if name in (box.name, box.key, box.username, f"imap-{index}"):
            return mailbox_tokens(box, index, state)
    return None


def all_names(settings: Settings) -> list[str]:
    names = [login_name(b, i) for i, b in enumerate(settings.mailboxes) if b.auth == "oauth2"]
    if settings.smtp is not None and settings.smtp.auth == "oauth2":
        names.append("smtp")
    return names
