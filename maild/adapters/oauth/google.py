"""Google Workspace through google-auth: a service account with domain-wide
delegation, acting as the mailbox's user."""

from __future__ import annotations

import datetime
import json
import threading
from typing import Any

from maild.adapters.oauth.common import REFRESH_MARGIN, Account, network, session_for
from maild.adapters.oauth.errors import OAuthError
from maild.config import OAuth2

SCOPES = ["https://mail.google.com/"]


class GoogleServiceAccount:
    """A service account with domain-wide delegation, acting as the mailbox's user."""

    kind = "google"

    def __init__(self, o: OAuth2, secret: str | None, account: Account) -> None:
        from google.oauth2 import service_account

        try:
            info = json.loads(secret or "")
            self.creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=o.scopes or SCOPES, subject=o.subject or account.username
            )
        except (ValueError, KeyError) as exc:
            raise OAuthError(
                f"{account.label}: the service account key is not a Google JSON key "
                f"({type(exc).__name__}): download a new one (IAM > Service accounts > Keys)"
            ) from None
        self.o, self.account = o, account
        self._lock = threading.Lock()

    def token(self, refresh: bool = False) -> str:
        from google.auth import exceptions
        from google.auth.transport.requests import Request

        with self._lock:
            if refresh or not self.creds.valid or _expires_soon(self.creds.expiry):
                session = session_for(self.o)
                try:
                    self.creds.refresh(Request(session))
                except exceptions.RefreshError as exc:
                    raise self.account.refused(
                        "Google", str(exc.args[0] if exc.args else exc)
                    ) from None
                except (exceptions.TransportError, OSError) as exc:
                    raise network(self.account, "Google's token endpoint", exc) from None
                finally:
                    session.close()
            return str(self.creds.token)


def _expires_soon(expiry: Any) -> bool:
    if expiry is None:
        return False
    left = expiry.replace(tzinfo=datetime.UTC) - datetime.datetime.now(datetime.UTC)
    return bool(left.total_seconds() < REFRESH_MARGIN)
