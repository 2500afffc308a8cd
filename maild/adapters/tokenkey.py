"""The key that signs reply tokens: one source for every process of an install.

The daemon may be given the key (`MAILD_TOKEN_KEY`, or the systemd credential
`token-key`), but the Postfix pipe, `sudo -u maild maild ...` and a root shell are
not: they would sign and check with another key, and an agent's reply that came
through the pipe would not be proven. So the state folder's `token.key` is the one
source every process reads. A process that is given a key writes it there, exactly
(`token.key`, and `token.key.previous` only when a previous key is given too), when
it prepares the state; one that is not given one reads the folder. Without any
given key, the folder's key is generated once."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from maild.config import read_credential

log = logging.getLogger(__name__)
CURRENT, PREVIOUS = "token.key", "token.key.previous"


class NoTokenKey(Exception):
    """No signing key given and none generated yet."""


@dataclass(frozen=True)
class TokenKeys:
    current: bytes
    previous: bytes | None
    source: str  # where this process took the key from, for check-config and status

    @property
    def all(self) -> list[bytes]:
        """Current first: tokens are signed with it and checked against both."""
        return [self.current, *([self.previous] if self.previous else [])]

    @property
    def fingerprint(self) -> str:
        """A short name for the current key that says nothing about it."""
        return fingerprint(self.current)


def fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"maild token key:" + key).hexdigest()[:12]


def load(state_dir: Path, *, create: bool = False) -> TokenKeys:
    """This process's keys. `create` (bootstrap.prepare) writes a given key into the
    state folder, or generates one there when none is given and none exists."""
    given, origin = _given("MAILD_TOKEN_KEY", "token-key")
    given_previous, _ = _given("MAILD_TOKEN_KEY_PREVIOUS", "token-key-previous")
    path = state_dir / CURRENT
    if given:
        if create:
            _keep(state_dir, given, given_previous)
        return TokenKeys(given.encode(), _encoded(given_previous), f"{origin}, kept in {path}")
    if not path.exists():
        if not create:
            raise NoTokenKey(f"there is no token key at {path} yet")
        _write(path, secrets.token_hex(32))
    previous = state_dir / PREVIOUS
    return TokenKeys(
        _read(path).encode(),
        _encoded(_read(previous) if previous.exists() else None),
        f"file {path}",
    )


def _given(variable: str, credential: str) -> tuple[str | None, str]:
    if os.environ.get(variable):
        return os.environ[variable].strip(), f"${variable}"
    return read_credential(credential), f"credential {credential}"


def _keep(state_dir: Path, current: str, previous: str | None) -> None:
    """The state folder holds exactly the given keys, so that every process reads them."""
    path = state_dir / CURRENT
    if path.exists() and _read(path) != current:
        log.warning(
            "the token key in %s was replaced by the one given to this process (%s); replies "
            "to mail signed with the old key are proven only if it is given as the previous key",
            path,
            fingerprint(current.encode()),
        )
    if not path.exists() or _read(path) != current:
        _write(path, current)
    old = state_dir / PREVIOUS
    if previous is None:
        old.unlink(missing_ok=True)
    elif not old.exists() or _read(old) != previous:
        _write(old, previous)


def _write(path: Path, text: str) -> None:
    """Atomically, 0600 from the first byte: a crash leaves the old key or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _read(path: Path) -> str:
    return path.read_text().strip()


def _encoded(text: str | None) -> bytes | None:
    return text.encode() if text else None
