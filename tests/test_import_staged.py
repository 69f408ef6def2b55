"""Imports in short transactions: a file is visible only once whole, whatever happens to it.

On SQLite an import writes a file in slices of whole documents under a staging dataset
(:meth:`annotator.store.Store.importing`) and moves them into the dataset when the file is
complete (PostgreSQL's one-transaction import: tests/test_pg_import.py). These tests kill an import half-way (SIGKILL, in another process), fail one late in
a file, and measure how long another process's small writes wait while a long import runs.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.models import Annotation, Document, Unit
from annotator.store import open_store
from tests.conftest import dump_db


def doccano_corpus(path: Path, n: int, seed: int = 0) -> int:
    """``n`` pre-annotated synthetic sentences as doccano JSONL; the number of distinct texts."""
    from annotator.bench.synth import sentences

    seen: set[str] = set()
    with open(path, "w", encoding="utf-8") as out:
        for text, spans in sentences(n, seed):
            seen.add(text)
            out.write(json.dumps({"text": text, "label": [[s, e, lab] for s, e, lab, layer in spans
                                                          if layer == "entities"]}) + "\n")
    return len(seen)


def counts(db: Path) -> dict[str, int]:
    """Rows of every table an import writes (visible or not), read without the store."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("documents", "units", "annotations", "decisions", "imports")}
    except sqlite3.OperationalError:
        return {}  # not created yet
    finally:
        conn.close()


def import_cmd(db: Path, corpus: Path, dataset: str) -> list[str]:
    return [sys.executable, "-m", "annotator", "import", str(corpus), "--db", str(db), "--dataset", dataset,
            "--format", "doccano"]


def visible(db: Path, dataset: str) -> dict[str, int]:
    """What a user sees of a dataset: stats, exported records, the labelling queue."""
    store = open_store(db, create=False)
    try:
        st = [d for d in store.stats()["datasets"] if d["name"] == dataset]
        queue = store.next_units(dataset, "someone", limit=5) if st else []
        names = [d.name for d in store.list_datasets()]
    finally:
        store.close()
    out = CliRunner().invoke(cli, ["export", "--db", str(db), "--dataset", dataset, "-o", "-", "-q"])
    assert out.exit_code == 0, out.output
    return {"documents": st[0]["documents"] if st else 0, "units": st[0]["units"] if st else 0,
            "records": len([ln for ln in out.output.splitlines() if ln.strip()]), "queue": len(queue),
            "datasets": len(names)}


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (not zombies)."""
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(pid)
    return out


def test_a_killed_import_leaves_nothing_visible_and_running_it_again_imports_it_whole(tmp_path):
    db = tmp_path / "kill.db"
    corpus = tmp_path / "pre.jsonl"
    distinct = doccano_corpus(corpus, 30_000)
    store = open_store(db)
    store.ensure_dataset("big", overlap=0)  # everyone labels every unit: the queue shows all
    store.close()
    proc = subprocess.Popen(import_cmd(db, corpus, "big"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        seen = 0
        while time.monotonic() < deadline and proc.poll() is None:
            seen = counts(db).get("units", 0) if db.exists() else 0
            if seen >= 3000:  # several slices committed, far from the end of the file
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the import ended before it could be killed ({seen} units seen)"
        workers = children(proc.pid) if sys.platform.startswith("linux") else set()
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    if sys.platform.startswith("linux"):
        # its suggester workers go with it, not left waiting on their queue for ever
        assert workers, "the import had started no worker processes: the check below proves nothing"
        gone_by = time.monotonic() + 10
        while alive(workers) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert not alive(workers), f"workers {sorted(alive(workers))} outlived the killed import"
    left = counts(db)
    assert 3000 <= left["units"] < distinct and left["imports"] == 1, left  # killed half-way, rows on disk
    assert visible(db, "big") == {"documents": 0, "units": 0, "records": 0, "queue": 0, "datasets": 1}

    r = subprocess.run(import_cmd(db, corpus, "big"), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert visible(db, "big") == {"documents": distinct, "units": distinct, "records": distinct,
                                  "queue": 5, "datasets": 1}
    after = counts(db)
    # the killed import's rows are gone, not merely hidden
    assert after == {"documents": distinct, "units": distinct, "annotations": distinct,
                     "decisions": distinct, "imports": 0}
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_a_file_failing_after_several_slices_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    import annotator.store.connection as connection

    monkeypatch.setattr(connection, "SLICE_S", 0.0)  # commit after every document
    db = tmp_path / "fail.db"
    good = tmp_path / "good.jsonl"
    doccano_corpus(good, 50, seed=1)
    runner = CliRunner()
    r = runner.invoke(cli, ["import", str(good), "--db", str(db), "--dataset", "d", "--format", "doccano"])
    assert r.exit_code == 0, r.output
    before = dump_db(db)
    bad = tmp_path / "bad.jsonl"
    doccano_corpus(bad, 2000, seed=2)
    with open(bad, "a", encoding="utf-8") as fh:
        fh.write('{"text": "The end.", "label": [[0, 99, "ORG"]]}\n')
    r = runner.invoke(cli, ["import", str(bad), "--db", str(db), "--dataset", "d", "--format", "doccano"])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "bad.jsonl:2001:" in lines[0], r.output
    assert dump_db(db) == before


_DIE_HALF_WAY = """
import os, sys
from annotator.models import Document, Unit
from annotator.store import open_store
store = open_store(sys.argv[1])
cm = store.importing(store.ensure_dataset("d"), "test")  # kept: its end would clean up
staging = cm.__enter__()
for k, text in enumerate(["One sentence.", "Two sentences.", "Three sentences."]):
    store.insert_document(staging, Document(text=text), [Unit(text=text, start=0, end=len(text), position=0)])
    store.checkpoint(force=True)
os._exit(0)  # as if killed: no clean-up runs
"""


@pytest.mark.parametrize("state,expected", [("writing", 0), ("publishing", 3)])
def test_the_next_import_cleans_up_after_a_dead_one(tmp_path, state, expected):
    db = tmp_path / "dead.db"
    subprocess.run([sys.executable, "-c", _DIE_HALF_WAY, str(db)], check=True)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE imports SET state = ?", (state,))  # died while writing, or while moving its rows
    conn.commit()
    conn.close()
    assert counts(db)["units"] == 3 and counts(db)["imports"] == 1
    other = open_store(db)
    assert other.count_units("d") == 0 and [d.name for d in other.list_datasets()] == ["d"]
    assert other.clean_stale_imports() == 1
    assert other.count_units("d") == expected
    assert counts(db)["units"] == expected and counts(db)["imports"] == 0
    assert [d.name for d in other.list_datasets()] == ["d"]
    other.close()


def test_a_live_import_is_left_alone_and_its_reserved_unit_ids_are_not_taken(tmp_path):
    db = tmp_path / "live.db"
    store = open_store(db)
    ds = store.ensure_dataset("d")
    cm = store.importing(ds, "test")
    staging = cm.__enter__()
    units = [Unit(text="Staged one.", start=0, end=11, position=0)]
    store.insert_document(staging, Document(text="Staged one."), units, defer_units=True)
    store.checkpoint(force=True)  # the units are not written yet: their ids are only reserved
    other = open_store(db)
    assert other.clean_stale_imports() == 0
    plain = [Unit(text="Plain.", start=0, end=6, position=0)]
    with other.write():
        other.insert_document(other.ensure_dataset("e"), Document(text="Plain."), plain)
    assert plain[0].id != units[0].id and plain[0].id > units[0].id
    from annotator.record_parts import unit_parts

    store.insert_units(staging, units, [unit_parts(text=u.text, offsets=[(0, 6), (7, 10), (10, 11)], unit_id=u.id,
                                                   document_id=u.document_id, external_id=None, title="",
                                                   position=0, start=0, end=11, meta={}) for u in units])
    cm.__exit__(None, None, None)
    assert [u.text for u in other.iter_units("d")] == ["Staged one."]
    other.close()
    store.close()


def test_another_process_writes_within_a_second_while_a_long_import_runs(tmp_path):
    db = tmp_path / "busy.db"
    store = open_store(db)
    ds = store.ensure_dataset("seed")
    seed_units = [Unit(text="Seed sentence.", start=0, end=14, position=0)]
    with store.write():
        store.insert_document(ds, Document(text="Seed sentence."), seed_units)
    corpus = tmp_path / "pre.jsonl"
    doccano_corpus(corpus, 100_000)
    proc = subprocess.Popen(import_cmd(db, corpus, "big"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    waits: list[float] = []
    during = 0
    try:
        while counts(db).get("imports", 0) == 0 and proc.poll() is None:
            time.sleep(0.01)
        for k in range(50):
            t0 = time.perf_counter()
            store.add_annotation(Annotation(unit_id=seed_units[0].id, annotator="w", answer="accept",
                                            meta={"k": k}))
            waits.append(time.perf_counter() - t0)
            during += proc.poll() is None
            time.sleep(0.02)
        assert proc.wait(timeout=600) == 0, proc.stderr.read().decode() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    waits.sort()
    print(f"\n50 small writes during an import: median {waits[25] * 1000:.1f} ms, "
          f"p90 {waits[45] * 1000:.1f} ms, max {waits[-1] * 1000:.1f} ms ({during} while it ran)")
    assert during >= 25, f"the import finished too early: only {during} writes overlapped it"
    assert waits[-1] < 1.0, waits[-5:]  # SQLite's busy handler alone: 1.3 to 3.7 s here
    assert len(store.history(seed_units[0].id)) == 50  # every write stored
    store.close()


def test_two_imports_into_one_dataset_take_turns_and_keep_both_files_decisions(db, tmp_path):
    """Two leads import the same documents at once, each file carrying its own annotator's
    decisions (say, alice's and bob's work exported from another tool). The second waits for
    the first, says so on stderr, then adds its decisions to the documents the first brought.
    Before, on SQLite, both staged side by side and the copies that lost the race to publish
    were dropped with their decisions: about a quarter of alice's and three quarters of bob's
    were gone, and both imports reported every document added."""
    from conftest import query

    alice, bob = tmp_path / "alice.jsonl", tmp_path / "bob.jsonl"
    texts = doccano_corpus(alice, 20_000)
    with open(alice, encoding="utf-8") as src, open(bob, "w", encoding="utf-8") as out:
        for line in src:
            record = json.loads(line)
            record["label"] = [[s, e, "ORG"] for s, e, _ in record["label"]]
            out.write(json.dumps(record) + "\n")

    def start(corpus: Path, name: str) -> subprocess.Popen:
        return subprocess.Popen([*import_cmd(db, corpus, "big"), "--annotator", name, "--no-suggest"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def running() -> int:
        try:
            return int(query(db, "SELECT COUNT(*) FROM imports")[0][0])
        except Exception:  # the first import has not created the schema yet
            return 0

    first = start(alice, "alice")
    try:
        while not running() and first.poll() is None:
            time.sleep(0.01)
        assert first.poll() is None, "the first import finished before the second began"
        second = start(bob, "bob")
        out2, err2 = second.communicate(timeout=600)
        out1, err1 = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0 and second.returncode == 0, (err1, err2)
    assert "another import into dataset 'big' is running: waiting for it to finish" in err2
    assert f"{texts} documents, {texts} units added" in out1
    assert "0 documents, 0 units added, 20000 duplicate documents skipped" in out2
    assert sorted(query(db, "SELECT annotator, COUNT(*) FROM decisions GROUP BY annotator")) == [
        ("alice", texts), ("bob", texts)]
    assert query(db, "SELECT COUNT(*) FROM units") == [(texts,)]
    assert query(db, "SELECT COUNT(*) FROM imports") == [(0,)]
