"""Benchmarks of agreement (DESIGN.md budget: 1,000,000 units x 3 and x 4 annotators in
<= 10 s and <= 1 GB on two cores).

- :func:`bench_agreement`: every categorical measure on synthetic reliability data (``--table``);
- :func:`annotators_db` and :func:`measure_dataset`: ``agree --dataset`` on a database of
  synthetic units each decided by 3 or 4 annotators, timed in a fresh interpreter that also
  reports its peak memory (and its worker processes').
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

BUDGET_S: float = 10.0
BUDGET_MB: float = 1024.0


def synthetic_ratings(n_units: int, n_coders: int = 3, n_values: int = 5, missing: float = 0.05,
                      agreement: float = 0.8, seed: int = 0) -> np.ndarray:
    """``data[coder][unit]``: coders copy a true value with probability ``agreement``,
    otherwise pick at random; a share ``missing`` of ratings is NaN."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, n_values + 1, n_units)
    data = np.empty((n_coders, n_units), dtype=np.float64)
    for c in range(n_coders):
        noise = rng.integers(1, n_values + 1, n_units)
        data[c] = np.where(rng.random(n_units) < agreement, truth, noise)
        data[c][rng.random(n_units) < missing] = np.nan
    return data


def bench_agreement(n_units: int = 1_000_000, n_coders: int = 3, seed: int = 0) -> dict[str, Any]:
    """Time every categorical measure on ``n_units`` x ``n_coders`` synthetic ratings."""
    from annotator.agreement.coding import all_measures
    from annotator.agreement.reliability import Reliability

    data = synthetic_ratings(n_units, n_coders, seed=seed)
    t0 = time.perf_counter()
    rel = Reliability.from_matrix(data)
    results = all_measures(rel)
    elapsed = time.perf_counter() - t0
    alpha = results["krippendorff_alpha"]  # type: ignore[index]
    return {
        "name": "agreement",
        "units": n_units,
        "coders": n_coders,
        "seconds": round(elapsed, 3),
        "budget_seconds": BUDGET_S,
        "ok": elapsed <= BUDGET_S,
        "alpha_nominal": alpha["nominal"].value,  # type: ignore[index]
        "alpha_interval": alpha["interval"].value,  # type: ignore[index]
        "fleiss_kappa": results["fleiss_kappa"].value,  # type: ignore[union-attr]
    }


DATASET = "bench-agree"


def annotators_db(path: Path, units: int, coders: int = 3) -> str:
    """A database whose dataset ``bench-agree`` holds ``units`` synthetic units, each decided by
    ``coders`` annotators who mostly agree: annotator k leaves out a unit's first span on every
    tenth unit, and with four or more the last one rejects every seventh unit (so units carry
    three or four versions). Reused when present."""
    from annotator.bench.synth import generate, sentences
    from annotator.models import Annotation, Span
    from annotator.store import open_store

    names = [f"ann{k + 1}" for k in range(coders)]
    store = open_store(path, durable=False)
    try:
        if store.get_dataset(DATASET) and len(store.annotators(DATASET)) == coders:
            return str(path)
        store.ensure_dataset(DATASET, overlap=0)
        generate(store, units, dataset=DATASET, suggest_first=0)
        truth = dict(sentences(units))
        for k, name in enumerate(names):
            with store.write():
                for u in store.iter_units(DATASET):
                    uid = u.id or 0
                    spans = [Span(start=a, end=b, label=lab, layer=layer)  # type: ignore[arg-type]
                             for a, b, lab, layer in truth.get(u.text, [])]
                    if uid % 10 == k:
                        spans = spans[1:]
                    answer = "reject" if coders >= 4 and k == coders - 1 and uid % 7 == 0 else "accept"
                    store.add_annotation(Annotation(unit_id=uid, annotator=name, answer=answer,
                                                    spans=spans if answer == "accept" else []))
    finally:
        store.close()
    return str(path)


_MEASURE = """
import json, resource, sys, time
from annotator.store import open_store
from annotator.dataset_agreement import dataset_agreement, measuring_processes
store = open_store(sys.argv[1], create=False)
n = store.count_units(sys.argv[2])
t0 = time.perf_counter()
report = dataset_agreement(store, sys.argv[2], "entities")
secs = time.perf_counter() - t0
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": secs, "peak_mb": own, "worker_peak_mb": kids, "processes": measuring_processes(n),
                  "token_alpha": report["tokens"]["alpha"]["value"], "annotators": len(report["annotators"])}))
"""


def measure_dataset(db: str, dataset: str = DATASET) -> dict[str, Any]:
    """``agree --dataset`` on ``db`` in a fresh interpreter: seconds, its peak memory and the
    largest worker's (MB), processes used, and the token alpha it found."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, db, dataset], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))
