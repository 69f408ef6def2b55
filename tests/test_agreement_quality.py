"""Annotator quality: Dawid–Skene on simulated annotators with known error rates, and
precision / recall / F1 against gold on a hand-checked example."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.agreement.quality import GoldScore, dawid_skene

CLASSES = ["O", "PERSON", "ORG", "GPE"]
ERRORS = {"ann": 0.05, "bob": 0.15, "cat": 0.30, "dan": 0.45, "eve": 0.60}  # chance of a random wrong class


def simulate(seed: int, n_items: int = 3000, per_item: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Items with a true class (skewed priors, as token labels are), each answered by
    ``per_item`` annotators drawn at random; each annotator gives a wrong class (uniform among
    the others) with their own error rate."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(len(CLASSES), n_items, p=[0.55, 0.2, 0.15, 0.1])
    names = list(ERRORS)
    items, coders, values = [], [], []
    for i in range(n_items):
        for j in rng.choice(len(names), per_item, replace=False):
            v = truth[i]
            if rng.random() < ERRORS[names[j]]:
                v = (v + rng.integers(1, len(CLASSES))) % len(CLASSES)
            items.append(i)
            coders.append(j)
            values.append(v)
    return truth, np.asarray(items), np.asarray(coders), np.asarray(values)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dawid_skene_ranks_simulated_annotators_by_their_error_rates(seed: int) -> None:
    truth, items, coders, values = simulate(seed)
    model = dawid_skene(items, coders, values, CLASSES, list(ERRORS))
    competence = model.competence()
    assert sorted(competence, key=competence.__getitem__, reverse=True) == list(ERRORS)
    for name, err in ERRORS.items():
        assert competence[name] == pytest.approx(1 - err, abs=0.05)
    # The model's classes beat the majority vote, and its contested items are the wrong ones.
    votes = np.zeros((len(truth), len(CLASSES)))
    np.add.at(votes, (items, values), 1)
    assert (model.posteriors.argmax(axis=1) == truth).mean() > (votes.argmax(axis=1) == truth).mean()
    wrong = model.posteriors.argmax(axis=1) != truth
    assert model.contested()[wrong].mean() > 3 * model.contested()[~wrong].mean()
    # Per label: the worst annotator's recall of every class is below the best one's.
    per = model.per_label()
    assert all(per["eve"][c]["recall"] < per["ann"][c]["recall"] for c in CLASSES)


def test_gold_scores_by_hand() -> None:
    """Gold PERSON 0-3, ORG 8-12; bob finds PERSON 0-3, calls 8-12 GPE and adds PERSON 14-18:
    PERSON tp 1 fp 1 fn 0 (P 0.5, R 1); ORG fn 1; GPE fp 1; overall tp 1 fp 2 fn 1:
    P 1/3, R 1/2, F1 0.4."""
    score = GoldScore()
    score.add([(0, 3, "PERSON"), (8, 12, "ORG")], [(0, 3, "PERSON"), (8, 12, "GPE"), (14, 18, "PERSON")])
    got = score.scores()
    assert got["(all)"]["precision"] == pytest.approx(1 / 3) and got["(all)"]["recall"] == 0.5
    assert got["(all)"]["f1"] == pytest.approx(0.4)
    assert got["PERSON"]["precision"] == 0.5 and got["PERSON"]["recall"] == 1.0
    assert got["ORG"]["recall"] == 0.0 and got["GPE"]["fp"] == 1
