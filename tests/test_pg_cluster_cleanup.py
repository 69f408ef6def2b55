"""The tests' throwaway PostgreSQL clusters die with the process that started them, even when
it is SIGKILLed (a killed test run used to leave its servers running and their folders on
disk)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent

STARTER = """
import sys, time
sys.path.insert(0, sys.argv[1])
import pg_cluster
try:
    c = pg_cluster.Cluster()
except pg_cluster.Unavailable as e:
    print("UNAVAILABLE", e, flush=True)
    raise SystemExit(0)
print(c.dir, flush=True)
time.sleep(120)
"""


def _postmaster_running(folder: Path) -> bool:
    pid_file = folder / "data" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        Path(f"/proc/{pid}").stat()
    except FileNotFoundError:
        return False
    return True


@pytest.mark.postgresql
def test_a_killed_owner_takes_its_cluster_with_it() -> None:
    owner = subprocess.Popen([sys.executable, "-c", STARTER, str(HERE)], stdout=subprocess.PIPE, text=True)
    first = owner.stdout.readline().strip() if owner.stdout else ""
    if first.startswith("UNAVAILABLE"):
        owner.wait()
        pytest.skip(f"PostgreSQL unavailable: {first.removeprefix('UNAVAILABLE ')}")
    folder = Path(first)
    assert _postmaster_running(folder), f"no server running in {folder}"
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 30
    while (folder.exists() or _postmaster_running(folder)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not folder.exists(), f"{folder} still there 30 s after its owner was killed"
