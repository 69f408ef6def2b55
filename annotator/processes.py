"""Worker processes: when this process may fork them (import's suggesters, agree --dataset's
ranges), and how a worker goes when the process that started it is killed."""

from __future__ import annotations

import os
import signal
import sys
import threading


def fork_safe() -> bool:
    """Whether worker processes may be forked: on Linux, from a process with no other thread
    (a thread holding a lock at the fork would leave the child waiting on it forever)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def die_with_parent() -> None:
    """In a pool worker, on Linux: have the kernel kill this process when the one that started
    it dies. A pool worker waits on its task queue for ever otherwise, so a SIGKILLed import or
    export would leave its workers behind."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)
