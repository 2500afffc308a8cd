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

import functools
import json
import re
import shlex
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests

from maild.adapters.oauth.errors import LoginNeeded, OAuthError
from maild.adapters.oauth.explain import one_line, token_fix
from maild.adapters.oauth.store import TokenFile, file_name
from maild.config import Authenticated, OAuth2

REFRESH_MARGIN = 300  # seconds: a token with less left is renewed before use
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
SCOPES: dict[str, list[str]] = {
    # app-only: everything the app was granted on Exchange Online (IMAP and SMTP)
    "microsoft-app": ["https://outlook.office365.com/.default"],
    # delegated: IMAP and SMTP for the signed-in user; MSAL adds offline_access
    "microsoft-delegated": [
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "https://outlook.office.com/SMTP.Send",
    ],
    "google": ["https://mail.google.com/"],
    "oauth2": [],
    "command": [],
}
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


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


def _verify(o: OAuth2) -> str | bool:
    return o.ca_file or True


def _session(o: OAuth2) -> requests.Session:
    """HTTP for MSAL and google-auth: the timeout on every request, and `ca_file` on
    every request too (a session's own `verify` loses to $REQUESTS_CA_BUNDLE)."""
    session = requests.Session()
    extra: dict[str, Any] = {"timeout": o.timeout}
    if o.ca_file:
        extra["verify"] = o.ca_file
    session.request = functools.partial(session.request, **extra)  # type: ignore[method-assign]
    return session


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


def _network(account: Account, who: str, exc: Exception) -> OAuthError:
    return OAuthError(f"{account.label}: cannot reach {who}: {one_line(str(exc), 200)}")


class MicrosoftApp:
    """App-only: the app's own token (client credentials), granted IMAP.AccessAsApp /
    SMTP.SendAsApp and access to the mailbox. MSAL caches it until near its end."""

    kind = "microsoft-app"

    def __init__(self, o: OAuth2, secret: str | None, account: Account) -> None:
        self.o, self.secret, self.account = o, secret, account
        self._app: Any = None
        self._http = _session(o)  # one for the source's life: its connections are reused
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
                result = self._app.acquire_token_for_client(self.o.scopes or SCOPES[self.kind])
            except ValueError as exc:  # discovery refused: an unknown tenant, a bad host
                self._app = None
                raise _discovery(self.account, self.o, exc) from None
            except (requests.RequestException, OSError) as exc:
                self._app = None
                raise _network(self.account, "Microsoft's token endpoint", exc) from None
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
        self._http = _session(o)  # one for the source's life: its connections are reused
        self.file = TokenFile(
            account.state_dir
            / "oauth"
            / file_name("microsoft", o.client_id or "", account.username)
        )

    @property
    def scopes(self) -> list[str]:
        return self.o.scopes or SCOPES[self.kind]

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
            except (requests.RequestException, OSError) as exc:
                raise _network(self.account, "Microsoft's token endpoint", exc) from None
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


class GoogleServiceAccount:
    """A service account with domain-wide delegation, acting as the mailbox's user."""

    kind = "google"

    def __init__(self, o: OAuth2, secret: str | None, account: Account) -> None:
        from google.oauth2 import service_account

        try:
            info = json.loads(secret or "")
            self.creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=o.scopes or SCOPES[self.kind], subject=o.subject or account.username
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
                session = _session(self.o)
                try:
                    self.creds.refresh(Request(session))
                except exceptions.RefreshError as exc:
                    raise self.account.refused(
                        "Google", str(exc.args[0] if exc.args else exc)
                    ) from None
                except (exceptions.TransportError, requests.RequestException, OSError) as exc:
                    raise _network(self.account, "Google's token endpoint", exc) from None
                finally:
                    session.close()
            return str(self.creds.token)


def _expires_soon(expiry: Any) -> bool:
    import datetime

    if expiry is None:
        return False
    left = expiry.replace(tzinfo=datetime.UTC) - datetime.datetime.now(datetime.UTC)
    return bool(left.total_seconds() < REFRESH_MARGIN)


class RefreshTokenSource:
    """Any OAuth2 provider: a refresh token from `maild oauth login` (device code),
    exchanged at token_url; a rotated refresh token replaces the old atomically."""

    kind = "oauth2"

    def __init__(self, o: OAuth2, secret: str | None, account: Account) -> None:
        self.o, self.secret, self.account = o, secret, account
        self.file = TokenFile(
            account.state_dir / "oauth" / file_name("oauth2", o.client_id or "", account.username)
        )

    def _post(self, url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        form = {"client_id": self.o.client_id or "", **form}
        if self.secret:
            form["client_secret"] = self.secret
        try:
            answer = requests.post(url, data=form, timeout=self.o.timeout, verify=_verify(self.o))
            body = answer.json()
        except ValueError:
            return answer.status_code, {"error": f"HTTP {answer.status_code}, not JSON"}
        except (requests.RequestException, OSError) as exc:
            raise _network(self.account, url, exc) from None
        return answer.status_code, body if isinstance(body, dict) else {}

    def token(self, refresh: bool = False) -> str:
        with self.file.locked():
            data = self.file.read() or {}
            if not data.get("refresh_token"):
                raise self.account.login_needed("not signed in yet")
            left = float(data.get("expires_at") or 0) - time.time()
            if not refresh and data.get("access_token") and left > REFRESH_MARGIN:
                return str(data["access_token"])
            form = {"grant_type": "refresh_token", "refresh_token": data["refresh_token"]}
            if self.o.scopes:
                form["scope"] = " ".join(self.o.scopes)
            status, body = self._post(self.o.token_url or "", form)
            if body.get("error") == "invalid_grant":
                why = one_line(str(body.get("error_description") or "invalid_grant"), 160)
                raise self.account.login_needed(f"the provider refused the refresh token ({why})")
            if status != 200 or not body.get("access_token"):
                raise self.account.refused(
                    "the provider", f"{body.get('error')}: {body.get('error_description', '')}"
                )
            self.file.write(_saved(body, data))
            return str(body["access_token"])

    def begin_login(self) -> tuple[None, dict[str, Any]]:
        if not self.o.device_authorization_url:
            raise OAuthError(
                f"{self.account.label}: set oauth2.device_authorization_url (the provider's "
                "device-code endpoint) to sign in with `maild oauth login`"
            )
        form = {"scope": " ".join(self.o.scopes or [])}
        status, body = self._post(self.o.device_authorization_url, form)
        if status != 200 or "device_code" not in body:
            raise self.account.refused(
                "the provider", f"{body.get('error')}: {body.get('error_description', '')}"
            )
        uri = body.get("verification_uri_complete") or body.get("verification_uri")
        body.setdefault("message", f"To sign in, open {uri} and enter the code {body['user_code']}")
        body["expires_at"] = time.time() + float(body.get("expires_in", 900))
        return None, body

    def finish_login(self, app: None, flow: dict[str, Any]) -> str:
        interval = float(flow.get("interval", 5))
        while time.time() < flow["expires_at"]:
            time.sleep(interval)
            _, body = self._post(
                self.o.token_url or "",
                {"grant_type": DEVICE_GRANT, "device_code": flow["device_code"]},
            )
            if body.get("access_token"):
                with self.file.locked():
                    self.file.write(_saved(body, {}))
                self.file.chown_like(self.account.state_dir)
                return self.account.username
            if body.get("error") == "slow_down":
                interval += 5
            elif body.get("error") != "authorization_pending":
                raise self.account.refused(
                    "the provider", f"{body.get('error')}: {body.get('error_description', '')}"
                )
        raise OAuthError(f"{self.account.label}: the code expired before anyone signed in")


def _saved(body: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    return {
        "refresh_token": body.get("refresh_token") or before.get("refresh_token"),
        "access_token": body["access_token"],
        "expires_at": time.time() + float(body.get("expires_in", 3600)),
    }


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
