"""The suggester throughput benchmark runs and reports its figures (not a timed test)."""

from __future__ import annotations

from annotator.bench.suggest import bench_suggest, generate_units


def test_generated_units_are_distinct_and_deterministic() -> None:
    a = generate_units(50)
    assert [u.text for u in a] == [u.text for u in generate_units(50)]
    assert len({u.text for u in a}) > 40 and a[0].document_id == 1 and a[10].document_id == 2


def test_bench_reports_rates_for_every_suggester() -> None:
    out = bench_suggest(n=300)
    assert out["sentences"] == 300 and out["sentences_per_s"] > 0
    assert set(out["per_suggester_sentences_per_s"]) == {"news-rules", "claims"}
    assert out["spans"] > 300  # several names, dates and attributions per generated sentence
