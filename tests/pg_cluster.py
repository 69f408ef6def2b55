"""A throwaway PostgreSQL cluster for the tests: ``initdb`` + ``pg_ctl`` in a temporary folder,
listening only on a Unix socket in that folder, trust authentication, fsync off.

For ``annotator bench --db``, one that is kept running (fsync on, sized for a bulk load, see
:data:`BENCH_SETTINGS`) until stopped::

    python3 tests/pg_cluster.py --keep          # prints the URL to give --db
    python3 tests/pg_cluster.py --stop DIR      # stops it and deletes DIR

One cluster per test process (each pytest-xdist worker starts its own; nothing is shared
between them), started on first use and stopped when the process ends. PostgreSQL refuses
to run as root, so as root the server runs as the ``postgres`` system user (created when
missing, as Debian's package would); any other user runs it as themselves.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MIN_VERSION = 14
SERVER_USER = "postgres"
#: The tests' cluster: nothing it holds needs to survive a crash.
TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "shared_buffers": "32MB",
                 "max_connections": "120"}
#: A cluster to measure on: as durable as a real server (fsync, full-page writes and synchronous
#: commits on), with memory and WAL for a million-row load: a larger buffer cache, checkpoints
#: spaced out (16 GB of WAL or 30 min) instead of every 1 GB, sorts and index builds in memory,
#: the planner told the disk is an SSD and the file cache large, JIT off (it costs more than it
#: saves on the store's short queries).
BENCH_SETTINGS = {"shared_buffers": "1GB", "max_wal_size": "16GB", "checkpoint_timeout": "30min",
                  "work_mem": "64MB", "maintenance_work_mem": "512MB", "effective_cache_size": "8GB",
                  "random_page_cost": "1.1", "jit": "off", "max_connections": "120"}


class Unavailable(Exception):
    """No PostgreSQL can be found or started here; the message says why, in one line."""


def find_bin_dir() -> Path:
    """The folder of ``initdb`` / ``pg_ctl``: on PATH, else Debian's /usr/lib/postgresql/N/bin
    (the newest), whose binaries Debian keeps off PATH."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                                                   key=lambda p: int(re.sub(r"\D", "", p.split("/")[4]) or 0),
                                                   reverse=True)]
    for d in candidates:
        if (d / "pg_ctl").exists():
            return d
    raise Unavailable("no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql "
                      "(.ci/run installs Debian's postgresql)")


def _server_user() -> str | None:
    """Who runs the server: None for the current user, ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        done = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                               SERVER_USER], capture_output=True, text=True)
        if done.returncode != 0:
            raise Unavailable(f"running as root and cannot create the {SERVER_USER!r} user: "
                              f"{done.stderr.strip() or done.returncode}") from None
    return SERVER_USER


class Cluster:
    """A running throwaway cluster; :meth:`create_database` gives a fresh database's URL."""

    def __init__(self, settings: dict[str, str] | None = None, *, watched: bool = True) -> None:
        self.bin = find_bin_dir()
        self.user = _server_user()
        self.dir = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self._names = itertools.count(1)
        self.version = self._version()
        if self.version < MIN_VERSION:
            raise Unavailable(f"PostgreSQL {self.version} in {self.bin} is older than {MIN_VERSION}")
        if self.user:
            ent = pwd.getpwnam(self.user)
            os.chown(self.dir, ent.pw_uid, ent.pw_gid)
        os.chmod(self.dir, 0o755)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                  "--no-sync", what="initdb")
        self._opts = f"-k {self.dir} -c listen_addresses='' " + " ".join(
            f"-c {k}={v}" for k, v in (TEST_SETTINGS if settings is None else settings).items())
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", self._opts, "start",
                  what="pg_ctl start")
        atexit.register(self.stop)
        if watched:
            self._watch()

    def _watch(self) -> None:
        """Stop the cluster when this process dies, even by SIGKILL (no ``atexit`` then): a
        watchdog in its own session reads a pipe only we hold open, and its end of file means
        we are gone. Without it, a killed test run left its servers running."""
        self._watchdog = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--stop-when-orphaned", str(self.dir)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def _version(self) -> int:
        out = subprocess.run([str(self.bin / "pg_ctl"), "--version"], capture_output=True, text=True).stdout
        m = re.search(r"(\d+)", out)
        if not m:
            raise Unavailable(f"cannot tell the version of {self.bin / 'pg_ctl'}")
        return int(m.group(1))

    def _run(self, tool: str, *args: str, what: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir)
        if done.returncode != 0:
            detail = (done.stderr.strip() or done.stdout.strip()).splitlines()
            if self.log.exists():
                detail += [ln for ln in self.log.read_text(errors="replace").splitlines() if "FATAL" in ln]
            shutil.rmtree(self.dir, ignore_errors=True)
            raise Unavailable(f"{what} failed: {detail[-1] if detail else done.returncode}")

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str, user: str = "postgres") -> str:
        """A URL the store accepts for ``--db``: as ``user`` (the superuser by default), over
        this cluster's socket."""
        return f"postgresql://{user}@/{database}?host={self.dir}"

    def create_database(self) -> str:
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is ended, the server starts again with the
        same options (its output to the same log: a restarted server that inherited our pipe
        would keep ``subprocess.run`` waiting until it exits)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-m", "fast",
                  "-o", self._opts, "restart", what="pg_ctl restart")

    def stop(self) -> None:
        if not self.data.exists():
            return
        cmd = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


_cluster: Cluster | None = None
_unavailable: str | None = None


def cluster() -> Cluster:
    """This process's cluster, started on first call; :class:`Unavailable` (the same one-line
    reason every time) where PostgreSQL cannot be found or started."""
    global _cluster, _unavailable
    if _cluster is not None:
        return _cluster
    if _unavailable is not None:
        raise Unavailable(_unavailable)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable = "psycopg is not installed (pip install 'psycopg[binary]')"
        raise Unavailable(_unavailable) from None
    try:
        _cluster = Cluster()
    except Unavailable as e:
        _unavailable = str(e)
        raise
    return _cluster


def _stop_dir(folder: Path) -> None:
    """Stop the cluster in ``folder`` and delete the folder."""
    found = object.__new__(Cluster)
    found.bin, found.user, found.dir, found.data = find_bin_dir(), _server_user(), folder, folder / "data"
    found.stop()


def main(argv: list[str] | None = None) -> int:
    """``--keep``: start a cluster with :data:`BENCH_SETTINGS`, print its URL and leave it
    running; ``--stop DIR``: stop the cluster in DIR and delete DIR."""
    import argparse

    ap = argparse.ArgumentParser(description="A throwaway PostgreSQL cluster for `annotator bench --db`.")
    ap.add_argument("--keep", action="store_true", help="start one (bench settings), print its URL, leave it running")
    ap.add_argument("--stop", metavar="DIR", help="stop the cluster in DIR (printed by --keep) and delete DIR")
    ap.add_argument("--stop-when-orphaned", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.stop_when_orphaned:
        sys.stdin.buffer.read()  # returns when the process that started the cluster is gone
        if (Path(args.stop_when_orphaned) / "data" / "PG_VERSION").exists():
            _stop_dir(Path(args.stop_when_orphaned))
        return 0
    if args.stop:
        data = Path(args.stop) / "data"
        if not (data / "PG_VERSION").exists():
            ap.error(f"{args.stop}: no cluster here")
        _stop_dir(Path(args.stop))
        print(f"stopped and deleted {args.stop}")
        return 0
    if not args.keep:
        ap.error("say --keep or --stop DIR")
    try:
        kept = Cluster(BENCH_SETTINGS, watched=False)
    except Unavailable as e:
        print(f"no PostgreSQL: {e}")
        return 1
    atexit.unregister(kept.stop)
    print(kept.admin_url)
    print(f"# stop with: python3 tests/pg_cluster.py --stop {kept.dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
