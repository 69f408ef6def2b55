#!/usr/bin/env python3
"""Set-up and everyday tasks from a fresh clone, with nothing but Python 3.11+.

    python3 dev.py label   # create .venv, install, import the seed article, open the labelling UI
    python3 dev.py test    # create .venv, install, run the whole test suite
    python3 dev.py run ARGS...  # any `annotator` command inside the environment

The environment is `.venv/` beside this file; it is (re)installed whenever pyproject.toml
changes. Extra arguments after `test` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".annotator-installed"


def ensure_env() -> None:
    """Create the virtual environment and install the package with its test extra."""
    if sys.version_info < (3, 11):
        sys.exit(f"annotator needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == want and (BIN / "annotator").exists():
        return
    if not (BIN / "python").exists():
        print("Creating .venv …", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing annotator and its dependencies into .venv (first run takes a minute) …", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(want)


def annotator(*args: str) -> list[str]:
    return [str(BIN / "annotator"), *args]


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "help"
    if task in ("help", "-h", "--help"):
        print(__doc__)
        return 0
    ensure_env()
    os.chdir(ROOT)
    if task == "label":
        subprocess.run(annotator("import", "seeds", "--dataset", "seed", "--quiet"), check=True)
        os.execv(annotator()[0], annotator("label", "--dataset", "seed", *argv[1:]))
    if task == "test":
        args = argv[1:] or ["-n", "2"]
        os.execv(str(BIN / "python"), [str(BIN / "python"), "-m", "pytest", *args])
    if task == "run":
        os.execv(annotator()[0], annotator(*argv[1:]))
    print(f"unknown task {task!r}; try: label, test, run", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
