"""`annotator bench`: every budget of DESIGN.md measured in one command, as a table or JSON.

Each budget has its own module in ``annotator/bench/`` (import, export, agreement, ui); a module
that is not in this build is reported as "not available", never estimated. Figures are medians:
import over a sweep of corpus sizes (each in a fresh interpreter, which also gives its peak
memory), export and agreement over ``--runs`` runs, key latency over every key press of the UI
run (p50/p95) and start-up over ``--runs`` fresh processes.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

BENCHES = ("import", "export", "agreement", "ui", "label-import")


def _bench_db(workdir: Path, name: str) -> Any:
    """The database of one benchmark run, a context manager: ``workdir/NAME.db``, or with
    ``--db`` a fresh database on that server, dropped afterwards (annotator.bench.databases)."""
    from annotator.bench.databases import bench_database

    return bench_database(workdir, name)


def _served(workdir: Path, name: str, built: str) -> Any:
    """The database a reading benchmark measures, a context manager: the SQLite file ``built``,
    or with ``--db`` a fresh database on that server holding a copy of it."""
    from annotator.bench.databases import served

    return served(workdir, name, built)


@dataclass
class Row:
    """One budget: what was measured against what DESIGN.md allows."""

    bench: str
    budget_name: str
    unit: str
    op: str  # ">=" or "<="
    budget: float
    value: float | None = None
    status: str = "not available"  # PASS, FAIL, not available, error
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def judge(self, value: float) -> Row:
        """Record ``value`` and whether it is within the budget."""
        self.value = value
        ok = value >= self.budget if self.op == ">=" else value <= self.budget
        self.status = "PASS" if ok else "FAIL"
        return self


def _module(name: str) -> Any:
    """``annotator.bench.<name>``, or None when this build does not have it (or what it needs)."""
    try:
        return importlib.import_module(f"annotator.bench.{name}")
    except ModuleNotFoundError as e:
        if e.name and (e.name.startswith("annotator.") or e.name == "annotator"):
            return None
        raise


def _say(msg: str) -> None:
    click.echo(msg, err=True)


def bench_import(units: int, runs: int, workdir: Path) -> list[Row]:
    """Import + suggest sentences/s and peak memory over a sweep of corpus sizes."""
    rate = Row("import", "import + suggest", "sentences/s", ">=", 5000.0)
    memory = Row("import", "import memory (largest vs smallest corpus)", "MB", "<=", 0.0)
    mod = _module("import_")
    if mod is None or _module("synth") is None:
        note = "annotator.bench.import_ or annotator.bench.synth missing"
        rate.note = memory.note = note
        return [rate, memory]
    sizes = mod.sizes_for(units)
    _say(f"import: corpora of {', '.join(f'{n:,}' for n in sizes)} sentences …")
    result = mod.bench_import(units, workdir / "import", sizes=sizes)
    rate.budget = result["budget_sentences_per_s"]
    rate.judge(result["sentences_per_s"])
    rate.note = "median of " + ", ".join(f"{r['sentences']:,}: {r['sentences_per_s']:,.0f}/s" for r in result["runs"])
    rate.details = result
    memory.budget = result["memory_limit_mb"]
    memory.judge(result["peak_rss_mb"][-1])
    memory.note = "peak RSS " + " -> ".join(f"{m:.0f}" for m in result["peak_rss_mb"]) + " MB"
    n = min(mod.PREANNOTATED_SENTENCES, units)  # 50,000 at the default --units
    pre_rate = Row("import", f"pre-annotated import ({n:,} CoNLL sentences)", "sentences/s", ">=", 5000.0)
    pre_size = Row("import", f"pre-annotated import: database size ({n:,} sentences)", "MB", "<=",
                   mod.BUDGET_PREANNOTATED_MB * n / mod.PREANNOTATED_SENTENCES)
    _say(f"import: {n:,} pre-annotated sentences, {runs} run(s) …")
    pre = mod.bench_preannotated(workdir / "import", runs=runs, sentences=n)
    pre_rate.judge(pre["sentences_per_s"])
    pre_size.judge(pre["database_mb"])
    pre_rate.note = pre_size.note = f"median of {runs}, {pre['source']}"
    pre_rate.details = pre
    return [rate, memory, pre_rate, pre_size]


def bench_export(units: int, runs: int, workdir: Path) -> list[Row]:
    """Export records/s over a dataset of ``units`` decided units."""
    row = Row("export", "export (jsonl, streaming)", "records/s", ">=", 100_000.0)
    mod = _module("export")
    if mod is None or _module("synth") is None or _module("formats.exporting") is None:
        try:
            importlib.import_module("annotator.exporting")
        except ModuleNotFoundError:
            row.note = "annotator.bench.export or annotator.exporting missing"
            return [row]
        if mod is None:
            row.note = "annotator.bench.export missing"
            return [row]
    from annotator.store import open_store

    built = str(workdir / f"export-{units}.db")
    store = open_store(built, durable=False)
    try:
        _say(f"export: preparing {units:,} decided units in {built} …")
        t0 = time.perf_counter()
        mod.prepare(store, units)
    finally:
        store.close()
    with _served(workdir, f"export-{units}", built) as db:
        prepared = time.perf_counter() - t0
        store = open_store(db, durable=False)
        try:
            results = []
            for i in range(runs):
                _say(f"export: run {i + 1}/{runs} …")
                results.append(mod.measure(store, "jsonl"))
        finally:
            store.close()
    rates = [r["records_per_s"] for r in results]
    row.judge(statistics.median(rates))
    row.note = f"{results[0]['records']:,} records; runs {', '.join(f'{r:,.0f}' for r in rates)}"
    row.details = {"runs": results, "prepare_s": round(prepared, 1)}
    return [row]


def bench_agreement(units: int, runs: int, workdir: Path, agree_units: int = 100_000) -> list[Row]:
    """Seconds for every agreement measure over ``units`` units x 3 annotators, and for the
    report of a dataset of ``agree_units`` units x 3 read from its database."""
    row = Row("agreement", f"agreement ({units:,} units x 3)", "s", "<=", 10.0)
    mod = _module("agreement")
    if mod is None:
        row.note = "annotator.bench.agreement missing"
        return [row, *bench_dataset_agreement(min(units, agree_units), runs, workdir)]
    results = []
    for i in range(runs):
        _say(f"agreement: run {i + 1}/{runs} on {units:,} units x 3 …")
        results.append(mod.bench_agreement(units, 3))
    secs = [r["seconds"] for r in results]
    row.budget = float(results[0].get("budget_seconds", 10.0))
    row.judge(statistics.median(secs))
    row.note = "runs " + ", ".join(f"{s:.2f}" for s in secs) + f"; alpha {results[0].get('alpha_nominal', float('nan')):.3f}"
    row.details = {"runs": results}
    return [row, *bench_dataset_agreement(min(units, agree_units), runs, workdir)]


def bench_dataset_agreement(units: int, runs: int, workdir: Path) -> list[Row]:
    """`annotator agree --dataset` (read from the database) on ``units`` units x 3 and x 4
    annotators, each run in a fresh interpreter; the budget is 10 s per 1,000,000 units,
    scaled, and 1 GB (the measuring process and its largest worker together)."""
    mod = _module("agreement")
    rows: list[Row] = []
    for coders in (3, 4):
        row = Row("agreement", f"agreement from a dataset ({units:,} units x {coders})", "s", "<=",
                  10.0 * units / 1_000_000)
        mem = Row("agreement", f"agreement from a dataset, peak memory ({units:,} x {coders})", "MB", "<=", 1024.0)
        rows += [row, mem]
        if mod is None or _module("synth") is None or not hasattr(mod, "measure_dataset"):
            row.note = mem.note = "annotator.bench.agreement or .synth missing"
            continue
        _say(f"agreement: {units:,} units x {coders} annotators in a database …")
        built = mod.annotators_db(workdir / f"agree-{units}-x{coders}.db", units, coders)
        with _served(workdir, f"agree-{units}-x{coders}", built) as db:
            results = []
            for i in range(runs):
                _say(f"agreement: run {i + 1}/{runs} on {units:,} units x {coders} …")
                results.append(mod.measure_dataset(db))
        secs = [r["seconds"] for r in results]
        peaks = [r["peak_mb"] + r["worker_peak_mb"] for r in results]
        row.judge(statistics.median(secs))
        mem.judge(statistics.median(peaks))
        procs = results[0]["processes"]
        row.note = ("budget: 10 s per 1,000,000 units, scaled; runs " + ", ".join(f"{s:.2f}" for s in secs)
                    + f"; {procs} process{'es' if procs > 1 else ''}")
        mem.note = "this process + its largest worker; runs " + ", ".join(f"{p:.0f}" for p in peaks)
        row.details = {"runs": results}
    return rows


def bench_ui(units: int, runs: int, workdir: Path, presses: int = 480) -> list[Row]:
    """Key press to frame (p50, p95) and start-up to the first sentence, on ``units`` units."""
    p50 = Row("ui", f"key press to frame p50 ({units:,} units)", "ms", "<=", 17.0)
    p95 = Row("ui", f"key press to frame p95 ({units:,} units)", "ms", "<=", 33.0)
    start = Row("ui", "start-up to first sentence", "s", "<=", 0.8)
    mod = _module("ui")
    if mod is None or _module("synth") is None:
        for r in (p50, p95, start):
            r.note = "annotator.bench.ui missing"
        return [p50, p95, start]
    _say(f"ui: {presses} key presses and {runs} start-ups on {units:,} units …")
    built = mod.bench_db(units, str(workdir / f"ui-{units}.db"))
    with _served(workdir, f"ui-{units}", built) as db:
        result = mod.run_ui_bench(units=units, presses=presses, db_path=db, startup_runs=max(1, runs))
    budgets = result.get("budgets", {})
    p50.budget = float(budgets.get("p50_ms", p50.budget))
    p95.budget = float(budgets.get("p95_ms", p95.budget))
    start.budget = float(budgets.get("startup_s", start.budget))
    p50.judge(result["p50_ms"])
    p95.judge(result["p95_ms"])
    start.judge(result["startup_s"])
    p50.note = p95.note = f"{result['presses']} presses, {result.get('no_frame', 0)} without a frame"
    start.note = "median of " + ", ".join(f"{t:.2f}" for t in result.get("startup_runs_s", []))
    p50.details = result
    return [p50, p95, start]


def bench_label_while_importing(units: int, runs: int, workdir: Path, presses: int = 480) -> list[Row]:
    """Labelling while another process imports min(``units``, 500,000) sentences into the same
    file: key press to frame (p50, p95), key press to committed row (p99; p50 in its note),
    decisions lost."""
    sentences = min(units, 500_000)
    what = f"while importing {sentences:,} sentences"
    p50 = Row("label-import", f"key press to frame p50 ({what})", "ms", "<=", 17.0)
    p95 = Row("label-import", f"key press to frame p95 ({what})", "ms", "<=", 33.0)
    c99 = Row("label-import", f"key press to committed row p99 ({what})", "s", "<=", 1.0)
    lost = Row("label-import", f"decisions lost ({what})", "decisions", "<=", 0.0)
    rows = [p50, p95, c99, lost]
    mod = _module("ui")
    if mod is None or not hasattr(mod, "run_labelling_while_importing") or _module("import_") is None:
        for r in rows:
            r.note = "annotator.bench.ui (labelling while importing) missing"
        return rows
    _say(f"label-import: labelling ({presses} key presses at most) while importing {sentences:,} sentences …")
    from annotator.bench.databases import SERVER

    if SERVER is None:
        result = mod.run_labelling_while_importing(sentences, presses, workdir / "label-import")
    else:
        with _bench_db(workdir, "label-import") as db:
            result = mod.run_labelling_while_importing(sentences, presses, workdir / "label-import", database=db)
    p50.judge(result["frame_p50_ms"])
    p95.judge(result["frame_p95_ms"])
    c99.judge(result["committed_p99_s"])
    lost.judge(float(result["lost"]))
    note = (f"{result['presses']} presses ({result.get('keys_without_unit', 0)} while no unit was on screen), "
            f"{result['decisions']} decisions, {result['stored']} stored; import exit {result['import_exit']}")
    for r in rows:
        r.note = note
    c99.note = f"p50 {result['committed_p50_s']} s, max {result['committed_max_s']} s; " + note
    p50.details = result
    return rows


RUNNERS: dict[str, Callable[..., list[Row]]] = {
    "import": bench_import, "export": bench_export, "agreement": bench_agreement, "ui": bench_ui,
    "label-import": bench_label_while_importing,
}


def run_benches(names: list[str], units: int, runs: int, workdir: Path, presses: int,
                agree_units: int = 100_000) -> list[Row]:
    """Run the named benchmarks; an unexpected failure becomes an "error" row, not a crash."""
    rows: list[Row] = []
    for name in names:
        t0 = time.perf_counter()
        try:
            kwargs: dict[str, int] = {"presses": presses} if name in ("ui", "label-import") else {}
            if name == "agreement":
                kwargs["agree_units"] = agree_units
            got = RUNNERS[name](units, runs, workdir, **kwargs)
        except Exception as e:  # a benchmark that breaks is reported, and the others still run
            last = traceback.format_exception_only(type(e), e)[-1].strip()
            got = [Row(name, name, "", "", 0.0, status="error", note=last[:200])]
        for r in got:
            r.details.setdefault("elapsed_s", round(time.perf_counter() - t0, 1))
        rows.extend(got)
    return rows


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("sentences/s", "records/s"):
        return f"{value:,.0f} {unit}"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "decisions":
        return f"{value:,.0f}"
    return f"{value:.3g} {unit}" if unit == "s" else f"{value:.1f} {unit}"


def table(rows: list[Row]) -> str:
    """The results as an aligned text table."""
    head = ("budget", "measured", "allowed", "result", "notes")
    body = [
        (r.budget_name, _fmt(r.value, r.unit), f"{r.op} {_fmt(r.budget, r.unit)}" if r.op else "—", r.status, r.note)
        for r in rows
    ]
    widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(4)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(head[:4], widths)) + "  " + head[4]]
    lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    for b in body:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(b[:4], widths)) + "  " + b[4])
    return "\n".join(lines)


@click.command("bench")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--units", type=click.IntRange(min=100), default=1_000_000, show_default=True,
              help="Units for the scale benchmarks (corpus size, database size, agreement units).")
@click.option("--only", "only", multiple=True, type=click.Choice(BENCHES),
              help="Run only this benchmark (repeatable).")
@click.option("--runs", type=click.IntRange(min=1), default=3, show_default=True, help="Runs per figure (medians).")
@click.option("--presses", type=click.IntRange(min=10), default=480, show_default=True,
              help="Key presses timed by the UI benchmark.")
@click.option("--agree-units", type=click.IntRange(min=100), default=100_000, show_default=True,
              help="Units decided by three (and four) annotators for the agreement-from-a-dataset figures (at most "
                   "--units); its database takes about ten minutes per million units to build, once.")
@click.option("--workdir", type=click.Path(file_okay=False), default=None,
              help="Where benchmark corpora and databases are built and reused (default: the temp dir).")
@click.option("--db", "server", default=None, metavar="postgresql://…",
              help="Run every benchmark on this PostgreSQL server instead of SQLite files: each run "
                   "in a fresh database annotator_bench_*, dropped afterwards (the role needs CREATEDB).")
def bench(as_json: bool, units: int, only: tuple[str, ...], runs: int, presses: int, agree_units: int,
          workdir: str | None, server: str | None) -> None:
    """Measure every budget in DESIGN.md: import + suggest, export, agreement, UI latency, start-up,
    labelling while another process imports (label-import: min(--units, 500,000) sentences).

    Prints a table with each budget, the measured median and PASS/FAIL (or --json). A budget
    whose benchmark is not in this build shows "not available". Exits 1 when a budget fails.
    The first run at 1,000,000 units builds its databases (minutes); later runs reuse them.
    """
    from annotator.bench.databases import use_server
    from annotator.store.dialect import display_url, is_postgres

    if server is not None and not is_postgres(server):
        raise click.UsageError("--db names a PostgreSQL server (postgresql://…); SQLite benchmarks use --workdir")
    use_server(server)
    names = [n for n in BENCHES if not only or n in only]
    work = Path(workdir) if workdir else Path(tempfile.gettempdir()) / "annotator-bench"
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        rows = run_benches(names, units, runs, work, presses, agree_units)
    finally:
        use_server(None)  # the next caller in this process (a test) benches on SQLite again
    if as_json:
        click.echo(json.dumps({
            "units": units, "runs": runs, "seconds": round(time.perf_counter() - started, 1),
            "engine": "postgresql" if server else "sqlite",
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform()},
            "results": [asdict(r) for r in rows],
            "ok": all(r.status in ("PASS", "not available") for r in rows),
        }, indent=2, default=str))
    else:
        click.echo(table(rows))
        engine = f"PostgreSQL ({display_url(server)})" if server else "SQLite"
        click.echo(f"\n{units:,} units on {engine}, {runs} runs per figure, {os.cpu_count()} CPUs, "
                   f"{time.perf_counter() - started:.0f} s")
    if any(r.status in ("FAIL", "error") for r in rows):
        sys.exit(1)
