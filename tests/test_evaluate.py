"""`annotator evaluate`: P/R/F1 per label, exact and token-overlap, on gold files we write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import cli
from annotator.models import Span, Unit
from annotator.suggest.evaluation import Report

from conftest import dump_db, shared_data

CONLL = """-DOCSTART- -X- -X- O

Vladimir NNP B-NP B-PER
Putin NNP I-NP I-PER
visited VBD B-VP O
Moscow NNP B-NP B-LOC
. . O O

Acme NNP B-NP B-ORG
said VBD B-VP O
so RB O O
. . O O
"""


def _brat(root: Path) -> Path:
    text = "The minister said that taxes will rise next year. Nothing else happened here today."
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    (root / "text" / "doc1.txt").write_text(text, encoding="utf-8")
    spans = [("Source", "The minister"), ("Cue", "said"), ("Content", "that taxes will rise next year")]
    lines = [f"T{k}\t{label} {text.index(s)} {text.index(s) + len(s)}\t{s}" for k, (label, s) in enumerate(spans, 1)]
    (root / "attributions" / "doc1_a1.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_evaluate_conll_json(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gold = tmp_path / "g.conll"
    gold.write_text(CONLL, encoding="utf-8")
    r = runner.invoke(cli, ["evaluate", str(gold), "--json", "--db", str(tmp_path / "untouched.db")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert rep["labels"] == ["LOC", "ORG", "PER"]
    assert rep["exact"]["PER"]["tp"] == 1 and rep["exact"]["LOC"]["tp"] == 1
    assert rep["exact"]["ORG"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 1}
    assert rep["exact"]["overall"]["f1"] == 0.8
    assert rep["units"] == 2 and rep["units_right"] == 1
    assert not (tmp_path / "untouched.db").exists()


def test_evaluate_brat_claims_table(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = _brat(tmp_path / "brat")
    r = runner.invoke(cli, ["evaluate", str(root), "--format", "brat"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    lines = {line.split()[0]: line.split() for line in r.output.splitlines() if line.strip()}
    for label in ("CLAIM", "CUE", "SOURCE"):
        assert lines[label][1:4] == ["1.000", "1.000", "1.000"], r.output
    assert "units entirely right: 2/2" in r.output


def test_evaluate_a_dataset_in_the_database(runner, tmp_path: Path, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    gold = tmp_path / "g.conll"
    gold.write_text(CONLL, encoding="utf-8")
    r = runner.invoke(cli, ["import", str(gold), "--format", "conll", "--scheme", "conll", "--db", str(db_path), "--dataset", "ner"])
    assert r.exit_code == 0, r.output
    before = dump_db(db_path)
    r = runner.invoke(cli, ["evaluate", "--dataset", "ner", "--db", str(db_path), "--json", "--labels", "PER,ORG"],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert rep["labels"] == ["PER", "ORG"] and rep["exact"]["overall"]["tp"] == 1 and rep["exact"]["overall"]["fn"] == 1
    assert dump_db(db_path) == before


def test_evaluate_errors_are_one_line(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = runner.invoke(cli, ["evaluate", str(tmp_path / "missing.conll")])
    assert r.exit_code != 0 and "no such file" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["evaluate"])
    assert r.exit_code != 0 and "GOLD" in r.output


def test_report_token_overlap_and_units_right() -> None:
    unit = Unit(text="Seoul said that North Korea sent troops")
    rep = Report(labels=("CLAIM", "GPE"))
    gold = [Span(start=11, end=39, label="CLAIM", layer="claims"), Span(start=0, end=5, label="GPE")]
    pred = [Span(start=16, end=39, label="CLAIM", layer="claims"), Span(start=0, end=5, label="GPE"),
            Span(start=6, end=10, label="CUE", layer="claims")]  # CUE is not evaluated
    rep.add_unit(unit, pred, gold)
    assert rep.exact["CLAIM"].tp == 0 and rep.exact["CLAIM"].fp == 1 and rep.exact["CLAIM"].fn == 1
    # gold CLAIM covers 5 tokens (that North Korea sent troops), prediction 4 of them
    o = rep.overlap["CLAIM"]
    assert (o.tp, o.fp, o.fn) == (4, 0, 1)
    assert round(o.f1, 4) == round(2 * 1 * 0.8 / 1.8, 4)
    assert rep.units_right == 0
    rep.add_unit(unit, pred[1:], gold[1:])
    assert rep.units_right == 1 and rep.units == 2


@pytest.mark.shared_data
def test_evaluate_real_conll_meets_the_target(runner) -> None:  # type: ignore[no-untyped-def]
    gold = shared_data("conll2003", "valid.txt")
    r = runner.invoke(cli, ["evaluate", str(gold), "--json", "--labels", "PER,ORG,LOC"], catch_exceptions=False)
    rep = json.loads(r.output)
    assert rep["exact"]["overall"]["f1"] >= 0.50


@pytest.mark.shared_data
def test_evaluate_real_polnear_dev_meets_the_targets(runner) -> None:  # type: ignore[no-untyped-def]
    gold = shared_data("polnear", "dev")
    r = runner.invoke(cli, ["evaluate", str(gold), "--json"], catch_exceptions=False)
    rep = json.loads(r.output)
    assert rep["exact"]["CUE"]["f1"] >= 0.60
    assert rep["token_overlap"]["CLAIM"]["f1"] >= 0.55
