"""Benchmark: agreement over N units x 3 annotators (DESIGN.md budget: 1,000,000 in <= 10 s)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

BUDGET_S: float = 10.0


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
