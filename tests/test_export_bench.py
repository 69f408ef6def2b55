"""The export benchmark runs end to end on a small database and reports a rate."""

from __future__ import annotations

from pathlib import Path

from annotator.bench.export import measure, prepare
from annotator.store import open_store


def test_bench_export_small(tmp_path: Path) -> None:
    db = open_store(tmp_path / "b.db", durable=False)
    assert prepare(db, 300) == 300
    result = measure(db, "jsonl")
    assert result["records"] == 300 and result["records_per_s"] > 0 and result["bytes"] > 0
