"""Round trips on the real corpora in ../shared/data (skipped when absent)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from annotator.exporting import ExportOptions, export
from annotator.ingest.base import ReadOptions
from annotator.pipeline import import_sources, plan_sources
from annotator.store import open_store

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POLNEAR = DATA / "polnear" / "train"
CONLL_VALID = DATA / "conll2003" / "valid.txt"


def _t_lines(path: Path) -> set[str]:
    return {c[1] for line in path.read_text(encoding="utf-8").split("\n")
            if re.match(r"^T\d+$", (c := line.split("\t"))[0]) and len(c) > 1}


def _e_shapes(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").split("\n") if line.startswith("E"))


@pytest.mark.shared_data
def test_polnear_train_imports_and_exports_identical_spans(tmp_path: Path) -> None:
    if not POLNEAR.exists():
        pytest.skip("PolNeAR absent")
    db = open_store(tmp_path / "p.db", durable=False)
    ds = db.ensure_dataset("polnear")
    plans, _ = plan_sources([str(POLNEAR)], "brat")
    summary = import_sources(db, plans, ds, options=ReadOptions())
    assert summary.documents == 839  # 840 files, two of them the same text
    annotators = db.annotators("polnear")
    assert len(annotators) >= 6
    out = tmp_path / "out"
    export(db, "polnear", "brat", str(out), ExportOptions())
    originals = sorted((POLNEAR / "attributions").glob("*.ann"))
    multi = {}
    for ann in originals:
        got = out / ann.name
        assert got.exists(), ann.name
        assert _t_lines(got) == _t_lines(ann), ann.name
        doc = ann.stem.rsplit("_", 1)[0]
        multi[doc] = multi.get(doc, 0) + 1
    assert max(multi.values()) >= 6
    for txt in (POLNEAR / "text").glob("*.txt"):
        assert (out / txt.name).read_bytes() == txt.read_bytes()


@pytest.mark.shared_data
def test_conll2003_valid_exports_back_to_the_same_tokens_and_tags(tmp_path: Path) -> None:
    if not CONLL_VALID.exists():
        pytest.skip("CoNLL-2003 absent")
    db = open_store(tmp_path / "c.db", durable=False)
    ds = db.ensure_dataset("conll", scheme="conll")
    plans, _ = plan_sources([str(CONLL_VALID)], "conll")
    import_sources(db, plans, ds, options=ReadOptions())
    out = tmp_path / "valid.conll"
    export(db, "conll", "conll", str(out), ExportOptions())
    original = CONLL_VALID.read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8").rstrip("\n") == original.rstrip("\n")
