"""Annotator quality: how competent each annotator is, per label, from the overlap alone
(Dawid and Skene 1979), and precision / recall / F1 against gold where gold exists.

Dawid–Skene models each annotator j by a confusion matrix pi[j][k][l], the chance that j
says l when the truth is k, and the items' true classes by priors p[k]. Expectation
maximisation starts from the majority vote and alternates: the posterior of each item's
class given the answers (E), then priors and confusion matrices from those posteriors (M).
An annotator's competence is their chance of being right, sum_k p[k] pi[j][k][k]; per label
k, their recall pi[j][k][k] and precision p[k] pi[j][k][k] / sum_k' p[k'] pi[j][k'][k]. The
posteriors also say how contested each item is (1 - the largest posterior).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

#: Pseudo-count added to every cell of every confusion matrix (keeps logs finite).
SMOOTHING = 0.01


@dataclass
class DawidSkene:
    """The fitted model: class priors, each annotator's confusion matrix, item posteriors."""

    classes: list[str]
    annotators: list[str]
    priors: np.ndarray  # k
    confusion: np.ndarray  # annotator, true class, given class
    posteriors: np.ndarray  # item, class
    iterations: int
    answers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # answers per annotator

    def competence(self) -> dict[str, float]:
        """Each annotator's estimated chance of giving the true class."""
        diag = np.diagonal(self.confusion, axis1=1, axis2=2)
        return {name: float(diag[j] @ self.priors) for j, name in enumerate(self.annotators)}

    def per_label(self) -> dict[str, dict[str, dict[str, float]]]:
        """Per annotator and label: estimated recall and precision."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for j, name in enumerate(self.annotators):
            conf = self.confusion[j]
            said = self.priors @ conf  # chance j says each class
            out[name] = {
                c: {"recall": float(conf[k, k]), "precision": float(self.priors[k] * conf[k, k] / said[k])
                    if said[k] > 0 else 0.0}
                for k, c in enumerate(self.classes)
            }
        return out

    def contested(self) -> np.ndarray:
        """Per item: 1 - its most likely class's posterior (0: settled, high: contested)."""
        return 1.0 - self.posteriors.max(axis=1) if len(self.posteriors) else np.zeros(0)


def dawid_skene(items: np.ndarray, coders: np.ndarray, values: np.ndarray, classes: Sequence[str],
                annotators: Sequence[str], iterations: int = 50, tol: float = 1e-5,
                prior: tuple[float, float] | None = None) -> DawidSkene:
    """Fit Dawid–Skene to answers: item ``items[i]`` was given class ``values[i]`` by
    annotator ``coders[i]`` (indices into ``classes`` and ``annotators``). ``prior``:
    (diagonal, off-diagonal) pseudo-counts added to every confusion matrix — a Dirichlet prior
    that keeps a handful of answers from making an annotator look perfect (None: none)."""
    k_n, j_n = len(classes), len(annotators)
    n_items = int(items.max()) + 1 if len(items) else 0
    # Start from the (soft) majority vote.
    post = np.zeros((n_items, k_n))
    np.add.at(post, (items, values), 1.0)
    post /= np.maximum(post.sum(axis=1, keepdims=True), 1e-12)
    priors = np.full(k_n, 1.0 / max(k_n, 1))
    conf = np.full((j_n, k_n, k_n), 1.0 / max(k_n, 1))
    done = 0
    for done in range(1, iterations + 1):
        # M: priors and confusion matrices from the posteriors.
        priors = (post.sum(axis=0) + SMOOTHING) / (n_items + SMOOTHING * k_n)
        counts = np.full((j_n, k_n, k_n), SMOOTHING)
        if prior is not None:
            counts += prior[1]
            counts[:, np.arange(k_n), np.arange(k_n)] += prior[0] - prior[1]
        for k in range(k_n):
            counts[:, k, :] += np.bincount(coders * k_n + values, weights=post[items, k],
                                           minlength=j_n * k_n).reshape(j_n, k_n)
        conf = counts / counts.sum(axis=2, keepdims=True)
        # E: posteriors of each item's class.
        log_conf = np.log(conf)
        logp = np.tile(np.log(priors), (n_items, 1))
        for k in range(k_n):
            logp[:, k] += np.bincount(items, weights=log_conf[coders, k, values], minlength=n_items)
        logp -= logp.max(axis=1, keepdims=True)
        new = np.exp(logp)
        new /= new.sum(axis=1, keepdims=True)
        change = float(np.abs(new - post).max()) if n_items else 0.0
        post = new
        if change < tol:
            break
    return DawidSkene(list(classes), list(annotators), priors, conf, post, done,
                      np.bincount(coders, minlength=j_n))


@dataclass
class GoldScore:
    """One annotator's spans against gold: per label true positives, false positives and
    false negatives (exact matches of start, end and label)."""

    units: int = 0
    counts: dict[str, list[int]] = field(default_factory=dict)  # label -> [tp, fp, fn]

    def add(self, gold: Iterable[tuple[int, int, str]], mine: Iterable[tuple[int, int, str]]) -> None:
        """Add one unit's gold spans and this annotator's."""
        g, m = set(gold), set(mine)
        self.units += 1
        for lbl in {s[2] for s in g | m}:
            gl = {s for s in g if s[2] == lbl}
            ml = {s for s in m if s[2] == lbl}
            c = self.counts.setdefault(lbl, [0, 0, 0])
            c[0] += len(gl & ml)
            c[1] += len(ml - gl)
            c[2] += len(gl - ml)

    def scores(self) -> dict[str, dict[str, float | int]]:
        """Micro precision, recall and F1, overall ("(all)") and per label."""
        out: dict[str, dict[str, float | int]] = {}
        total = [sum(c[i] for c in self.counts.values()) for i in range(3)]
        for lbl, (tp, fp, fn) in [("(all)", total), *sorted(self.counts.items())]:
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            out[lbl] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                        "tp": tp, "fp": fp, "fn": fn}
        return out
