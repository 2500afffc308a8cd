"""Signed tokens that tie a mail to one ticket and one person.

A token is `t<ticket>-<mac>` where mac is HMAC-SHA256(key, "ticket:person")
cut to 100 bits and written in lowercase base32, so it survives MTAs that
fold the case of local parts. It travels in the Reply-To address
(`support+<token>@domain`) and in the Message-IDs maild writes, so both a
reply to the address and a References chain carry it back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

MAC_CHARS = 20  # 20 base32 characters = 100 bits
_TOKEN = re.compile(rf"^t(\d{{1,12}})-([a-z2-7]{{{MAC_CHARS}}})$")


@dataclass(frozen=True)
class Token:
    ticket_id: int
    mac: str

    def __str__(self) -> str:
        return f"t{self.ticket_id}-{self.mac}"


def _mac(key: bytes, ticket_id: int, person: str) -> str:
    digest = hmac.new(key, f"{ticket_id}:{person.lower()}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:MAC_CHARS]


def sign(key: bytes, ticket_id: int, person: str) -> Token:
    return Token(ticket_id, _mac(key, ticket_id, person))


def parse(text: str) -> Token | None:
    match = _TOKEN.match(text.lower())
    if match is None:
        return None
    return Token(int(match.group(1)), match.group(2))


def verify(keys: Sequence[bytes], token: Token, person: str) -> bool:
    """True when any key (current, then previous ones) signed this token for person."""
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(_mac(key, token.ticket_id, person), token.mac)
    return ok


def reply_address(support: str, token: Token) -> str:
    local, _, domain = support.partition("@")
    return f"{local}+{token}@{domain}"


def token_from_address(support: str, address: str) -> Token | None:
    """The token in `support+<token>@domain`, if address is one of ours."""
    local, _, domain = support.lower().partition("@")
    a_local, _, a_domain = address.lower().partition("@")
    if a_domain != domain or not a_local.startswith(local + "+"):
        return None
    return parse(a_local[len(local) + 1 :])


def message_id(token: Token, unique: str, domain: str) -> str:
    return f"<{token}.{unique}@{domain}>"


def token_from_message_id(msgid: str, domain: str) -> Token | None:
    inner = msgid.strip().strip("<>").lower()
    local, _, m_domain = inner.rpartition("@")
    if m_domain != domain.lower():
        return None
    return parse(local.partition(".")[0])
