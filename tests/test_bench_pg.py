"""`annotator bench --db postgresql://…`: the same rows as on SQLite, each run in a fresh
database dropped afterwards; the cluster to bench on (tests/pg_cluster.py --keep); and the
PostgreSQL fast paths the budgets rely on (an upsert of many rows as one statement, current
decisions streamed from a server-side cursor), checked on both engines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, query

from annotator.bench.export import prepare
from annotator.bench.synth import generate
from annotator.cli import cli
from annotator.models import Span, Suggestion


def _versions(db: str) -> list[tuple[int, str]]:
    return [(int(u), v) for u, v in query(db, "SELECT unit_id, version FROM suggestions ORDER BY unit_id")]


def test_many_upserts_store_what_one_by_one_would(store, db):
    generate(store, 300, dataset="d", suggest_first=0)
    ids = [u.id or 0 for u in store.iter_units("d")]
    spans = [Span(start=0, end=3, label="ORG", layer="entities")]
    store.put_suggestions([Suggestion(unit_id=i, suggester="s", version="1", spans=spans) for i in ids])
    assert _versions(db) == [(i, "1") for i in ids]
    # every row replaced, in one batch of more than BULK_MIN_ROWS rows
    store.put_suggestions([Suggestion(unit_id=i, suggester="s", version="2", spans=[]) for i in ids])
    assert _versions(db) == [(i, "2") for i in ids]
    assert query(db, "SELECT COUNT(*) FROM suggestions WHERE spans = '[]'") == [(300,)]
    # the same key twice in one batch: the later row wins, as when written one by one
    twice = [Suggestion(unit_id=i, suggester="s", version="3", spans=[]) for i in ids]
    twice.append(Suggestion(unit_id=ids[0], suggester="s", version="4", spans=[]))
    store.put_suggestions(twice)
    assert _versions(db) == [(ids[0], "4")] + [(i, "3") for i in ids[1:]]


def test_current_decisions_read_whole_and_in_order(store, db):
    prepare(store, 300, dataset="x")
    ds_id = store.require_dataset("x").id or 0
    batches = list(store.current_decisions(ds_id, ("unit_id", "annotator", "answer"), batch=70))
    rows = [r for b in batches for r in b]
    assert [(int(u), a, ans) for u, a, ans in rows] == [
        (int(u), a, ans) for u, a, ans in query(db, "SELECT unit_id, annotator, answer FROM decisions"
                                                    " ORDER BY unit_id, annotator")]
    assert len(rows) == 300
    # a reader that stops early leaves the store fit to write
    reader = store.current_decisions(ds_id, ("unit_id", "annotator"), batch=10)
    next(reader)
    reader.close()
    unit = next(iter(store.iter_units("x")))
    store.put_suggestions([Suggestion(unit_id=unit.id or 0, suggester="late", version="1", spans=[])])
    assert query(db, "SELECT COUNT(*) FROM suggestions WHERE suggester = 'late'") == [(1,)]


def _bench(tmp_path: Path, *extra: str) -> dict:
    out = CliRunner().invoke(cli, ["bench", "--units", "200", "--runs", "1", "--presses", "10", "--agree-units", "200",
                                   "--workdir", str(tmp_path / "work"), "--json", *extra])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.output
    return json.loads(out.stdout[out.stdout.index("{"):])


@pytest.mark.slow
@pytest.mark.postgresql
def test_bench_prints_the_same_rows_on_postgres_in_databases_it_drops(tmp_path: Path, pg_db: str) -> None:
    sqlite = _bench(tmp_path)
    pg = _bench(tmp_path, "--db", pg_db)
    assert (sqlite["engine"], pg["engine"]) == ("sqlite", "postgresql")
    names = [(r["bench"], r["budget_name"]) for r in sqlite["results"]]
    assert [(r["bench"], r["budget_name"]) for r in pg["results"]] == names
    assert {"import", "export", "agreement", "ui", "label-import"} == {b for b, _ in names}
    for r in pg["results"]:
        assert r["status"] in ("PASS", "FAIL"), (r["budget_name"], r["status"], r["note"])
        assert r["value"] is not None
    by_name = {r["budget_name"]: r for r in pg["results"]}
    assert "200 records" in by_name["export (jsonl, streaming)"]["note"]
    assert by_name["decisions lost (while importing 200 sentences)"]["value"] == 0
    # the server is forgotten when the command ends (the next bench in this process is on SQLite)
    from annotator.bench import databases

    assert databases.SERVER is None
    # every run's database was dropped
    assert query(pg_db, "SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'annotator_bench_%'") == [(0,)]


@pytest.mark.postgresql
def test_a_cluster_kept_for_benching_is_durable_and_stops(tmp_path: Path) -> None:
    import pg_cluster

    try:
        pg_cluster.find_bin_dir()
    except pg_cluster.Unavailable as e:
        pytest.skip(f"PostgreSQL unavailable: {e}")
    script = str(ROOT / "tests" / "pg_cluster.py")
    started = subprocess.run([sys.executable, script, "--keep"], capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    url, stop_line = started.stdout.strip().splitlines()
    folder = stop_line.split("--stop ")[1]
    try:
        assert query(url, "SELECT current_setting('fsync'), current_setting('shared_buffers')") == [("on", "1GB")]
    finally:
        stopped = subprocess.run([sys.executable, script, "--stop", folder], capture_output=True, text=True, timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert not Path(folder).exists()
