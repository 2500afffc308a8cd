"""Microsoft 365 through MSAL: the app's own token (client credentials, with a secret
or a certificate), or a user's (the device-code flow once, then MSAL's refreshes)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from maild.adapters.oauth.common import Account, network, session_for
from maild.adapters.oauth.errors import OAuthError
from maild.adapters.oauth.explain import one_line, token_fix
from maild.adapters.oauth.store import TokenFile, file_name
from maild.config import OAuth2

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
# app-only: everything the app was granted on Exchange Online (IMAP and SMTP)
APP_SCOPES = ["https://outlook.office365.com/.default"]
# delegated: IMAP and SMTP for the signed-in user; MSAL adds offline_access
USER_SCOPES = [
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
]


def _msal_args(o: OAuth2) -> dict[str, Any]:
    """A custom authority host (another cloud, a test server) is not in Microsoft's
    instance list: instance discovery and authority validation are left out for it."""
    args: dict[str, Any] = {"authority": f"{o.authority_host.rstrip('/')}/{o.tenant}"}
    if o.authority_host.rstrip("/") != DEFAULT_AUTHORITY:
        args.update(validate_authority=False, instance_discovery=False)
    return args


def _discovery(account: Account, o: OAuth2, exc: ValueError) -> OAuthError:
    """MSAL could not read the tenant's OpenID configuration: in practice, a tenant
    Microsoft does not know (its AADSTS90002 is in the chained error)."""
    words = " ".join(str(e) for e in (exc, exc.__cause__, exc.__context__) if e)
    code = re.search(r"AADSTS\d+[^\"]*", words)
    said = one_line(code.group(0), 160) if code else "no OpenID configuration"
    return OAuthError(
        f"{account.label}: Microsoft does not know the tenant {o.tenant!r} ({said}): "
        f"{token_fix('AADSTS90002')}"
    )


class MicrosoftApp:
    """App-only: the app's own token (client credentials), granted IMAP.AccessAsApp /
    SMTP.SendAsApp and access to the mailbox. MSAL caches it until near its end."""

    kind = "microsoft-app"

    def __init__(self, o: OAuth2, secret: str | None, account: Account) -> None:
        self.o, self.secret, self.account = o, secret, account
        self._app: Any = None
        self._http = session_for(o)  # one for the source's life: its connections are reused
        self._lock = threading.Lock()

    def _credential(self) -> Any:
        path = self.o.certificate_file
        if not path:
            return self.secret
        if path.lower().endswith((".pfx", ".p12")):
            return {"private_key_pfx_path": path, "passphrase": self.secret}
        pem = Path(path).read_text()
        return {"private_key": pem, "public_certificate": pem, "passphrase": self.secret}

    def token(self, refresh: bool = False) -> str:
        import msal

        with self._lock:
            try:
                if self._app is None or refresh:  # a fresh app: nothing cached
                    self._app = msal.ConfidentialClientApplication(
                        self.o.client_id,
                        client_credential=self._credential(),
                        http_client=self._http,
                        **_msal_args(self.o),
                    )
                result = self._app.acquire_token_for_client(self.o.scopes or APP_SCOPES)
            except ValueError as exc:  # discovery refused: an unknown tenant, a bad host
                self._app = None
                raise _discovery(self.account, self.o, exc) from None
            except OSError as exc:  # requests' errors are OSErrors
                self._app = None
                raise network(self.account, "Microsoft's token endpoint", exc) from None
        return _msal_token(result, self.account)


def _msal_token(result: dict[str, Any] | None, account: Account) -> str:
    if result and result.get("access_token"):
        return str(result["access_token"])
    answer = (
        f"{(result or {}).get('error', 'no answer')}: {(result or {}).get('error_description', '')}"
    )
    raise account.refused("Microsoft", answer)


class MicrosoftDelegated:
    """A user's token from MSAL's cache: signed in once with the device-code flow
    (`maild oauth login`), then refreshed by MSAL; Microsoft rotates the refresh token
    at each use and the cache file is replaced atomically each time."""

    kind = "microsoft-delegated"

    def __init__(self, o: OAuth2, secret: str | None, account: Account) -> None:
        self.o, self.account = o, account
        self._http = session_for(o)  # one for the source's life: its connections are reused
        self.file = TokenFile(
            account.state_dir
            / "oauth"
            / file_name("microsoft", o.client_id or "", account.username)
        )

    @property
    def scopes(self) -> list[str]:
        return self.o.scopes or USER_SCOPES

    def app(self, cache: Any) -> Any:
        import msal

        return msal.PublicClientApplication(
            self.o.client_id, token_cache=cache, http_client=self._http, **_msal_args(self.o)
        )

    def token(self, refresh: bool = False) -> str:
        import msal

        with self.file.locked():
            data = self.file.read()
            if not data or not data.get("msal_cache"):
                raise self.account.login_needed("not signed in yet")
            cache = msal.SerializableTokenCache()
            cache.deserialize(data["msal_cache"])
            try:
                app = self.app(cache)
                accounts = app.get_accounts(username=data.get("account")) or app.get_accounts()
                if not accounts:
                    raise self.account.login_needed("the saved sign-in has no account")
                result = app.acquire_token_silent_with_error(
                    self.scopes, accounts[0], force_refresh=refresh
                )
            except ValueError as exc:
                raise _discovery(self.account, self.o, exc) from None
            except OSError as exc:  # requests' errors are OSErrors
                raise network(self.account, "Microsoft's token endpoint", exc) from None
            if cache.has_state_changed:
                self.file.write({**data, "msal_cache": cache.serialize()})
        if result is None:
            raise self.account.login_needed("the saved sign-in has no refresh token")
        if result.get("error") in ("invalid_grant", "interaction_required"):
            why = one_line(str(result.get("error_description", result["error"])), 160)
            raise self.account.login_needed(f"Microsoft refused the refresh token ({why})")
        return _msal_token(result, self.account)

    def begin_login(self) -> tuple[Any, dict[str, Any]]:
        """The device-code flow's first step: (app, flow); flow["message"] says where
        to go and what code to type."""
        import msal

        cache = msal.SerializableTokenCache()
        try:
            app = self.app(cache)
            flow = app.initiate_device_flow(scopes=self.scopes)
        except ValueError as exc:
            raise _discovery(self.account, self.o, exc) from None
        if "user_code" not in flow:
            raise self.account.refused(
                "Microsoft", f"{flow.get('error')}: {flow.get('error_description')}"
            )
        return app, flow

    def finish_login(self, app: Any, flow: dict[str, Any]) -> str:
        """Wait for the person to sign in; store the cache; the signed-in account."""
        result = app.acquire_token_by_device_flow(flow)
        _msal_token(result, self.account)
        who = str((result.get("id_token_claims") or {}).get("preferred_username") or "")
        with self.file.locked():
            self.file.write({"account": who or None, "msal_cache": app.token_cache.serialize()})
        self.file.chown_like(self.account.state_dir)
        return who or self.account.username
