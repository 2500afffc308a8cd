"""The two SASL mechanisms that carry a bearer token (no token is ever logged).

XOAUTH2 is Google's and Microsoft's; OAUTHBEARER is RFC 7628. A server that
refuses the token sends a challenge with a JSON error; the client answers it with
an empty line (XOAUTH2) or ^A (OAUTHBEARER) and the server then says NO / 535.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field


def xoauth2(user: str, token: str) -> bytes:
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def oauthbearer(user: str, token: str, host: str, port: int) -> bytes:
    return f"n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01".encode()


@dataclass
class Exchange:
    """One SASL exchange: the initial response first, then an empty answer to the
    server's error challenge, whose JSON is kept to explain the refusal."""

    initial: bytes
    mechanism: str  # "XOAUTH2" or "OAUTHBEARER"
    error: str = ""
    _sent: bool = field(default=False, repr=False)

    def __call__(self, challenge: bytes | str | None = None) -> bytes:
        if not self._sent:
            self._sent = True
            return self.initial
        self.error = describe_challenge(challenge)
        return b"\x01" if self.mechanism == "OAUTHBEARER" else b""


def describe_challenge(challenge: bytes | str | None) -> str:
    """A server's error challenge ({"status":"401","schemes":"bearer",...}), in words."""
    if not challenge:
        return ""
    raw = challenge.encode() if isinstance(challenge, str) else challenge
    try:
        data = json.loads(raw)
    except ValueError:
        try:
            data = json.loads(base64.b64decode(raw, validate=True))
        except ValueError:
            return raw.decode(errors="replace")[:200]
    if not isinstance(data, dict):
        return str(data)[:200]
    return ", ".join(f"{k}={v}" for k, v in data.items())[:200]


def build(mechanism: str, user: str, token: str, host: str, port: int) -> Exchange:
    if mechanism.upper() == "OAUTHBEARER":
        return Exchange(oauthbearer(user, token, host, port), "OAUTHBEARER")
    return Exchange(xoauth2(user, token), "XOAUTH2")
