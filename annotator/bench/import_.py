"""Import + suggest throughput and peak memory over corpus sizes (DESIGN.md budget:
>= 5,000 sentences/s, memory flat in corpus size).

A corpus of news-like articles (JSONL, one article of ``SENTENCES_PER_ARTICLE`` synthetic
sentences per line) is written once per size and imported by ``annotator.pipeline`` exactly as
``annotator import`` does it: read, clean, split into sentences, run the rule suggesters, store.
Each import runs in a fresh interpreter so its peak resident memory (``ru_maxrss``) is its own.
Run directly::

    .venv/bin/python -m annotator.bench.import_ 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BUDGET_SENTENCES_PER_S = 5000.0
#: Peak memory of the largest import may exceed the smallest's by this factor (plus a fixed slack).
MEMORY_GROWTH_LIMIT = 1.5
MEMORY_SLACK_MB = 64.0
SENTENCES_PER_ARTICLE = 20


def corpus(sentences: int, directory: str | Path, seed: int = 0) -> Path:
    """A JSONL corpus of about ``sentences`` sentences under ``directory`` (reused when present)."""
    from annotator.bench.synth import sentences as synth_sentences

    target = Path(directory) / f"corpus-{sentences}-{seed}.jsonl"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    with open(partial, "w", encoding="utf-8") as out:
        batch: list[str] = []
        article = 0
        for text, _ in synth_sentences(sentences, seed):
            batch.append(text)
            if len(batch) == SENTENCES_PER_ARTICLE:
                out.write(dumps({"title": f"Report {article}", "text": " ".join(batch)}) + "\n")
                article += 1
                batch = []
        if batch:
            out.write(dumps({"title": f"Report {article}", "text": " ".join(batch)}) + "\n")
    os.replace(partial, target)
    return target


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024.0 if sys.platform != "darwin" else rss / (1024.0 * 1024.0)


def import_once(corpus_path: str, db_path: str, suggest: bool = True) -> dict[str, Any]:
    """Import ``corpus_path`` into a new database at ``db_path`` and time it (in this process)."""
    from annotator.ingest.base import ReadOptions, Source
    from annotator.pipeline import SourcePlan, import_sources, load_readers
    from annotator.schemes import load_scheme
    from annotator.store import open_store

    for suffix in ("", "-wal", "-shm"):
        Path(db_path + suffix).unlink(missing_ok=True)
    load_readers()
    suggesters: list[Any] = []
    if suggest:
        from annotator.suggest import build_suggesters
        from annotator.suggest.lexicon import places

        suggesters = list(build_suggesters(load_scheme("news")))
        places()  # loaded once per process, like the first import of a session
    rss_before = peak_rss_mb()
    store = open_store(db_path)
    ds = store.ensure_dataset("bench-import")
    t0 = time.perf_counter()
    summary = import_sources(store, [SourcePlan(Source(Path(corpus_path)), "jsonl")], ds,
                             options=ReadOptions(), suggesters=suggesters)
    seconds = time.perf_counter() - t0
    store.close()
    return {
        "sentences": summary.units, "documents": summary.documents, "seconds": round(seconds, 3),
        "sentences_per_s": round(summary.units / seconds, 1) if seconds else 0.0,
        "peak_rss_mb": round(peak_rss_mb(), 1), "rss_before_import_mb": round(rss_before, 1),
    }


def measure(sentences: int, workdir: str | Path, suggest: bool = True) -> dict[str, Any]:
    """Import a corpus of ``sentences`` sentences in a fresh interpreter; its numbers."""
    path = corpus(sentences, workdir)
    db = str(Path(workdir) / f"import-{sentences}.db")
    out = subprocess.run(
        [sys.executable, "-m", "annotator.bench.import_", "--child", str(path), db]
        + ([] if suggest else ["--no-suggest"]),
        capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"import of {sentences} sentences failed: {out.stderr.strip().splitlines()[-1:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for suffix in ("", "-wal", "-shm"):
        Path(db + suffix).unlink(missing_ok=True)
    return result


def sizes_for(units: int) -> list[int]:
    """Corpus sizes for a sweep that ends at ``units``: a hundredth, a tenth and all of it."""
    out = sorted({max(1000, units // 100), max(1000, units // 10), max(1000, units)})
    return out


def bench_import(units: int = 1_000_000, workdir: str | Path | None = None, suggest: bool = True,
                 sizes: list[int] | None = None) -> dict[str, Any]:
    """Import corpora of growing size; sentences/s (median over the sweep) and peak memory growth."""
    workdir = Path(workdir) if workdir else Path(tempfile.gettempdir()) / "annotator-bench"
    runs = [measure(n, workdir, suggest) for n in (sizes or sizes_for(units))]
    rates = [r["sentences_per_s"] for r in runs]
    smallest, largest = runs[0], runs[-1]
    limit = smallest["peak_rss_mb"] * MEMORY_GROWTH_LIMIT + MEMORY_SLACK_MB
    return {
        "name": "import",
        "runs": runs,
        "sentences_per_s": round(statistics.median(rates), 1),
        "budget_sentences_per_s": BUDGET_SENTENCES_PER_S,
        "peak_rss_mb": [r["peak_rss_mb"] for r in runs],
        "memory_limit_mb": round(limit, 1),
        "memory_flat": largest["peak_rss_mb"] <= limit,
        "ok": statistics.median(rates) >= BUDGET_SENTENCES_PER_S and largest["peak_rss_mb"] <= limit,
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m annotator.bench.import_ N [N ...]``: the sweep as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--child", nargs=2, metavar=("CORPUS", "DB"), help=argparse.SUPPRESS)
    ap.add_argument("--no-suggest", action="store_true")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(import_once(args.child[0], args.child[1], suggest=not args.no_suggest)))
        return 0
    result = bench_import(max(args.sizes), args.workdir, not args.no_suggest, sorted(args.sizes))
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
