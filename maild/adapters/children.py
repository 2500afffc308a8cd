"""Helper processes die with the daemon that started them, even under kill -9."""

from __future__ import annotations

import contextlib
import ctypes
import signal

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(sig: signal.Signals = signal.SIGTERM) -> None:
    """`sig` to this process when the thread that started it ends (Linux; elsewhere
    nothing). The caller checks its parent afterwards: one that died before this call
    sent nothing."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
