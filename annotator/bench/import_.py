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
from collections.abc import Iterator
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


def import_once(corpus_path: str, db_path: str, suggest: bool = True, fmt: str = "jsonl") -> dict[str, Any]:
    """Import ``corpus_path`` into a new database at ``db_path`` and time it (in this process)."""
    from annotator.ingest.base import ReadOptions, Source
    from annotator.pipeline import SourcePlan, import_sources, load_readers
    from annotator.schemes import load_scheme
    from annotator.bench.databases import database_mb, remove
    from annotator.store import open_store

    remove(db_path)
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
    t0, cpu0 = time.perf_counter(), time.process_time()
    summary = import_sources(store, [SourcePlan(Source(Path(corpus_path)), fmt)], ds,
                             options=ReadOptions(), suggesters=suggesters)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    store.close()
    # closing the last connection folds the WAL into the file: the size is the database's own
    return {
        "database_mb": round(database_mb(db_path), 1),
        "sentences": summary.units, "documents": summary.documents, "seconds": round(seconds, 3),
        "sentences_per_s": round(summary.units / seconds, 1) if seconds else 0.0,
        # the importing process's own CPU time (its suggesting workers run beside it): on a
        # shared machine, what it would take alone
        "main_cpu_s": round(cpu, 3), "sentences_per_main_cpu_s": round(summary.units / cpu, 1) if cpu else 0.0,
        "peak_rss_mb": round(peak_rss_mb(), 1), "rss_before_import_mb": round(rss_before, 1),
    }


def measure(sentences: int, workdir: str | Path, suggest: bool = True) -> dict[str, Any]:
    """Import a corpus of ``sentences`` sentences in a fresh interpreter; its numbers."""
    from annotator.bench.databases import bench_database, remove

    path = corpus(sentences, workdir)
    with bench_database(Path(workdir), f"import-{sentences}") as db:
        out = subprocess.run(
            [sys.executable, "-m", "annotator.bench.import_", "--child", str(path), db]
            + ([] if suggest else ["--no-suggest"]),
            capture_output=True, text=True, check=False,
        )
        remove(db)
    if out.returncode != 0:
        raise RuntimeError(f"import of {sentences} sentences failed: {out.stderr.strip().splitlines()[-1:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


PREANNOTATED_SENTENCES = 50_000
BUDGET_PREANNOTATED_MB = 80.0
#: ../shared/data beside the checkout (or beside the directory of worktrees holding it)
CONLL_TRAIN = next((p for p in (Path(__file__).resolve().parents[k] / "shared" / "data" / "conll2003" / "train.txt"
                                for k in (3, 4)) if p.exists()),
                   Path(__file__).resolve().parents[3] / "shared" / "data" / "conll2003" / "train.txt")


def _conll_sentences(path: Path) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """(text, [(start, end, label)]) of each sentence of a CoNLL-2003 file (IOB tags)."""
    words: list[tuple[str, str]] = []

    def flush() -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
        if not words or words[0][0] == "-DOCSTART-":
            return
        text, spans, pos, open_ = "", [], 0, None
        for w, tag in words:
            start = len(text) + (1 if text else 0)
            text = f"{text} {w}" if text else w
            end = len(text)
            if tag.startswith("B-") or (tag.startswith("I-") and (open_ is None or open_[2] != tag[2:])):
                if open_:
                    spans.append(tuple(open_))
                open_ = [start, end, tag[2:]]
            elif tag.startswith("I-") and open_:
                open_[1] = end
            else:
                if open_:
                    spans.append(tuple(open_))
                open_ = None
            pos += 1
        if open_:
            spans.append(tuple(open_))
        yield text, spans

    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                yield from flush()
                words = []
            else:
                words.append((parts[0], parts[-1]))
    yield from flush()


def preannotated_corpus(directory: str | Path, sentences: int = PREANNOTATED_SENTENCES) -> tuple[Path, str]:
    """``sentences`` pre-annotated sentences as doccano JSONL: CoNLL-2003 train sentences
    (repeated as needed; a repeat gets `` [n]`` after its text so it is a document of its
    own, as in a tool that does not deduplicate) when ../shared/data has them, generated
    otherwise. Never kept in the repository. Returns the file and where it came from."""
    source = "CoNLL-2003 train" if CONLL_TRAIN.exists() else "generated"
    target = Path(directory) / f"preannotated-{sentences}-{source.split()[0].lower()}.jsonl"
    if target.exists():
        return target, source
    target.parent.mkdir(parents=True, exist_ok=True)
    if CONLL_TRAIN.exists():
        base = [(t, sp) for t, sp in _conll_sentences(CONLL_TRAIN)]
    else:
        from annotator.bench.synth import sentences as synth_sentences

        base = [(t, [(a, b, lab) for a, b, lab, layer in sp if layer == "entities"])
                for t, sp in synth_sentences(min(sentences, 14_000))]
    partial = target.with_name(target.name + ".partial")
    with open(partial, "w", encoding="utf-8") as out:
        for k in range(sentences):
            text, spans = base[k % len(base)]
            rnd = k // len(base)
            out.write(json.dumps({"text": f"{text} [{rnd}]" if rnd else text,
                                  "label": [list(s) for s in spans]}, ensure_ascii=False) + "\n")
    os.replace(partial, target)
    return target, source


def bench_preannotated(workdir: str | Path, runs: int = 3, sentences: int = PREANNOTATED_SENTENCES
                       ) -> dict[str, Any]:
    """Import the pre-annotated corpus (decisions and suggestions) ``runs`` times, each into a
    new database in a fresh interpreter: median sentences/s and database MB."""
    from annotator.bench.databases import bench_database, remove

    path, source = preannotated_corpus(workdir, sentences)
    results = []
    for k in range(runs):
        with bench_database(Path(workdir), f"preannotated-{k}") as db:
            out = subprocess.run([sys.executable, "-m", "annotator.bench.import_", "--child", str(path), db,
                                  "--format", "doccano"], capture_output=True, text=True, check=False)
            remove(db)
        if out.returncode != 0:
            raise RuntimeError(f"pre-annotated import failed: {out.stderr.strip().splitlines()[-1:]}")
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    rate = statistics.median(r["sentences_per_s"] for r in results)
    mb = statistics.median(r["database_mb"] for r in results)
    return {"source": source, "runs": results, "sentences_per_s": rate, "database_mb": mb,
            "ok": rate >= BUDGET_SENTENCES_PER_S and mb <= BUDGET_PREANNOTATED_MB}


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
    ap.add_argument("--format", default="jsonl", help=argparse.SUPPRESS)
    ap.add_argument("--preannotated", action="store_true", help="the pre-annotated CoNLL corpus instead")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(import_once(args.child[0], args.child[1], suggest=not args.no_suggest, fmt=args.format)))
        return 0
    if args.preannotated:
        workdir = Path(args.workdir) if args.workdir else Path(tempfile.gettempdir()) / "annotator-bench"
        pre = bench_preannotated(workdir)
        print(json.dumps(pre, indent=2))
        return 0 if pre["ok"] else 1
    result = bench_import(max(args.sizes), args.workdir, not args.no_suggest, sorted(args.sizes))
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
