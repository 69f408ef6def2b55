"""`annotator agree --table` and `--units`: the issue's keys, published values, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli

# Krippendorff (2011) 4 observers x 12 units (None = missing).
K2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
# Krippendorff (1995) p.57, category A only: (start, end, coder).
K1995_A = [(2, 10, "Bertha"), (14, 20, "Bertha"), (4, 8, "Bill"), (15, 17, "Bill")]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def k2011_csv(tmp_path: Path) -> Path:
    lines = ["unit,annotator,value"]
    for coder, values in K2011.items():
        lines += [f"u{i},{coder},{'' if v is None else v}" for i, v in enumerate(values, 1)]
    return write(tmp_path / "k2011.csv", "\n".join(lines) + "\n")


def test_table_json_has_the_issue_keys_and_published_values(runner: CliRunner, k2011_csv: Path) -> None:
    res = runner.invoke(cli, ["agree", "--table", str(k2011_csv), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    for key in ("percent_agreement", "fleiss_kappa", "cohen_kappa", "scott_pi", "krippendorff_alpha"):
        assert key in data
    alpha = data["krippendorff_alpha"]
    assert {k: round(v, 3) for k, v in alpha.items()} == {
        "nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    assert data["percent_agreement"] == pytest.approx(0.8)
    assert set(data["cohen_kappa"]["pairs"]) == {"A|B", "A|C", "A|D", "B|C", "B|D", "C|D"}
    pairs = data["cohen_kappa"]["pairs"]
    assert data["cohen_kappa"]["mean"] == pytest.approx(sum(pairs.values()) / 6)
    assert data["units"] == 12 and data["pairable_units"] == 11
    assert any("too few" in w for w in data["warnings"])


def test_table_human_output(runner: CliRunner, k2011_csv: Path) -> None:
    res = runner.invoke(cli, ["agree", "--table", str(k2011_csv)])
    assert res.exit_code == 0, res.output
    assert "0.743" in res.output and "0.849" in res.output and "fleiss_kappa" in res.output


def test_table_from_stdin_with_labels(runner: CliRunner) -> None:
    text = "unit,annotator,value\n" + "".join(
        f"{i},{c},{v}\n" for i, (a, b) in enumerate(
            [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b"), ("b", "b"), ("b", "b"), ("b", "c"),
             ("c", "c"), ("c", "c"), ("c", "c"), ("c", "c"), ("c", "c")]) for c, v in (("r1", a), ("r2", b)))
    res = runner.invoke(cli, ["agree", "--table", "-", "--json"], input=text)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert round(data["krippendorff_alpha"]["nominal"], 3) == 0.734  # Krippendorff 2004 p.227
    assert data["krippendorff_alpha"]["interval"] is None


@pytest.mark.parametrize("text,line,reason", [
    ("unit,coder,value\n1,a,1\n", 1, "header lacks column(s) annotator"),
    ("unit,annotator,value\n1,a,1\n1,a,2\n", 3, "already gave unit '1' a value on line 2"),
    ("unit,annotator,value\n1,a,1\n,b,2\n", 3, "empty unit"),
    ("unit,annotator,value\n1,a\n", 2, "expected 3 fields"),
    ("", 1, "empty file"),
])
def test_table_bad_input_names_file_and_line(runner: CliRunner, tmp_path: Path, text: str, line: int,
                                             reason: str) -> None:
    path = write(tmp_path / "bad.csv", text)
    res = runner.invoke(cli, ["agree", "--table", str(path)])
    assert res.exit_code == 2
    assert f"{path}:{line}: " in res.output and reason in res.output
    assert "Traceback" not in res.output


def test_units_json_reproduces_krippendorff_1995_a(runner: CliRunner, tmp_path: Path) -> None:
    s = 50000  # the paper's large stretch
    lines = ["document,annotator,label,start,end"] + [f"doc,{c},A,{b * s},{e * s}" for b, e, c in K1995_A]
    path = write(tmp_path / "u.csv", "\n".join(lines) + "\n")
    res = runner.invoke(cli, ["agree", "--units", str(path), "--continuum", f"0:{24 * s}", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert round(data["unitizing_alpha"]["overall"], 3) == 0.553
    assert round(data["unitizing_alpha"]["per_label"]["A"], 3) == 0.553
    assert data["pairwise_f1"]["exact"] == 0.0
    assert data["pairwise_f1"]["overlap"] == pytest.approx(1.0)
    assert data["continua"] == {"doc": [0, 24 * s]}


def test_units_default_continuum_is_largest_end(runner: CliRunner, tmp_path: Path) -> None:
    lines = ["document,annotator,label,start,end", "d1,a,X,0,5", "d1,b,X,0,5", "d1,b,Y,7,9",
             "d2,a,X,3,4", "d2,b,X,3,4"]
    path = write(tmp_path / "u.csv", "\n".join(lines) + "\n")
    res = runner.invoke(cli, ["agree", "--units", str(path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["continua"] == {"d1": [0, 9], "d2": [0, 4]}
    assert data["unitizing_alpha"]["per_label"]["X"] == pytest.approx(1.0)
    assert data["pairwise_f1"]["per_label"]["X"]["exact"] == pytest.approx(1.0)
    assert data["pairwise_f1"]["per_label"]["Y"]["exact"] == 0.0
    assert data["pairwise_f1"]["consensus"] is None  # two annotators: only their pairwise F1
    human = runner.invoke(cli, ["agree", "--units", str(path)])
    assert human.exit_code == 0 and "unitizing_alpha" in human.output and "vs others" not in human.output


def test_units_consensus_f1_against_half_the_others(runner: CliRunner, tmp_path: Path) -> None:
    """Three coders on one document: 0-5 (a, b) is each one's and shown to c; 0-6 (c alone)
    is c's miss and shown to a and b: tp 2, fp 3, fn 1."""
    lines = ["document,annotator,label,start,end", "d1,a,X,0,5", "d1,b,X,0,5", "d1,c,X,0,6"]
    path = write(tmp_path / "u.csv", "\n".join(lines) + "\n")
    res = runner.invoke(cli, ["agree", "--units", str(path), "--json"])
    assert res.exit_code == 0, res.output
    consensus = json.loads(res.output)["pairwise_f1"]["consensus"]
    assert consensus["exact"]["value"] == pytest.approx(0.5)
    assert (consensus["exact"]["matched_a"], consensus["exact"]["spans_a"], consensus["exact"]["spans_b"]) == (2, 3, 5)
    human = runner.invoke(cli, ["agree", "--units", str(path)])
    assert human.exit_code == 0 and "f1 vs others" in human.output and "0.500" in human.output


@pytest.mark.parametrize("rows,line,reason", [
    (["d,a,X,5,3"], 2, "need 0 <= start < end"),
    (["d,a,X,one,3"], 2, "whole numbers"),
    (["d,a,X,0,4", "d,a,X,2,6"], 3, "overlaps 0-4 (line 2)"),
    (["d,a,X,0,40"], 2, "outside the continuum 0:24"),
])
def test_units_bad_input(runner: CliRunner, tmp_path: Path, rows: list[str], line: int, reason: str) -> None:
    path = write(tmp_path / "bad.csv", "document,annotator,label,start,end\n" + "\n".join(rows) + "\n")
    res = runner.invoke(cli, ["agree", "--units", str(path), "--continuum", "0:24"])
    assert res.exit_code == 2, res.output
    assert f"{path}:{line}: " in res.output and reason in res.output


def test_exactly_one_source(runner: CliRunner, k2011_csv: Path) -> None:
    res = runner.invoke(cli, ["agree"])
    assert res.exit_code != 0 and "exactly one" in res.output
    res = runner.invoke(cli, ["agree", "--table", str(k2011_csv), "--continuum", "0:4"])
    assert res.exit_code != 0
