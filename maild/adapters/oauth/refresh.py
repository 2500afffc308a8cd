"""Any OAuth2 provider: a refresh token got with the device-code flow (RFC 8628),
exchanged at the token endpoint (RFC 6749), kept in the state folder."""

from __future__ import annotations

import time
from typing import Any

from maild.adapters.oauth.common import REFRESH_MARGIN, Account, network, verify
from maild.adapters.oauth.errors import OAuthError
from maild.adapters.oauth.explain import one_line
from maild.adapters.oauth.store import TokenFile, file_name
from maild.config import OAuth2

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


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
            import requests  # here: the CLI starts faster without it

            answer = requests.post(url, data=form, timeout=self.o.timeout, verify=verify(self.o))
            body = answer.json()
        except ValueError:
            return answer.status_code, {"error": f"HTTP {answer.status_code}, not JSON"}
        except OSError as exc:  # requests' errors are OSErrors
            raise network(self.account, url, exc) from None
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
