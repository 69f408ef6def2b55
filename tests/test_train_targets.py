"""The shared-data target runner, on small CoNLL files the tests write."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import shared_data

from annotator.training_targets import TARGETS, Target, first_sentences, run_target

SENTENCES = [
    [("Alice", "B-PER"), ("Smith", "I-PER"), ("visited", "O"), ("Paris", "B-LOC"), (".", "O")],
    [("Acme", "B-ORG"), ("Corp", "I-ORG"), ("hired", "O"), ("Bob", "B-PER"), (".", "O")],
    [("German", "B-MISC"), ("officials", "O"), ("met", "O"), ("in", "O"), ("Berlin", "B-LOC"), (".", "O")],
]


def write_conll(path: Path, n: int) -> None:
    """``n`` sentences cycling through SENTENCES, two documents."""
    lines = ["-DOCSTART- -X- -X- O", ""]
    for i in range(n):
        if i == n // 2:
            lines += ["-DOCSTART- -X- -X- O", ""]
        for tok, tag in SENTENCES[i % len(SENTENCES)]:
            lines.append(f"{tok} NNP B-NP {tag}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def test_first_sentences_keeps_whole_sentences(tmp_path: Path) -> None:
    src = tmp_path / "train.txt"
    write_conll(src, 10)
    n = first_sentences(src, tmp_path / "head.txt", 4)
    text = (tmp_path / "head.txt").read_text()
    assert n == 4
    assert text.count("\n\n") >= 4 and text.count(" O\n") + text.count("-PER\n") > 0
    blocks = [b for b in text.split("\n\n") if b.strip() and not b.startswith("-DOCSTART-")]
    assert len(blocks) == 4


def test_a_target_imports_trains_and_scores_through_the_tool(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "c").mkdir(parents=True)
    write_conll(data / "c" / "train.txt", 30)
    write_conll(data / "c" / "valid.txt", 7)
    target = Target("tiny", "c/train.txt", "c/valid.txt", "conll", "conll", "entities",
                    {"entities/(all)/exact": 0.5}, max_units=24, epochs=25, patience=25,
                    hyper={"width": 32, "depth": 2, "embed_rows": 500, "learn_rate": 0.005, "batch_start": 4, "batch_stop": 4})
    log = io.StringIO()
    report = run_target(target, data, tmp_path / "work", log=log)
    assert report["n_train"] == 24 and report["n_eval"] == 7
    assert "24 units added" in log.getvalue()
    assert set(report["scores"]["entities"]) == {"PER", "ORG", "LOC", "MISC"}
    assert report["figures"]["entities/(all)/exact"] >= 0.5 and report["met"] == {"entities/(all)/exact": True}
    assert Path(report["model"], "config.cfg").exists()


def test_missing_data_is_skipped(tmp_path: Path) -> None:
    report = run_target(TARGETS["conll-1k"], tmp_path, tmp_path / "work")
    assert "skipped" in report and "missing" in report["skipped"]


@pytest.mark.shared_data
def test_the_real_corpora_are_where_the_targets_look() -> None:
    from annotator.training_targets import DEFAULT_DATA

    for target in TARGETS.values():
        shared_data(*Path(target.train).parts)
        assert (DEFAULT_DATA / target.eval).exists()
