"""PolNeAR's multi-annotator train articles, imported through the brat reader: token-level
alpha per article (reads ../shared/data; skipped when it is absent)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli

from conftest import shared_data


@pytest.mark.shared_data
def test_polnear_multi_annotator_token_alpha(runner: CliRunner, tmp_path: Path) -> None:
    train = shared_data("polnear", "train")
    anns = sorted((train / "attributions").glob("*.ann"))
    counts = Counter(p.name.rsplit("_", 1)[0] for p in anns)
    multi = sorted(d for d, n in counts.items() if n > 1)
    assert len(multi) == 16
    corpus = tmp_path / "polnear16"
    (corpus / "text").mkdir(parents=True)
    (corpus / "attributions").mkdir()
    for doc in multi:
        (corpus / "text" / f"{doc}.txt").symlink_to(train / "text" / f"{doc}.txt")
        for ann in (train / "attributions").glob(f"{doc}_*.ann"):
            (corpus / "attributions" / ann.name).symlink_to(ann)
    db = str(tmp_path / "p.db")
    res = runner.invoke(cli, ["import", str(corpus), "--format", "brat", "--dataset", "polnear",
                              "--no-suggest", "--overlap", "0", "--db", db, "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["agree", "--dataset", "polnear", "--layer", "claims",
                              "--labels", "SOURCE,CUE,CLAIM", "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data["annotators"]) == 6
    per_doc = data["tokens"]["per_document"]
    assert sorted(per_doc) == multi
    assert all(-1.0 <= f["value"] <= 1.0 for f in per_doc.values())
    # The corpus reports 75.4% token-wise alpha; pooled over these articles we measure ~0.765.
    assert data["tokens"]["alpha"]["value"] == pytest.approx(0.754, abs=0.03)
    assert set(data["tokens"]["per_label"]) == {"SOURCE", "CUE", "CLAIM"}
    # Each annotator against the spans at least half of the other five marked: the consensus of
    # five people predicts a sixth better than one person does, and still misses a quarter of
    # the cues (CUE 0.767, SOURCE 0.819, CLAIM 0.749 when written).
    consensus = data["spans"]["consensus"]["per_label"]
    for label, measured in (("CUE", 0.767), ("SOURCE", 0.819), ("CLAIM", 0.749)):
        assert data["spans"]["per_label"][label]["exact"] < consensus[label]["value"] < 1.0
        assert consensus[label]["value"] == pytest.approx(measured, abs=0.005)
