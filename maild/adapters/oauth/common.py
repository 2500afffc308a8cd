"""What every token source shares: whose token it is, how messages name it, HTTP."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from maild.adapters.oauth.errors import LoginNeeded, OAuthError
from maild.adapters.oauth.explain import one_line, token_fix
from maild.config import OAuth2

if TYPE_CHECKING:
    import requests

REFRESH_MARGIN = 300  # seconds: a token with less left is renewed before use


class TokenSource(Protocol):
    kind: str  # explain.LOGIN_RULES key: what to check when a server refuses the token
    account: Account

    def token(self, refresh: bool = False) -> str: ...


@dataclass(frozen=True)
class Account:
    """Whose token, and how messages name it."""

    username: str
    label: str  # "mailbox support", "smtp"
    login_name: str  # what `maild oauth login NAME` takes
    state_dir: Path

    def login_needed(self, why: str) -> LoginNeeded:
        return LoginNeeded(
            f"{self.label}: {why}: run `maild oauth login {self.login_name}` "
            "as the service's user to sign in"
        )

    def refused(self, who: str, answer: str) -> OAuthError:
        return OAuthError(
            f"{self.label}: {who} gave no token ({one_line(answer)}): {token_fix(answer)}"
        )


def verify(o: OAuth2) -> str | bool:
    return o.ca_file or True


def session_for(o: OAuth2) -> requests.Session:
    """HTTP for MSAL and google-auth: the timeout on every request, and `ca_file` on
    every request too (a session's own `verify` loses to $REQUESTS_CA_BUNDLE)."""
    import requests  # here: the CLI starts faster without it

    session = requests.Session()
    extra: dict[str, Any] = {"timeout": o.timeout}
    if o.ca_file:
        extra["verify"] = o.ca_file
    session.request = functools.partial(session.request, **extra)  # type: ignore[method-assign]
    return session


def network(account: Account, who: str, exc: Exception) -> OAuthError:
    return OAuthError(f"{account.label}: cannot reach {who}: {one_line(str(exc), 200)}")
