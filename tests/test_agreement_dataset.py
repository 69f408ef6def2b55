"""`annotator dataset set/list` and `annotator agree --dataset` on a real database file."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from annotator.agreement.coding import krippendorff_alpha
from annotator.agreement.reliability import Reliability
from annotator.cli import cli
from annotator.models import Annotation, Document, Span, Unit
from annotator.store import Store

TEXT = "Kim Jong Un met Moon Jae-in in Seoul. The talks ended on Friday."


def seed(store: Store) -> list[int]:
    """One document, two sentences, three annotators who partly disagree."""
    ds = store.ensure_dataset("news")
    s1 = "Kim Jong Un met Moon Jae-in in Seoul."
    s2 = "The talks ended on Friday."
    units = [Unit(text=s1, start=0, end=len(s1), position=0),
             Unit(text=s2, start=len(s1) + 1, end=len(TEXT), position=1)]
    store.insert_document(ds, Document(text=TEXT, title="summit", external_id="summit-1"), units)
    u1, u2 = [u.id for u in store.iter_units("news")]
    per = Span(start=0, end=11, label="PERSON")
    moon = Span(start=16, end=27, label="PERSON")
    seoul = Span(start=31, end=36, label="GPE")
    seoul_org = Span(start=31, end=36, label="ORG")
    friday = Span(start=19, end=25, label="DATE")
    for name, spans1, spans2 in (
        ("ann", [per, moon, seoul], [friday]),
        ("bob", [per, moon, seoul_org], [friday]),
        ("cat", [per, seoul], []),
    ):
        store.add_annotation(Annotation(unit_id=u1, annotator=name, answer="accept", spans=spans1))
        store.add_annotation(Annotation(unit_id=u2, annotator=name, answer="accept", spans=spans2))
    return [u1, u2]


def test_dataset_set_overlap_and_list(runner: CliRunner, store: Store, db: str) -> None:
    seed(store)
    res = runner.invoke(cli, ["dataset", "set", "news", "--overlap", "3", "--db", db])
    assert res.exit_code == 0, res.output
    assert store.require_dataset("news").overlap == 3
    res = runner.invoke(cli, ["dataset", "list", "--db", db, "--json"])
    data = json.loads(res.output)
    assert data == [{"name": "news", "scheme": "news", "overlap": 3, "units": 2,
                     "annotators": ["ann", "bob", "cat"]}]
    res = runner.invoke(cli, ["dataset", "set", "nope", "--overlap", "2", "--db", db])
    assert res.exit_code != 0 and "no dataset 'nope'" in res.output
    res = runner.invoke(cli, ["dataset", "set", "news", "--overlap", "-1", "--db", db])
    assert res.exit_code != 0 and store.require_dataset("news").overlap == 3


def test_agree_dataset_json_matches_hand_computed_token_alpha(runner: CliRunner, store: Store,
                                                               db: str) -> None:
    seed(store)
    res = runner.invoke(cli, ["agree", "--dataset", "news", "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["annotators"] == ["ann", "bob", "cat"]
    assert data["units_shared"] == 2
    # Tokens: Kim Jong Un met Moon Jae-in in Seoul . | The talks ended on Friday .
    s1 = {"ann": ["PERSON"] * 3 + ["O"] + ["PERSON"] * 2 + ["O", "GPE", "O"],
          "bob": ["PERSON"] * 3 + ["O"] + ["PERSON"] * 2 + ["O", "ORG", "O"],
          "cat": ["PERSON"] * 3 + ["O"] + ["O"] * 2 + ["O", "GPE", "O"]}
    s2 = {"ann": ["O"] * 4 + ["DATE", "O"], "bob": ["O"] * 4 + ["DATE", "O"], "cat": ["O"] * 6}
    table = [s1[c] + s2[c] for c in ("ann", "bob", "cat")]
    expected = krippendorff_alpha(Reliability.from_matrix(table)).value
    assert data["tokens"]["alpha"]["value"] == pytest.approx(expected, abs=1e-6)
    assert data["tokens"]["alpha"]["n_units"] == 15
    assert data["tokens"]["per_document"]["summit-1"]["value"] == pytest.approx(expected, abs=1e-6)
    assert set(data["tokens"]["per_label"]) == {"PERSON", "GPE", "ORG", "DATE"}
    # ann and bob differ only on Seoul's label: exact F1 = 2*3/(4+4)
    assert data["spans"]["pairs"]["ann|bob"]["exact"]["value"] == pytest.approx(0.75)
    # Each against the spans at least half of the two others marked (one of them), by hand:
    # Kim (all three) tp 3; Moon (ann, bob) tp 2, cat shown it fp 1; Seoul GPE (ann, cat) tp 2,
    # fp 1; Seoul ORG (bob alone) fn 1, fp 2; Friday (ann, bob) tp 2, fp 1.
    consensus = data["spans"]["consensus"]
    assert consensus["exact"]["value"] == pytest.approx(18 / 24)  # tp 9, fp 5, fn 1
    assert consensus["exact"]["n_units"] == 2
    assert consensus["per_label"]["PERSON"]["value"] == pytest.approx(10 / 11)
    assert consensus["per_label"]["ORG"]["value"] == 0.0
    assert consensus["per_label"]["DATE"]["value"] == pytest.approx(0.8)
    assert data["unitizing"]["overall"]["value"] is not None
    assert "ann|bob" in data["unitizing"]["pairs"]
    assert data["answers"]["percent_agreement"]["value"] == pytest.approx(1.0)
    assert any("too few" in w for w in data["warnings"])


def test_agree_dataset_terminal_and_markdown(runner: CliRunner, store: Store, db: str) -> None:
    seed(store)
    res = runner.invoke(cli, ["agree", "--dataset", "news", "--db", db])
    assert res.exit_code == 0, res.output
    assert "Heatmap" in res.output and "Per label" in res.output and "PERSON" in res.output
    md = runner.invoke(cli, ["agree", "--dataset", "news", "--db", db, "--markdown"])
    assert md.exit_code == 0
    assert "### Per label" in md.output and "| PERSON |" in md.output
    assert "| ann / bob |" in md.output
    assert "| span F1 exact, each against half the others | 0.750 | 2 | units |" in md.output
    assert "| PERSON | " in md.output and re.search(r"\| PERSON \|.*\| 0\.909 \| [^|]+ \|\n", md.output)


def test_agree_dataset_two_annotators_have_no_consensus_figure(runner: CliRunner, store: Store, db: str) -> None:
    """With two annotators per unit (the usual overlap) there is no consensus of others: no
    figure, no row, no column and no warning about it."""
    ds = store.ensure_dataset("pair")
    store.insert_document(ds, Document(text="Kim met Moon."), [Unit(text="Kim met Moon.", start=0, end=13, position=0)])
    unit = next(iter(store.iter_units("pair"))).id or 0
    for name in ("ann", "bob"):
        store.add_annotation(Annotation(unit_id=unit, annotator=name, answer="accept",
                                        spans=[Span(start=0, end=3, label="PERSON")]))
    data = json.loads(runner.invoke(cli, ["agree", "--dataset", "pair", "--db", db, "--json"]).output)
    assert data["spans"]["consensus"] is None and data["spans"]["exact"] == 1.0
    assert not any("consensus" in w for w in data["warnings"])
    md = runner.invoke(cli, ["agree", "--dataset", "pair", "--db", db, "--markdown"]).output
    assert "| PERSON |" in md and "half the others" not in md and "vs others" not in md


def test_agree_dataset_claims_layer_with_no_spans(runner: CliRunner, store: Store, db: str) -> None:
    seed(store)
    res = runner.invoke(cli, ["agree", "--dataset", "news", "--layer", "claims", "--db", db, "--json"])
    data = json.loads(res.output)
    assert data["layer"] == "claims"
    assert data["tokens"]["per_label"] == {}
    # every token O for everyone: no variation, so alpha is undefined (issue 16.9), not 1.0
    assert data["tokens"]["alpha"]["value"] is None and data["tokens"]["alpha"]["undefined"] == "no variation"


def test_agree_unknown_dataset(runner: CliRunner, store: Store, db: str) -> None:
    seed(store)
    res = runner.invoke(cli, ["agree", "--dataset", "nope", "--db", db])
    assert res.exit_code == 1 and "no dataset 'nope'" in res.output
