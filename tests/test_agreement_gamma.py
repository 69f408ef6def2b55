"""Mathet et al.'s gamma through the optional extra pygamma-agreement: a clean message when it
is absent; with it, pygamma's own published example (Alex, Paul and Suzan: the continuum of
the gamma paper's figures, tests/data/AlexPaulSuzan.csv and tests/test_gammas.py in
github.com/bootphon/pygamma-agreement: 6 unitary alignments, best disorder 0.96, gamma
0.44-0.47, gamma_cat 0.38-0.42, gamma_k 1 and 1 for categories 1 and 5, 0.37 for 6, <= 0 for
the rest; shuffle sampler, seed 4772, precision 0.05)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.agreement import gamma as gamma_module
from annotator.agreement.unitizing import Segment
from annotator.cli import cli

ALEX_PAUL_SUZAN = [
    ("Alex", "1", 2, 9), ("Alex", "2", 11, 17), ("Alex", "5", 24, 30), ("Alex", "6", 32, 36),
    ("Alex", "6", 36, 44), ("Alex", "7", 44, 60),
    ("Paul", "1", 2, 9), ("Paul", "3", 11, 17), ("Paul", "5", 19, 25), ("Paul", "6", 32, 44),
    ("Suzan", "1", 2, 9), ("Suzan", "4", 11, 17), ("Suzan", "5", 21, 27), ("Suzan", "6", 32, 36),
    ("Suzan", "6", 36, 40), ("Suzan", "6", 40, 44),
]


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "aps.csv"
    path.write_text("document,annotator,label,start,end\n"
                    + "".join(f"d,{c},{lbl},{a},{b}\n" for c, lbl, a, b in ALEX_PAUL_SUZAN), encoding="utf-8")
    return path


def test_without_the_extra_gamma_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gamma_module, "gamma_available", lambda: False)
    res = CliRunner().invoke(cli, ["agree", "--units", str(_csv(tmp_path)), "--gamma"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.strip() == f"Error: {gamma_module.MISSING}"
    assert "pip install 'annotator[gamma]'" in gamma_module.MISSING
    with pytest.raises(gamma_module.GammaUnavailable):
        gamma_module.span_gamma([Segment("d", "a", "X", 0, 1)])
    res = CliRunner().invoke(cli, ["agree", "--units", str(_csv(tmp_path)), "--json"])
    assert res.exit_code == 0 and "gamma" not in json.loads(res.output)  # only when asked


@pytest.mark.slow
def test_gamma_reproduces_pygamma_published_example(tmp_path: Path) -> None:
    pytest.importorskip("pygamma_agreement", reason="the optional extra annotator[gamma] is not installed")
    segs = [Segment("d", c, lbl, a, b) for c, lbl, a, b in ALEX_PAUL_SUZAN]
    got = gamma_module.span_gamma(segs, sampler="shuffle", seed=4772, precision_level=0.05)
    assert got["unitary_alignments"] == 6
    assert got["observed_disorder"] == pytest.approx(0.96, rel=0.01)
    assert 0.44 <= got["gamma"] <= 0.47
    assert 0.38 <= got["gamma_cat"] <= 0.42
    for category, want in {"1": 1.0, "5": 1.0, "6": 0.37}.items():
        assert want - 0.01 <= got["per_label"][category] <= want + 0.01
    assert all(got["per_label"][c] <= 0 for c in ("2", "3", "4", "7"))
