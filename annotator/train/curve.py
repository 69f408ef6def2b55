"""The learning curve: train on 25/50/75/100 % of the data and see whether more labelling pays."""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from annotator.train.corpus import Record
from annotator.train.loop import ProgressFn, TrainOptions, TrainResult, train

FRACTIONS: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)


@dataclass
class CurvePoint:
    """The score reached with a share of the training data."""

    fraction: float
    n_train: int
    result: TrainResult

    @property
    def score(self) -> float | None:
        return self.result.main

    def as_dict(self) -> dict[str, Any]:
        """Fraction, size, main score and per-label scores."""
        return {"fraction": self.fraction, "n_train": self.n_train,
                "score": None if self.score is None else round(self.score, 4),
                "scores": self.result.scores.as_dict() if self.result.scores else None}


def learning_curve(
    train_records: Sequence[Record],
    eval_records: Sequence[Record],
    output: Path,
    options: TrainOptions | None = None,
    fractions: Sequence[float] = FRACTIONS,
    progress: ProgressFn | None = None,
    meta: dict[str, Any] | None = None,
) -> list[CurvePoint]:
    """Train once per fraction (nested random subsets, same held-out set); the last fraction's
    pipeline is saved to ``output``, the others are discarded. A time budget
    (``options.max_seconds``) is for the whole curve: each point gets a share in proportion to
    its data (so every point gets about as many epochs)."""
    options = options or TrainOptions()
    order = list(train_records)
    random.Random(options.seed).shuffle(order)
    points: list[CurvePoint] = []
    output = Path(output)
    for k, fraction in enumerate(fractions):
        n = max(1, round(len(order) * fraction))
        last = k == len(fractions) - 1
        target = output if last else output.with_name(f"{output.name}.curve-{int(fraction * 100)}")
        budget = None if options.max_seconds is None else options.max_seconds * fraction / sum(fractions)
        result = train(order[:n], eval_records, target, replace(options, max_seconds=budget), progress=progress,
                       meta={**(meta or {}), "curve_fraction": fraction})
        points.append(CurvePoint(fraction, n, result))
        if not last:
            shutil.rmtree(target, ignore_errors=True)
    return points


def curve_table(points: Sequence[CurvePoint]) -> str:
    """A plain-text table of the curve with the gain of each step."""
    lines = [f"{'data':>6} {'units':>7} {'score':>7} {'gain':>7}"]
    prev: float | None = None
    for p in points:
        s = p.score
        gain = "" if s is None or prev is None else f"{s - prev:+7.3f}"
        lines.append(f"{p.fraction:>6.0%} {p.n_train:>7d} {'-' if s is None else f'{s:7.3f}':>7} {gain:>7}")
        prev = s if s is not None else prev
    if len(points) >= 2 and points[-1].score is not None and points[-2].score is not None:
        gain = points[-1].score - points[-2].score
        verdict = ("still rising: more labelling should pay" if gain > 0.01 else
                   "flattening: more labelling pays little at this size")
        lines.append(f"Last step {gain:+.3f}: {verdict}.")
    return "\n".join(lines)
