"""A local OAuth2 authorization server for the tests, spoken to by real clients.

It plays Microsoft's identity platform (per-tenant OpenID discovery, the token
and device-code endpoints, AADSTS error codes) and Google's token endpoint (a
service account's JWT assertion), over HTTPS with a CA the test makes (MSAL
accepts https authorities only), and answers RFC 7662 introspection over plain
HTTP on a second port: Dovecot's `oauth2` passdb and the test relay ask it
whether a bearer token is good and whose it is.

The test plays the user (approve a device code) and the administrator (revoke a
refresh token, expire every access token, drop a permission).
"""

from __future__ import annotations

import datetime
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_AUDIENCE = "https://oauth2.googleapis.com/token"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def certificate(
    key: rsa.RSAPrivateKey,
    name: str,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None = None,
    *,
    ca: bool = False,
    ip: str | None = None,
) -> x509.Certificate:
    import ipaddress

    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
            critical=False,
        )
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class Access:
    username: str
    scope: str
    expires: float  # time.time()


@dataclass
class Device:
    client_id: str
    scope: str
    user_code: str
    approved_by: str | None = None
    denied: bool = False


@dataclass
class AuthServer:
    """State and test hooks; `start()` serves it on two loopback ports."""

    folder: Path
    tenant: str = "contoso"
    access_lifetime: int = 3600
    secrets_: dict[str, str] = field(default_factory=dict)  # client_id -> secret
    certs: dict[str, Any] = field(default_factory=dict)  # client_id -> public key
    # client_id -> username an app-only token acts for (the mailbox it was granted)
    app_user: dict[str, str] = field(default_factory=dict)
    service_accounts: dict[str, Any] = field(default_factory=dict)  # email -> public key
    access: dict[str, Access] = field(default_factory=dict)
    refresh: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # rt -> user...
    devices: dict[str, Device] = field(default_factory=dict)
    grants: list[str] = field(default_factory=list)  # every token grant served, in order
    introspections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    plain_port: int = 0
    ca_file: Path | None = None

    # -- the test's hooks -------------------------------------------------------------

    @property
    def authority(self) -> str:
        return f"https://127.0.0.1:{self.port}/{self.tenant}"

    @property
    def token_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/{self.tenant}/oauth2/v2.0/token"

    @property
    def device_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/{self.tenant}/oauth2/v2.0/devicecode"

    @property
    def introspection_url(self) -> str:
        return f"http://127.0.0.1:{self.plain_port}/introspect"

    def add_client(self, client_id: str, secret: str | None = None, *, acts_for: str = "") -> None:
        if secret:
            self.secrets_[client_id] = secret
        self.app_user[client_id] = acts_for

    def add_certificate_client(self, client_id: str, acts_for: str) -> tuple[str, str]:
        """A client that proves itself with a certificate: (key PEM, certificate PEM)."""
        key = new_key()
        cert = certificate(key, client_id)
        self.certs[client_id] = cert.public_key()
        self.app_user[client_id] = acts_for
        return key_pem(key), cert_pem(cert)

    def add_service_account(self, email: str) -> dict[str, str]:
        """A Google service account's JSON key, its token_uri pointing here."""
        key = new_key()
        self.service_accounts[email] = key.public_key()
        return {
            "type": "service_account",
            "project_id": "maild-test",
            "private_key_id": secrets.token_hex(8),
            "private_key": key_pem(key),
            "client_email": email,
            "client_id": "1234567890",
            "token_uri": self.token_url,
        }

    def approve(self, user_code: str, username: str) -> None:
        """The user signs in at the verification page and enters the code."""
        with self.lock:
            for device in self.devices.values():
                if device.user_code == user_code:
                    device.approved_by = username
                    return
        raise KeyError(user_code)

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            self.refresh.clear()

    def expire_access_tokens(self) -> None:
        with self.lock:
            for grant in self.access.values():
                grant.expires = 0

    def active_refresh_tokens(self) -> list[str]:
        with self.lock:
            return list(self.refresh)

    def check(self, token: str) -> Access | None:
        with self.lock:
            self.introspections += 1
            grant = self.access.get(token)
            return grant if grant is not None and grant.expires > time.time() else None

    # -- the endpoints ----------------------------------------------------------------

    def discovery(self, tenant: str) -> tuple[int, dict[str, Any]]:
        if tenant != self.tenant:
            return 400, {
                "error": "invalid_tenant",
                "error_description": f"AADSTS90002: Tenant '{tenant}' not found. Check to "
                "make sure you have the correct tenant ID and are signing into the correct "
                "cloud.",
            }
        base = f"https://127.0.0.1:{self.port}/{tenant}"
        return 200, {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        }

    def device_code(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        code = secrets.token_urlsafe(16)
        user_code = secrets.token_hex(4).upper()
        with self.lock:
            self.devices[code] = Device(form.get("client_id", ""), form.get("scope", ""), user_code)
        return 200, {
            "device_code": code,
            "user_code": user_code,
            "verification_uri": f"https://127.0.0.1:{self.port}/devicelogin",
            "expires_in": 900,
            "interval": 1,
            "message": f"To sign in, open https://127.0.0.1:{self.port}/devicelogin and enter "
            f"the code {user_code} to authenticate.",
        }

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type", "")
        with self.lock:
            self.grants.append(grant)
        handler = {
            "client_credentials": self._client_credentials,
            "refresh_token": self._refresh,
            DEVICE_GRANT: self._device,
            JWT_GRANT: self._service_account,
        }.get(grant)
        if handler is None:
            return _error("unsupported_grant_type", f"AADSTS70003: {grant} is not supported")
        return handler(form)

    def _issue(self, username: str, scope: str, client: str, *, refresh: bool) -> dict[str, Any]:
        token = "at-" + secrets.token_urlsafe(24)
        with self.lock:
            self.access[token] = Access(username, scope, time.time() + self.access_lifetime)
        out: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": self.access_lifetime,
            "scope": scope,
        }
        if refresh:
            rt = "rt-" + secrets.token_urlsafe(24)
            with self.lock:
                self.refresh[rt] = (username, scope, client)
            out["refresh_token"] = rt
        return out

    def _client_credentials(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        client = form.get("client_id", "")
        if client not in self.app_user:
            return _error(
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{client}' was not found in the "
                f"directory '{self.tenant}'.",
            )
        assertion = form.get("client_assertion")
        if assertion is not None:
            try:
                jwt.decode(
                    assertion,
                    self.certs[client],
                    algorithms=["RS256", "PS256"],
                    audience=self.token_url,
                )
            except (KeyError, jwt.PyJWTError):
                return _error(
                    "invalid_client",
                    "AADSTS700027: The certificate with identifier used to "
                    "sign the client assertion is not registered on application.",
                )
        elif form.get("client_secret") != self.secrets_.get(client):
            return _error(
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                "in the request is the client secret value, not the client secret ID.",
            )
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return _error(
                "invalid_scope",
                "AADSTS1002012: The provided value for scope is not valid. Client "
                "credential flows must have a scope value with /.default suffixed.",
            )
        return 200, self._issue(self.app_user[client], scope, client, refresh=False)

    def _refresh(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            found = self.refresh.pop(form.get("refresh_token", ""), None)  # rotated: single use
        if found is None:
            return _error(
                "invalid_grant",
                "AADSTS700082: The refresh token has expired due to inactivity.",
                suberror="bad_token",
            )
        username, scope, client = found
        return 200, self._issue(username, form.get("scope") or scope, client, refresh=True)

    def _device(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            device = self.devices.get(form.get("device_code", ""))
        if device is None:
            return _error("expired_token", "AADSTS70020: The provided value is expired.")
        if device.approved_by is None:
            return _error("authorization_pending", "AADSTS70016: Pending end-user authorization.")
        with self.lock:
            self.devices.pop(form["device_code"], None)
        return 200, {
            **self._issue(device.approved_by, device.scope, device.client_id, refresh=True),
            "id_token": _id_token(device.approved_by, self.authority, device.client_id),
            "client_info": _client_info(device.approved_by),
        }

    def _service_account(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            claims = jwt.decode(form.get("assertion", ""), options={"verify_signature": False})
            key = self.service_accounts[claims["iss"]]
            # google-auth signs for Google's own token endpoint, wherever token_uri points
            claims = jwt.decode(
                form["assertion"], key, algorithms=["RS256"], audience=GOOGLE_AUDIENCE
            )
        except (KeyError, jwt.PyJWTError):
            return _error("invalid_grant", "Invalid JWT Signature.")
        if not claims.get("sub"):
            return _error("invalid_grant", "Invalid email or User ID")
        return 200, self._issue(
            claims["sub"], claims.get("scope", ""), claims["iss"], refresh=False
        )

    # -- serving ----------------------------------------------------------------------

    def start(self) -> AuthServer:
        ca_key, key = new_key(), new_key()
        ca = certificate(ca_key, "maild test CA", ca=True)
        leaf = certificate(key, "127.0.0.1", (ca, ca_key), ip="127.0.0.1")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ca_file = self.folder / "ca.pem"
        self.ca_file.write_text(cert_pem(ca))
        chain, key_file = self.folder / "server.pem", self.folder / "server.key"
        chain.write_text(cert_pem(leaf))
        key_file.write_text(key_pem(key))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(chain, key_file)
        secure = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        secure.socket = context.wrap_socket(secure.socket, server_side=True)
        plain = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.port, self.plain_port = secure.server_address[1], plain.server_address[1]
        self._servers = [secure, plain]
        for server in self._servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


def _error(code: str, description: str, **extra: str) -> tuple[int, dict[str, Any]]:
    return 400, {"error": code, "error_description": description, **extra}


def _client_info(username: str) -> str:
    import base64

    raw = json.dumps({"uid": username.split("@")[0], "utid": "tenant-id"}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _id_token(username: str, authority: str, client_id: str) -> str:
    claims = {
        "iss": f"{authority}/v2.0",
        "sub": username,
        "aud": client_id,
        "preferred_username": username,
        "oid": username.split("@")[0],
        "tid": "tenant-id",
        "iat": int(time.time()),
        "exp": int(time.time()) + 3600,
    }
    return jwt.encode(claims, "not-checked-" + "k" * 32, algorithm="HS256")


def _handler(server: AuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            return {k: v[0] for k, v in parse_qs(body).items()}

        def do_GET(self) -> None:
            parts = urlparse(self.path).path.strip("/").split("/")
            if parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                self._send(*server.discovery(parts[0]))
                return
            self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:
            path = urlparse(self.path).path
            form = self._form()
            if path == "/introspect":
                grant = server.check(form.get("token", ""))
                self._send(
                    200,
                    {"active": True, "username": grant.username, "scope": grant.scope}
                    if grant
                    else {"active": False},
                )
            elif path.endswith("/oauth2/v2.0/devicecode"):
                self._send(*server.device_code(form))
            elif path.endswith("/oauth2/v2.0/token"):
                tenant = path.strip("/").split("/")[0]
                if tenant != server.tenant:
                    self._send(*server.discovery(tenant))
                    return
                self._send(*server.token(form))
            else:
                self._send(404, {"error": "not_found"})

    return Handler


def start_auth_server(folder: Path, **kwargs: Any) -> AuthServer:
    return AuthServer(folder, **kwargs).start()
