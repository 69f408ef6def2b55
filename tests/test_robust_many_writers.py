"""Sixteen annotator processes deciding 1,000 units each while two imports and a ``suggest``
write to the same database file: nothing lost, nothing doubled, no unit held below its overlap.

The annotators decide without the UI (the store's queue: ``next_units`` then ``add_annotation``
per unit, as the labelling screen does); the imports and ``suggest`` are the real commands in
their own processes. Every decision a process reports as stored must be in the database once.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.models import Document, Unit
from annotator.store import open_store

ANNOTATORS = 16
DECISIONS = 1000
OVERLAP = 2

DECIDER = """
import json, sys
from annotator.models import Annotation
from annotator.store import open_store
db, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_store(db)
done = []
while len(done) < n:
    units = store.next_units("work", name, limit=1)
    if not units:
        break
    u = units[0]
    store.add_annotation(Annotation(unit_id=u.id, annotator=name, answer="accept", time_spent=0.1))
    done.append(u.id)  # committed: add_annotation returns after the commit
store.close()
print(json.dumps(done))
"""


def _articles(path: Path, n: int, seed: int) -> None:
    from annotator.bench.synth import sentences

    texts = [t for t, _ in sentences(n, seed)]
    with open(path, "w", encoding="utf-8") as out:
        for k in range(0, n, 10):
            out.write(json.dumps({"title": f"a{seed}-{k}", "text": " ".join(texts[k:k + 10])}) + "\n")


@pytest.mark.slow
def test_sixteen_annotators_two_imports_and_a_suggest_on_one_file(tmp_path):
    db = tmp_path / "team.db"
    store = open_store(db)
    ds = store.ensure_dataset("work", overlap=OVERLAP)
    # a few more units than the decisions fill: an annotator late to the queue may find the
    # last open places on units they decided already
    units_needed = ANNOTATORS * DECISIONS // OVERLAP + 500
    with store.write():
        for k in range(units_needed):
            text = f"Sentence number {k} of the team test."
            store.insert_document(ds, Document(text=text, title=str(k)),
                                  [Unit(text=text, start=0, end=len(text), position=0)])
    store.close()
    script = tmp_path / "decide.py"
    script.write_text(DECIDER, encoding="utf-8")
    for seed in (1, 2):
        _articles(tmp_path / f"in{seed}.jsonl", 20_000, seed)

    procs = [subprocess.Popen([sys.executable, str(script), str(db), f"a{k:02d}", str(DECISIONS)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in range(ANNOTATORS)]
    writers = [subprocess.Popen([sys.executable, "-m", "annotator", "import", str(tmp_path / f"in{seed}.jsonl"),
                                 "--db", str(db), "--dataset", f"imp{seed}"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    writers.append(subprocess.Popen([sys.executable, "-m", "annotator", "suggest", "--db", str(db),
                                     "--dataset", "work", "--quiet"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    reported: dict[str, list[int]] = {}
    for k, p in enumerate(procs):
        out, err = p.communicate(timeout=1800)
        assert p.returncode == 0, err[-2000:]
        reported[f"a{k:02d}"] = json.loads(out.strip().splitlines()[-1])
    for w in writers:
        out, err = w.communicate(timeout=1800)
        assert w.returncode == 0, err[-2000:]

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        work = conn.execute("SELECT id FROM datasets WHERE name = 'work'").fetchone()[0]
        history = conn.execute("SELECT unit_id, annotator FROM annotations WHERE dataset_id = ?", (work,)).fetchall()
        current = conn.execute("SELECT unit_id, annotator FROM decisions WHERE dataset_id = ?", (work,)).fetchall()
        expected = sorted((u, a) for a, ids in reported.items() for u in ids)
        assert sum(len(ids) for ids in reported.values()) == ANNOTATORS * DECISIONS
        assert sorted(history) == expected  # none lost, none doubled
        assert sorted(current) == expected
        over = conn.execute(
            "SELECT COUNT(*) FROM (SELECT unit_id FROM decisions WHERE dataset_id = ? GROUP BY unit_id"
            " HAVING COUNT(*) > ?)", (work, OVERLAP)).fetchone()[0]
        assert over == 0  # no unit handed to more annotators than its overlap
        held = conn.execute(  # every process has ended: nobody holds a unit it did not decide
            "SELECT COUNT(*) FROM leases l WHERE l.dataset_id = ? AND NOT EXISTS (SELECT 1 FROM decisions d"
            " WHERE d.unit_id = l.unit_id AND d.annotator = l.annotator)", (work,)).fetchone()[0]
        assert held == 0
        for seed in (1, 2):  # both imports whole, nothing staged left behind
            n = conn.execute("SELECT COUNT(*) FROM units u JOIN datasets d ON d.id = u.dataset_id WHERE d.name = ?",
                             (f"imp{seed}",)).fetchone()[0]
            assert n >= 19_000, (seed, n)
        assert conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(DISTINCT s.unit_id) FROM suggestions s JOIN units u ON u.id = s.unit_id"
                            " WHERE u.dataset_id = ?", (work,)).fetchone()[0] > 0
    finally:
        conn.close()
