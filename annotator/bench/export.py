"""Export throughput (DESIGN.md budget: >= 100,000 records/s, streaming).

:func:`prepare` fills a database with ``n`` synthetic units (``annotator.bench.synth``), each
with one accepted decision carrying the generator's spans; :func:`measure` exports it and
reports records per second. Run directly::

    .venv/bin/python -m annotator.bench.export /tmp/export-bench.db 1000000 --format jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from annotator.models import Annotation, Span
from annotator.store import Store, open_store

DATASET = "bench-export"


def prepare(store: Store, n: int, *, dataset: str = DATASET, annotator: str = "bench") -> int:
    """Make sure ``dataset`` holds ``n`` units, each with a decision; returns the unit count."""
    from annotator.bench.synth import generate, sentences

    if store.get_dataset(dataset) is None or store.count_units(dataset) < n:
        if store.get_dataset(dataset) is None:
            generate(store, n, dataset=dataset, suggest_first=0)
        expected = {text: spans for text, spans in sentences(n)}
        batch: list[Annotation] = []

        def flush() -> None:
            with store.write():
                for a in batch:
                    store.add_annotation(a)
            batch.clear()

        for unit in store.iter_units(dataset):
            spans = [Span(start=a, end=b, label=lab, layer=layer)  # type: ignore[arg-type]
                     for a, b, lab, layer in expected.get(unit.text, [])]
            batch.append(Annotation(unit_id=unit.id or 0, annotator=annotator, answer="accept", spans=spans,
                                    created=1.7e9, time_spent=2.0))
            if len(batch) >= 20000:
                flush()
        flush()
    return store.count_units(dataset)


def measure(store: Store, fmt: str = "jsonl", dest: str | None = None, *, dataset: str = DATASET) -> dict[str, Any]:
    """Export ``dataset`` once and time it."""
    from annotator.exporting import ExportOptions, export

    with tempfile.TemporaryDirectory() as tmp:
        target = dest or os.path.join(tmp, f"out.{fmt}")
        t0 = time.perf_counter()
        summary = export(store, dataset, fmt, target, ExportOptions(), force=True)
        seconds = time.perf_counter() - t0
        size = Path(target).stat().st_size if Path(target).is_file() else 0
    return {"format": fmt, "records": summary.records, "seconds": round(seconds, 3),
            "records_per_s": round(summary.records / seconds) if seconds else None, "bytes": size}


def main(argv: list[str] | None = None) -> int:
    """``python -m annotator.bench.export DB N [--format F]``: prepare and measure."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("db")
    ap.add_argument("n", type=int)
    ap.add_argument("--format", default="jsonl")
    args = ap.parse_args(argv)
    store = open_store(args.db, durable=False)
    t0 = time.perf_counter()
    units = prepare(store, args.n)
    prep = time.perf_counter() - t0
    result = measure(store, args.format)
    result.update(units=units, prepare_seconds=round(prep, 1))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
