"""A refresh token on disk: one file per account, mode 0600, replaced atomically.

A provider that rotates refresh tokens (Microsoft does, at every use) makes the
old one worthless the moment it hands out the new one: the new one is written to
a temporary file, flushed, and renamed over the old, so a crash leaves either the
old file or the new, never none and never half of one. Readers and writers take
an exclusive lock (the daemon's IMAP and SMTP threads, `maild status` in another
process), so two refreshes never race each other with the same token.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_GUARD = threading.Lock()


def file_name(*parts: str) -> str:
    """A safe, stable file name for an account (provider, client, user)."""
    return re.sub(r"[^A-Za-z0-9@._-]+", "_", "-".join(p for p in parts if p))[:200] + ".json"


class TokenFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The file to oneself: this process's threads, then other processes."""
        with _GUARD:
            lock = _THREAD_LOCKS.setdefault(self.path, threading.Lock())
        with lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the flock

    def read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except ValueError:
            return None  # unreadable: as good as none, and `maild oauth login` writes anew
        return data if isinstance(data, dict) else None

    def write(self, data: dict[str, Any]) -> None:
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".token-", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a power cut
        finally:
            os.close(dir_fd)

    def chown_like(self, reference: Path) -> None:
        """Run as root (`sudo maild oauth login`): the file belongs to the state folder's
        owner, the service's user, so the daemon can read and rotate it."""
        if os.geteuid() != 0 or not reference.exists():
            return
        st = reference.stat()
        for path in (self.path.parent, self.path, self.path.with_suffix(".lock")):
            if path.exists():
                os.chown(path, st.st_uid, st.st_gid)
