"""UI budgets: key press to new frame, and start-up to the first sentence on screen.

Latency is measured by timestamping frames (a subclass of the app records when each frame is
encoded for the terminal), not by ``pilot.press`` wall time: a key is posted as the terminal
driver would, and its latency is the time to the first frame after it. The database holds
1,000,000 synthetic units (built once by :mod:`annotator.bench.synth` and reused). Start-up is
measured in a fresh process: from before the interpreter starts to the first frame with the
sentence. Run directly::

    .venv/bin/python -m annotator.bench.ui            # 1,000,000 units
    .venv/bin/python -m annotator.bench.ui --units 100000 --presses 200

:func:`run_labelling_while_importing` measures labelling while another process runs
``annotator import`` of a big corpus into the same file: key press to frame, key press to the
decision's row committed (the writer's confirmation), and decisions lost::

    .venv/bin/python -m annotator.bench.ui --while-importing 500000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Bump when the synthetic data changes, so cached benchmark databases are rebuilt.
SYNTH_VERSION = 2
BUDGET_P50_MS = 17.0
BUDGET_P95_MS = 33.0
BUDGET_STARTUP_S = 0.8
BUDGET_COMMITTED_P99_S = 1.0

#: One unit's worth of work: moves, selections, labels, layer switches, span jumps, a decision.
KEY_CYCLE: list[str] = [
    "right", "right", "shift+right", "1", "tab", "right", "shift+right", "shift+right", "3",
    "delete", "c", "right", "shift+right", "1", "c", "left", "tab", "a",
    "right", "2", "x", "backspace", "a", "space",
]


def bench_db(units: int, path: str | None = None) -> str:
    """A database with ``units`` synthetic units (reused when it is already there; a
    ``postgresql://`` one is filled when it is empty)."""
    from annotator.bench.synth import generate
    from annotator.store import open_store
    from annotator.store.dialect import is_postgres

    if path and is_postgres(path):
        store = open_store(path, durable=False)
        try:
            if not (store.get_dataset("bench") and store.count_units("bench") == units):
                generate(store, units, dataset="bench")
        finally:
            store.close()
        return path

    target = Path(path) if path else Path(tempfile.gettempdir()) / "annotator-bench" / f"ui-{units}-v{SYNTH_VERSION}.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        store = open_store(target)
        try:
            if store.get_dataset("bench") and store.count_units("bench") == units:
                return str(target)
        finally:
            store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
    store = open_store(target, durable=False)
    try:
        generate(store, units, dataset="bench")
    finally:
        store.close()
    return str(target)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by linear interpolation."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


async def _measure_keys(db_path: str, presses: int, size: tuple[int, int], annotator: str) -> dict[str, Any]:
    """Drive the app headless and time each key to its frame."""
    from annotator.store import open_store
    from annotator.tui.app import build_app
    from annotator.tui.frame_timing import FrameTimedApp, send_key

    store = open_store(db_path)
    app = build_app(store, "bench", annotator, app_class=FrameTimedApp)
    assert isinstance(app, FrameTimedApp)
    latencies: dict[str, list[float]] = {}
    missed = 0
    async with app.run_test(headless=True, size=size) as pilot:
        await pilot.pause()
        for n in range(presses):
            key = KEY_CYCLE[n % len(KEY_CYCLE)]
            await pilot.pause()  # idle: nothing pending, the next frame is this key's
            await asyncio.sleep(0.005)
            app.frame_event.clear()
            seen = len(app.frame_times)
            t0 = time.perf_counter()
            send_key(app, key)
            try:
                while len(app.frame_times) <= seen:
                    await asyncio.wait_for(app.frame_event.wait(), timeout=2.0)
                    app.frame_event.clear()
            except asyncio.TimeoutError:
                if not app.is_running:  # the app died (its error is raised on leaving run_test)
                    break
                missed += 1
                continue
            latencies.setdefault(key, []).append((app.frame_times[seen] - t0) * 1000.0)
    store.close()
    everything = [v for vs in latencies.values() for v in vs]
    return {
        "presses": len(everything),
        "no_frame": missed,
        "p50_ms": round(percentile(everything, 0.50), 2),
        "p95_ms": round(percentile(everything, 0.95), 2),
        "max_ms": round(max(everything), 2) if everything else None,
        "per_key_p50_ms": {k: round(percentile(v, 0.5), 2) for k, v in sorted(latencies.items())},
    }


#: Keys of the labelling-while-importing run: edits and a decision per unit, no undo (so that
#: every decision is one current row to count).
IMPORT_KEY_CYCLE: list[str] = ["right", "shift+right", "1", "tab", "a", "right", "2", "x", "c", "c", "space"]


def _start_import(corpus_path: Path, db_path: str) -> subprocess.Popen[bytes]:
    """``annotator import`` of ``corpus_path`` into ``db_path`` in another process."""
    return subprocess.Popen(
        [sys.executable, "-m", "annotator", "import", str(corpus_path), "--dataset", "imported", "--db", db_path, "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


async def _label_while(db_path: str, start_import: Any, presses: int, gap_s: float,
                       size: tuple[int, int], annotator: str) -> dict[str, Any]:
    """Open the labelling screen, call ``start_import()`` (it returns the other process) once
    the first unit shows, then label (one key every ``gap_s``) while it runs; time frames
    and commits."""
    from annotator.store import open_store
    from annotator.tui.app import build_app
    from annotator.tui.frame_timing import FrameTimedApp, send_key
    from annotator.tui.label_screen import LabelScreen

    store = open_store(db_path)
    app = build_app(store, "bench", annotator, app_class=FrameTimedApp)
    assert isinstance(app, FrameTimedApp)
    frames: list[float] = []
    per_key: dict[str, list[float]] = {}
    key_at_seq: dict[int, float] = {}
    missed = sent = no_unit = 0
    pending_at_end = 0
    async with app.run_test(headless=True, size=size) as pilot:
        screen = app.screen
        assert isinstance(screen, LabelScreen)
        screen.keep_saved_events = True
        while screen.session.current is None:
            await pilot.pause(0.01)
        importer = start_import()
        for n in range(presses):
            if n and importer.poll() is not None and n >= len(IMPORT_KEY_CYCLE) * 4:
                break  # the import is over: what follows would not measure the budget
            key = IMPORT_KEY_CYCLE[n % len(IMPORT_KEY_CYCLE)]
            await pilot.pause()
            await asyncio.sleep(gap_s)
            app.frame_event.clear()
            seen, seq = len(app.frame_times), screen._seq
            no_unit += screen.session.current is None  # waiting for a claim: this key shows nothing
            t0 = time.perf_counter()
            send_key(app, key)
            sent += 1
            try:
                while len(app.frame_times) <= seen:
                    await asyncio.wait_for(app.frame_event.wait(), timeout=2.0)
                    app.frame_event.clear()
            except asyncio.TimeoutError:
                if not app.is_running:
                    break
                missed += 1
                continue
            frames.append((app.frame_times[seen] - t0) * 1000.0)
            per_key.setdefault(key, []).append(frames[-1])
            if screen._seq > seq:
                key_at_seq[screen._seq] = t0
        deadline = time.monotonic() + 600
        while screen.writer.pending and time.monotonic() < deadline:
            await pilot.pause(0.05)
        pending_at_end = screen.writer.pending
        saved = {e.seq: e.committed_at for e in screen.saved_events}
    committed = [(saved[q] - t) for q, t in key_at_seq.items() if q in saved]
    lost = [q for q in key_at_seq if q not in saved]
    stored, _ = store.progress("bench", annotator)
    store.close()
    return {
        "presses": sent, "no_frame": missed, "keys_without_unit": no_unit, "decisions": len(key_at_seq), "stored": stored,
        "lost": len(lost) + max(0, len(key_at_seq) - stored), "pending_at_end": pending_at_end,
        "frame_p50_ms": round(percentile(frames, 0.50), 2), "frame_p95_ms": round(percentile(frames, 0.95), 2),
        "frame_max_ms": round(max(frames), 2) if frames else None,
        "committed_p50_s": round(percentile(committed, 0.50), 3),
        "committed_p99_s": round(percentile(committed, 0.99), 3),
        "committed_max_s": round(max(committed), 3) if committed else None,
        "per_key_max_ms": {k: round(max(v), 1) for k, v in sorted(per_key.items())},
    }


def run_labelling_while_importing(
    sentences: int = 500_000,
    presses: int = 480,
    workdir: str | Path | None = None,
    gap_s: float = 0.1,
    size: tuple[int, int] = (100, 30),
    database: str | None = None,
) -> dict[str, Any]:
    """Label a small dataset while another process imports ``sentences`` generated sentences
    into the same database (a file in ``workdir``, or ``database``, an empty one); report key
    to frame, key to committed row and decisions lost."""
    from annotator.bench.databases import remove
    from annotator.bench.import_ import corpus
    from annotator.bench.synth import generate
    from annotator.store import open_store

    work = Path(workdir) if workdir else Path(tempfile.gettempdir()) / "annotator-bench"
    work.mkdir(parents=True, exist_ok=True)
    source = corpus(sentences, work / "corpora")
    db = database or str(work / f"label-while-import-{os.getpid()}.db")
    remove(db)
    store = open_store(db)
    try:
        generate(store, 5_000, dataset="bench")
    finally:
        store.close()
    started: list[subprocess.Popen[bytes]] = []

    def start_import() -> subprocess.Popen[bytes]:
        started.append(_start_import(source, db))
        return started[0]

    t0 = time.perf_counter()
    try:
        result = asyncio.run(_label_while(db, start_import, presses, gap_s, size, f"bench-{os.getpid()}"))
        import_rc = started[0].wait(timeout=3600) if started else -1
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
    error = ""
    if started and started[0].stderr is not None:
        error = (started[0].stderr.read().decode(errors="replace").strip().splitlines() or [""])[-1]
    remove(db)
    result.update({
        "benchmark": "labelling while importing", "sentences": sentences, "import_exit": import_rc,
        "import_error": error if import_rc else "", "elapsed_s": round(time.perf_counter() - t0, 1),
        "budgets": {"frame_p95_ms": BUDGET_P95_MS, "committed_p99_s": BUDGET_COMMITTED_P99_S, "lost": 0},
    })
    result["ok"] = bool(result["frame_p95_ms"] <= BUDGET_P95_MS and result["committed_p99_s"] <= BUDGET_COMMITTED_P99_S
                        and result["lost"] == 0 and import_rc == 0)
    return result


def measure_startup(db_path: str, runs: int = 5) -> dict[str, Any]:
    """Median seconds from launching a fresh interpreter to the first sentence on screen."""
    times: list[float] = []
    for _ in range(runs):
        t0 = time.time()
        out = subprocess.run(
            [sys.executable, "-m", "annotator.bench.ui", "--startup-probe", db_path],
            capture_output=True, text=True, timeout=60, check=True,
        )
        shown = float(out.stdout.strip().splitlines()[-1])
        times.append(shown - t0)
    return {"startup_s": round(statistics.median(times), 3), "startup_runs_s": [round(t, 3) for t in times]}


def _startup_probe(db_path: str) -> None:
    """Child process: start the app as `annotator label` does; print the wall time of the first sentence frame."""
    from annotator.config import load_config
    from annotator.store import open_store
    from annotator.tui.app import build_app
    from annotator.tui.frame_timing import FrameTimedApp

    store = open_store(db_path, create=False)
    app = build_app(store, "bench", f"startup-{os.getpid()}", config=load_config(), app_class=FrameTimedApp)
    assert isinstance(app, FrameTimedApp)
    shown: list[float] = []

    async def run() -> None:
        async with app.run_test(headless=True, size=(100, 30)) as pilot:
            while app.first_sentence_at is None:
                await pilot.pause(0.005)
            shown.append(time.time() - (time.perf_counter() - app.first_sentence_at))

    asyncio.run(run())
    print(f"{shown[0]:.6f}")


def run_ui_bench(
    units: int = 1_000_000,
    presses: int = 480,
    db_path: str | None = None,
    size: tuple[int, int] = (100, 30),
    startup_runs: int = 5,
) -> dict[str, Any]:
    """Run both UI benchmarks and return the numbers with the budgets (what `annotator bench` shows)."""
    t0 = time.perf_counter()
    db = bench_db(units, db_path)
    prep = time.perf_counter() - t0
    annotator = f"bench-{os.getpid()}-{int(time.time())}"
    keys = asyncio.run(_measure_keys(db, presses, size, annotator))
    startup = measure_startup(db, startup_runs)
    result = {
        "benchmark": "ui", "units": units, "database": db, "prepare_s": round(prep, 1), **keys, **startup,
        "budgets": {"p50_ms": BUDGET_P50_MS, "p95_ms": BUDGET_P95_MS, "startup_s": BUDGET_STARTUP_S},
    }
    result["ok"] = bool(
        keys["p50_ms"] <= BUDGET_P50_MS and keys["p95_ms"] <= BUDGET_P95_MS
        and startup["startup_s"] <= BUDGET_STARTUP_S
    )
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line for the benchmark; exit status 1 when a budget is missed."""
    parser = argparse.ArgumentParser(description="UI latency and start-up benchmark")
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--presses", type=int, default=480)
    parser.add_argument("--db", default=None, help="database to build/reuse (default: in the temp dir)")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--startup-probe", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--while-importing", type=int, metavar="SENTENCES", default=None,
                        help="measure labelling while another process imports this many sentences")
    args = parser.parse_args(argv)
    if args.startup_probe:
        _startup_probe(args.startup_probe)
        return 0
    if args.while_importing:
        result = run_labelling_while_importing(args.while_importing, args.presses, args.db and Path(args.db).parent)
        print(json.dumps(result, indent=2))
        return 0 if result["ok"] else 1
    result = run_ui_bench(args.units, args.presses, args.db, startup_runs=args.startup_runs)
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
