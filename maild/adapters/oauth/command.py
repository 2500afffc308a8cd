"""`token_command`: a program that prints an access token (pizauth, oama)."""

from __future__ import annotations

import shlex
import subprocess

from maild.adapters.oauth.common import Account
from maild.adapters.oauth.errors import OAuthError
from maild.adapters.oauth.explain import one_line
from maild.config import OAuth2


class CommandSource:
    """`token_command`: a program that prints a fresh access token (it caches and
    refreshes on its own, as pizauth and oama do). Run for each login."""

    kind = "command"

    def __init__(self, o: OAuth2, secret: str | None, account: Account) -> None:
        self.o, self.account = o, account

    def token(self, refresh: bool = False) -> str:
        command = self.o.token_command or ""
        try:
            done = subprocess.run(
                shlex.split(command), capture_output=True, text=True, timeout=self.o.timeout
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OAuthError(f"{self.account.label}: token_command failed: {exc}") from None
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            said = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise OAuthError(
                f"{self.account.label}: token_command exited {done.returncode} "
                f"({one_line(said, 200)}): run it by hand as the service's user to see why"
            )
        return lines[0].strip()
