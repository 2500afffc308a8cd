"""Where an access token comes from: one class per kind of source, same interface.

- Microsoft app-only (client credentials with a secret or a certificate): MSAL;
- Microsoft delegated (a refresh token got by `maild oauth login`): MSAL's token
  cache, kept in the state folder (store.TokenFile);
- Google Workspace (a service account acting as the mailbox): google-auth;
- any OAuth2 provider with a token endpoint: a refresh token, same file;
- a command that prints a token (pizauth, oama).

`token()` gives a token with at least REFRESH_MARGIN seconds left, from the cache
when it has one; `token(refresh=True)` gets a new one (a server refused the
cached one). Errors are OAuthError (one line, with the fix) or LoginNeeded.
Sources are made once per account and kept (`source_for`), so reconnects reuse
a token while it is good and the IMAP and SMTP threads share one refresh.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from maild.adapters.oauth.command import CommandSource
from maild.adapters.oauth.common import Account, TokenSource
from maild.adapters.oauth.errors import OAuthError
from maild.adapters.oauth.google import GoogleServiceAccount
from maild.adapters.oauth.microsoft import MicrosoftApp, MicrosoftDelegated
from maild.adapters.oauth.refresh import RefreshTokenSource
from maild.config import Authenticated, OAuth2

__all__ = ["Account", "TokenSource", "source_for"]

KINDS: dict[str, type[Any]] = {
    "microsoft-app": MicrosoftApp,
    "microsoft-delegated": MicrosoftDelegated,
    "google": GoogleServiceAccount,
    "oauth2": RefreshTokenSource,
    "command": CommandSource,
}
_SOURCES: dict[tuple[Any, ...], TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def kind_of(o: OAuth2, secret: str | None) -> str:
    if o.provider == "microsoft":
        return "microsoft-app" if o.app_only(secret) else "microsoft-delegated"
    return o.provider


def source_for(
    owner: Authenticated,
    username: str,
    label: str,
    login_name: str,
    state_dir: Path,
    credential: str,
) -> TokenSource:
    """The account's token source, made once per process for the same settings (so a
    reconnect reuses its token and a mailbox and the relay on one account share it)."""
    o = owner.oauth2
    if o is None:
        raise OAuthError(f'{label}: auth = "oauth2" needs an oauth2 table')
    try:
        secret = owner.oauth_secret(credential)
    except OSError as exc:
        raise OAuthError(f"{label}: cannot read the service account key: {exc}") from None
    kind = kind_of(o, secret)
    key = (kind, o.model_dump_json(), secret, username, str(state_dir), label, login_name)
    with _SOURCES_LOCK:
        if key not in _SOURCES:
            account = Account(username, label, login_name, state_dir)
            _SOURCES[key] = KINDS[kind](o, secret, account)
        return _SOURCES[key]
