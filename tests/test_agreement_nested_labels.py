"""Issue 16 point 9: per-label token alpha on nested claim spans, and alpha where nothing
varies. Small hand-written data; every number below is worked out by hand in the docstring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.models import Annotation, Document, Span, Unit
from annotator.store import Store, open_store

S1 = "He said that taxes rise."  # tokens He|said|that|taxes|rise|.
S2 = "Taxes rise, she said."  # tokens Taxes|rise|,|she|said|.


def claims(*spans: tuple[int, int, str]) -> list[Span]:
    return [Span(start=a, end=b, label=lab, layer="claims") for a, b, lab in spans]


def seed(store: Store) -> None:
    """Two units, two annotators who accept both.

    Unit 1: both mark CLAIM 0-24 and CUE "said that" (3-12); bob also marks a SOURCE
    "said" (3-7) inside his CUE. Taking the shortest span per token, bob's "said" is SOURCE,
    not CUE: the CUE they agree on would look like a disagreement.
    Unit 2: ann's CUE is "said" (16-20), bob's "she said" (12-20).

    CUE as a binary layer over the 12 tokens x 2 annotators: ones are ann 3 (said, that,
    said), bob 4 (said, that, she, said): n_1 = 7, n_0 = 17, n = 24; one token ("she") is
    split, giving 2 unequal ordered pairs. alpha = 1 - (n - 1) * 2 / (n^2 - 17^2 - 7^2)
    = 1 - 46 / 238 = 0.806723."""
    ds = store.ensure_dataset("talk")
    text = f"{S1} {S2}"
    store.insert_document(ds, Document(text=text, title="talk", external_id="talk-1"), [
        Unit(text=S1, start=0, end=len(S1), position=0),
        Unit(text=S2, start=len(S1) + 1, end=len(text), position=1)])
    u1, u2 = [u.id or 0 for u in store.iter_units("talk")]
    versions = {
        "ann": (claims((0, 24, "CLAIM"), (3, 12, "CUE")), claims((16, 20, "CUE"))),
        "bob": (claims((0, 24, "CLAIM"), (3, 12, "CUE"), (3, 7, "SOURCE")), claims((12, 20, "CUE"))),
    }
    for name, (one, two) in versions.items():
        store.add_annotation(Annotation(unit_id=u1, annotator=name, answer="accept", spans=one))
        store.add_annotation(Annotation(unit_id=u2, annotator=name, answer="accept", spans=two))


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "talk.db"
    store = open_store(path)
    seed(store)
    store.close()
    return path


def agree_json(db: Path, *args: str) -> dict:  # type: ignore[type-arg]
    res = CliRunner().invoke(cli, ["agree", "--dataset", "talk", "--db", str(db), "--layer", "claims", "--json",
                                   *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)  # type: ignore[no-any-return]


def test_per_label_token_alpha_treats_each_label_as_its_own_layer(db: Path) -> None:
    whole = agree_json(db)
    cue = whole["tokens"]["per_label"]["CUE"]
    assert cue["value"] == pytest.approx(1 - 46 / 238, abs=1e-6) == pytest.approx(0.806723, abs=1e-6)
    assert cue["n_units"] == 12 and cue["n_values"] == 24
    # Gwet's AC1 of the CUE layer: p_a = 11/12 tokens alike; pi_1 = 7/24, so
    # p_e = 2 * (7/24) * (17/24) / (2 - 1) = 238/576; AC1 = (11/12 - 238/576) / (1 - 238/576).
    ac1 = whole["tokens"]["gwet_ac1_per_label"]["CUE"]
    assert ac1["value"] == pytest.approx((11 / 12 - 238 / 576) / (1 - 238 / 576), abs=1e-6)
    only = agree_json(db, "--labels", "CUE")
    assert only["tokens"]["alpha"]["value"] == cue["value"]  # the same figure as --labels CUE
    # SOURCE: bob alone marks "said" in unit 1: ones 0 + 1, n = 24, one split token:
    # 1 - 23 * 2 / (576 - 23^2 - 1) = 1 - 46 / 46 = 0.
    assert whole["tokens"]["per_label"]["SOURCE"]["value"] == pytest.approx(0.0, abs=1e-12)
    # CLAIM covers all 6 tokens of unit 1 for both, none of unit 2: perfect, with variation.
    assert whole["tokens"]["per_label"]["CLAIM"]["value"] == 1.0


def test_no_variation_is_undefined_not_one(db: Path) -> None:
    """Every answer is "accept": answer alpha is undefined (null in JSON, said in words in the
    table), where it used to print 1.000."""
    got = agree_json(db)
    alpha = got["answers"]["krippendorff_alpha"]
    assert alpha["value"] is None and alpha["undefined"] == "no variation"
    assert got["answers"]["percent_agreement"]["value"] == 1.0
    res = CliRunner().invoke(cli, ["agree", "--dataset", "talk", "--db", str(db), "--layer", "claims"],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    row = next(line for line in res.output.splitlines() if "answers (accept/reject) alpha" in line)
    assert "undefined (no variation)" in row and "1.000" not in row
