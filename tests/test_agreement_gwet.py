"""Gwet's AC1 and AC2 against published reference values.

Data and values: Gwet, K.L. (2014), Handbook of Inter-Rater Reliability, 4th ed., p. 120
(4 raters x 12 subjects, ``cac.raw4raters``) and p. 125 (5 observers, ``cac.raw5obser``), as
computed by Gwet's own R package irrCAC (``gwet.ac1.raw(cac.raw4raters)``: pa 0.818,
pe 0.190, AC1 0.775; ``weights = "quadratic"``: 0.975, 0.714, 0.914; ``"linear"``: 0.939,
0.571, 0.859; ``gwet.ac1.raw(cac.raw5obser)``: 0.616, 0.236, 0.497), the figures the
Python port's tests hold too (github.com/afergadis/irrCAC, test/unit/irrCAC/raw/test_gwet.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.agreement import coding as C
from annotator.agreement.reliability import Reliability
from annotator.cli import cli

RAW_4RATERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, None],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
RAW_5OBSERVERS = [
    [1, 1, 2, None, 0, 0, 1, 1, 2, 2, None, 0, 1, 3, 1],
    [1, 1, 3, 0, 0, 0, 0, None, 2, 1, 1, 0, 2, 3, 1],
    [2, 0, 3, 0, 0, 0, 2, 2, 2, 1, 0, 0, 2, 2, 1],
    [None, 1, 3, None, None, None, None, 0, None, 1, 0, 0, 2, 2, None],
    [2, None, None, 0, 0, 0, 1, None, 2, None, None, None, None, 3, 1],
]


def _check(fig: C.Figure, pa: float, pe: float, value: float) -> None:
    assert round(fig.details["observed_agreement"], 3) == pa  # type: ignore[arg-type]
    assert round(fig.details["expected_agreement"], 3) == pe  # type: ignore[arg-type]
    assert round(fig.value or 0.0, 3) == value


def test_ac1_reproduces_gwet_handbook_4_raters() -> None:
    rel = Reliability.from_matrix(RAW_4RATERS)
    _check(C.gwet_ac1(C.coincidences(rel)), 0.818, 0.190, 0.775)
    assert C.gwet_ac1(C.coincidences(rel)).value == pytest.approx(C.gwet_ac2(rel, "identity").value, abs=1e-12)


def test_ac2_reproduces_gwet_handbook_4_raters_quadratic_and_linear() -> None:
    rel = Reliability.from_matrix(RAW_4RATERS)
    _check(C.gwet_ac2(rel, "quadratic"), 0.975, 0.714, 0.914)
    _check(C.gwet_ac2(rel, "linear"), 0.939, 0.571, 0.859)


def test_ac1_reproduces_gwet_handbook_5_observers() -> None:
    _check(C.gwet_ac1(C.coincidences(Reliability.from_matrix(RAW_5OBSERVERS))), 0.616, 0.236, 0.497)


def test_ac1_is_undefined_without_variation() -> None:
    fig = C.gwet_ac1(C.coincidences(Reliability.from_matrix([["x", "x", "x"], ["x", "x", "x"]])))
    assert fig.value is None and fig.details["undefined"] == "no variation"


def test_table_command_reports_ac1_and_ac2(tmp_path: Path) -> None:
    lines = ["unit,annotator,value"]
    for k, values in enumerate(RAW_4RATERS, 1):
        lines += [f"u{i},rater{k},{'' if v is None else v}" for i, v in enumerate(values, 1)]
    path = tmp_path / "gwet.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["agree", "--table", str(path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert round(data["gwet_ac1"], 3) == 0.775
    assert round(data["gwet_ac2"]["quadratic"], 3) == 0.914 and round(data["gwet_ac2"]["linear"], 3) == 0.859
    res = CliRunner().invoke(cli, ["agree", "--table", str(path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert any("gwet_ac1" in line and "0.775" in line for line in res.output.splitlines())
    assert any("gwet_ac2 quadratic weights" in line and "0.914" in line for line in res.output.splitlines())
