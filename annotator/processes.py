"""When this process may fork worker processes (import's suggesters, agree --dataset's ranges)."""

from __future__ import annotations

import sys
import threading


def fork_safe() -> bool:
    """Whether worker processes may be forked: on Linux, from a process with no other thread
    (a thread holding a lock at the fork would leave the child waiting on it forever)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1
