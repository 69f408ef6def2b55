"""`annotator suggest`: one stored row per unit and suggester, with name and version."""

from __future__ import annotations

from pathlib import Path

from annotator.cli import cli
from annotator.store import open_store

from conftest import SEED, dump_db


def test_suggest_stores_rows_for_every_unit(runner, db: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = runner.invoke(cli, ["import", str(SEED), "--db", db, "--dataset", "seed", "--no-suggest"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["suggest", "--db", db], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    store = open_store(db)
    units = list(store.iter_units("seed"))
    assert store.suggesters("seed") == [("claims", "7", len(units)), ("news-rules", "1", len(units))]
    spans = {}
    for u in units:
        for sug in store.get_suggestions(u.id):
            for s in sug.spans:
                spans.setdefault(s.label, set()).add(u.text[s.start : s.end])
                assert s.source == sug.suggester and s.token_start is not None
    assert "Vladimir Putin" in spans["PERSON"] and "National Intelligence Service" in spans["ORG"]
    assert "Seoul’s spy agency" in spans["SOURCE"]
    store.close()


def test_suggest_with_patterns_and_bad_patterns(runner, db: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner.invoke(cli, ["import", str(SEED), "--db", db, "--no-suggest"])
    good = tmp_path / "p.jsonl"
    good.write_text('{"label": "ORG", "pattern": "Storm Corps"}\n', encoding="utf-8")
    r = runner.invoke(cli, ["suggest", "--db", db, "--patterns", str(good)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    store = open_store(db)
    rows = dict((name, n) for name, _, n in store.suggesters("default"))
    assert rows["patterns"] == store.count_units("default")
    store.close()
    before = dump_db(db)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"label": "ORG", "pattern": "A"}\n{"label": 3}\n', encoding="utf-8")
    r = runner.invoke(cli, ["suggest", "--db", db, "--patterns", str(bad)])
    assert r.exit_code != 0
    assert f"{bad}:2" in r.output and "Traceback" not in r.output
    assert dump_db(db) == before


def test_suggest_without_database_is_a_clear_error(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = runner.invoke(cli, ["suggest", "--db", str(tmp_path / "none.db")])
    assert r.exit_code != 0 and "no such database" in r.output
    assert not (tmp_path / "none.db").exists()
