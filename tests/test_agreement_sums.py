"""`agree --dataset` adds up whole-number sums chunk by chunk (agreement/sums.py), in one
process or several (agreement/parallel.py, through the service dataset_agreement.py); its
report must equal, value for value, the plain report built from pydantic units and
annotations (report.dataset_report) on varied data with up to five annotators per unit, in
any chunking and any order of merging."""

from __future__ import annotations

import json
import random
import struct
from typing import Any

import numpy as np
import pytest
from agreement_fixtures import build, plain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.agreement.parallel import WorkerFailed, ranges_sums, read_ahead, sums_of
from annotator.agreement.sums import DatasetSums
from annotator.dataset_agreement import dataset_agreement
from annotator.models import Annotation, Document, Span, Unit
from annotator.store import Store, open_store
from annotator.store.agreement_rows import dataset_annotators, iter_chunks, read_decisions, unit_id_ranges


def chunked(store: Store, layer: str, labels: list[str] | None = None, span: int = 3, ahead: bool = False,
            shuffle: int | None = None) -> dict[str, Any]:
    """The report from chunks of ``span`` unit ids, each added to sums of its own and the
    sums merged in an order shuffled by ``shuffle`` (None: in order, into one)."""
    ds = store.require_dataset("mix")
    names = dataset_annotators(store, ds.id)
    chunks = iter_chunks(store, ds.id, span=span)
    chunks = read_ahead(chunks) if ahead else chunks
    if shuffle is None:
        sums = sums_of(chunks, names, layer, labels)
    else:
        parts = [sums_of([c], names, layer, labels) for c in chunks]
        random.Random(shuffle).shuffle(parts)
        sums = DatasetSums(names, layer, labels)
        for p in parts:
            sums.merge(p)
    return {"dataset": ds.name, "overlap": ds.overlap, **sums.report(3)}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), layer=st.sampled_from(["entities", "claims"]),
       labels=st.sampled_from([None, ["PERSON", "GPE"], ["CLAIM", "SOURCE"], ["CUE"], ["ORG"]]),
       span=st.sampled_from([1, 2, 3, 7, 1000]), ahead=st.booleans(), most=st.sampled_from([3, 4, 5]),
       shuffle=st.sampled_from([None, 0, 1, 2]))
def test_sums_report_equals_plain_report(seed: int, layer: str, labels: list[str] | None, span: int, ahead: bool,
                                         most: int, shuffle: int | None) -> None:
    """Any chunking, any order of merging, up to five annotators on a unit (weights 1/3 and
    1/4 included): the plain report, bit for bit."""
    store = open_store(":memory:")
    try:
        build(store, seed, most)
        want = json.dumps(plain(store, layer, labels), indent=1)
        assert json.dumps(chunked(store, layer, labels, span, ahead, shuffle), indent=1) == want
    finally:
        store.close()


def test_four_and_five_annotators_on_a_unit_are_measured_exactly() -> None:
    """Datasets where units carry four and five versions (1/(m-1) = 1/3, 1/4): one chunk,
    chunks of one unit merged backwards, and the service all give the plain report."""
    seen = set()
    for seed in range(40):
        store = open_store(":memory:")
        try:
            build(store, seed, 5)
            per_unit = {n for (n,) in store.conn.execute(
                "SELECT count(*) FROM decisions WHERE answer = 'accept' GROUP BY unit_id")}
            if not per_unit & {4, 5}:
                continue
            seen |= per_unit & {4, 5}
            for layer in ("entities", "claims"):
                want = json.dumps(plain(store, layer, None))
                assert json.dumps(chunked(store, layer, span=1000)) == want
                assert json.dumps(chunked(store, layer, span=1, shuffle=7)) == want
                assert json.dumps(dataset_agreement(store, "mix", layer, 3)) == want
        finally:
            store.close()
    assert seen == {4, 5}


def test_a_larger_dataset_equals_plain_report() -> None:
    """Many documents and every annotator; per-document alpha from grouped sums."""
    store = open_store(":memory:")
    try:
        for seed in range(6):
            build(store, 1000 + seed, 5)
        for layer in ("entities", "claims"):
            got = chunked(store, layer, span=5, shuffle=3)
            assert got["units_shared"] > 5 and len(got["tokens"]["per_document"]) > 3
            assert json.dumps(got) == json.dumps(plain(store, layer, None))
    finally:
        store.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), layer=st.sampled_from(["entities", "claims"]))
def test_units_and_decisions_from_before_the_packed_columns(seed: int, layer: str) -> None:
    """Units from before migration m002 (no token bounds) or without their m004 row are read
    row by row and tokenized;
    decisions the migration m003 backfills give the same report; a decision left without its
    packed columns is read from its stored annotation."""
    from annotator.store.agreement_rows import backfill

    store = open_store(":memory:")
    try:
        build(store, seed)
        want = json.dumps(plain(store, layer, None))
        assert json.dumps(chunked(store, layer)) == want
        conn = store.conn
        conn.execute("UPDATE unit_extents SET token_bounds = NULL WHERE unit_id % 3 != 1")
        assert json.dumps(chunked(store, layer)) == want
        conn.execute("DELETE FROM unit_extents WHERE unit_id % 2 = 0")
        assert json.dumps(chunked(store, layer)) == want
        conn.execute("UPDATE decisions SET agree_head = NULL, agree_spans = NULL")
        conn.execute("DELETE FROM span_labels")
        conn.execute("DELETE FROM annotator_ids")
        ds = store.require_dataset("mix")
        if conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]:
            assert read_decisions(store, ds.id) is None
        assert json.dumps(dataset_agreement(store, "mix", layer, 3)) == want
        assert backfill(conn.execute, conn.executemany, batch=4) == conn.execute("SELECT COUNT(*) FROM decisions"
                                                                                ).fetchone()[0]
        assert json.dumps(chunked(store, layer)) == want
    finally:
        store.close()


def test_damaged_packed_columns_are_read_from_the_stored_annotations() -> None:
    """A truncated or overlong packed blob (a damaged file, a bad hand edit) never reaches the
    measures: the units are read again from their rows, the decisions from their stored annotations."""
    store = open_store(":memory:")
    try:
        for seed in range(2):
            build(store, 3000 + seed)
        want = json.dumps(plain(store, "entities", None))
        conn = store.conn
        conn.execute("UPDATE unit_extents SET token_bounds = substr(token_bounds, 1, 5) WHERE unit_id % 2 = 0")
        conn.execute("UPDATE unit_extents SET head = head || x'00' WHERE unit_id % 3 = 0")
        conn.execute("UPDATE unit_extents SET token_bounds = token_bounds || x'01' WHERE unit_id % 4 = 1")
        assert json.dumps(chunked(store, "entities")) == want
        conn.execute("UPDATE decisions SET agree_spans = substr(agree_spans, 1, 5) WHERE (unit_id, annotator) ="
                     " (SELECT unit_id, annotator FROM decisions WHERE length(agree_spans) > 0 LIMIT 1)")
        ds = store.require_dataset("mix")
        assert read_decisions(store, ds.id) is None
        assert json.dumps(dataset_agreement(store, "mix", "entities", 3)) == json.dumps(
            {"dataset": "mix", "overlap": ds.overlap, **json.loads(want)})
    finally:
        store.close()


def test_an_upgraded_database_has_packed_decisions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A database from schema m001 upgrades with its decision packed and its unit's extent;
    agreement reads it."""
    from test_robust_migrations import write_v1_database

    db = tmp_path / "old.db"
    write_v1_database(db)
    store = open_store(db)
    try:
        head, spans = store.conn.execute("SELECT agree_head, agree_spans FROM decisions").fetchone()
        (alice,) = store.conn.execute("SELECT id FROM annotator_ids WHERE name = 'alice'").fetchone()
        (person,) = store.conn.execute("SELECT id FROM span_labels WHERE layer = 'entities' AND label = 'PERSON'"
                                       ).fetchone()
        assert head == struct.pack("<qiii", 1, alice, 0, 1) and spans == struct.pack("<iii", 0, 3, person)
        assert store.conn.execute("SELECT unit_id, dataset_id, head, token_bounds FROM unit_extents").fetchall() == [
            (1, 1, struct.pack("<qqi", 1, 1, 10), None)]  # m001 kept no token bounds
        store.add_annotation(Annotation(unit_id=1, annotator="bob", answer="accept",
                                        spans=[Span(start=0, end=3, label="PERSON")]))
        report = dataset_agreement(store, "old", "entities", 1)
        assert report["annotators"] == ["alice", "bob"] and report["units_shared"] == 1
        assert report["spans"]["exact"] == 1.0 and report["spans"]["pairs"]["alice|bob"]["exact"]["value"] == 1.0
    finally:
        store.close()


def test_decisions_keep_packed_spans_sorted_with_one_id_per_name() -> None:
    """The current decision's packed head and spans follow every new decision and every undo."""
    store = open_store(":memory:")
    try:
        ds = store.ensure_dataset("d")
        store.insert_document(ds, Document(text="Kim met Moon."), [Unit(text="Kim met Moon.", start=0, end=13)])
        uid = store.conn.execute("SELECT id FROM units").fetchone()[0]
        spans = [Span(start=8, end=12, label="PERSON"), Span(start=0, end=3, label="PERSON"),
                 Span(start=0, end=13, label="CLAIM", layer="claims"), Span(start=0, end=3, label="GPE")]
        store.add_annotation(Annotation(unit_id=uid, annotator="ann", answer="accept", spans=spans))
        ids = {(lay, lab): i for i, lay, lab in store.conn.execute("SELECT id, layer, label FROM span_labels")}
        names = dict(store.conn.execute("SELECT name, id FROM annotator_ids"))

        def packed(who: str) -> tuple[tuple[int, ...], list[list[int]]]:
            head, raw = store.conn.execute("SELECT agree_head, agree_spans FROM decisions WHERE annotator = ?",
                                           (who,)).fetchone()
            return struct.unpack("<qiii", head), np.frombuffer(raw, dtype="<i4").reshape(-1, 3).tolist()

        accepted = ((uid, names["ann"], 0, 4),
                    [[0, 3, ids[("entities", "GPE")]], [0, 3, ids[("entities", "PERSON")]],
                     [0, 13, ids[("claims", "CLAIM")]], [8, 12, ids[("entities", "PERSON")]]])
        assert packed("ann") == accepted and len(ids) == 3
        store.add_annotation(Annotation(unit_id=uid, annotator="ann", answer="reject"))
        assert packed("ann") == ((uid, names["ann"], 1, 0), [])
        store.undo_last("d", "ann")
        assert packed("ann") == accepted
        store.add_annotation(Annotation(unit_id=uid, annotator="bob", answer="ignore",
                                        spans=[Span(start=0, end=3, label="PERSON")]))
        assert packed("bob") == ((uid, 2, 2, 1), [[0, 3, ids[("entities", "PERSON")]]])
        assert store.conn.execute("SELECT COUNT(*) FROM span_labels").fetchone()[0] == 3
    finally:
        store.close()


def _file_store(tmp_path: Any, seeds: range) -> Store:
    store = open_store(tmp_path / "mix.db")
    for seed in seeds:
        build(store, seed)
    return store


def test_worker_processes_give_the_same_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Ranges of units measured in forked processes and merged: the plain report, bit for bit,
    however many ranges."""
    store = _file_store(tmp_path, range(6))
    try:
        ds = store.require_dataset("mix")
        names = dataset_annotators(store, ds.id)

        def chunks_of(lo: int, hi: int) -> Any:
            own = open_store(store.path, create=False)
            try:
                yield from iter_chunks(own, ds.id, span=3, lo=lo, hi=hi)
            finally:
                own.close()

        for layer in ("entities", "claims"):
            want = json.dumps(plain(store, layer, None))
            for parts in (1, 2, 3, 5):
                ranges = unit_id_ranges(store, ds.id, parts)
                assert len(ranges) == parts and ranges[0][0] == 1 and all(
                    a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:]))
                got = ranges_sums(ranges, chunks_of, names, layer, None, processes=parts).report(3)
                assert json.dumps({"dataset": ds.name, "overlap": ds.overlap, **got}) == want
    finally:
        store.close()


def test_dataset_agreement_in_processes_equals_plain(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`dataset_agreement` on a dataset above the threshold uses worker processes; a damaged
    decision in a worker's range is read from its stored annotation: the same report."""
    import annotator.agreement.parallel as parallel
    import annotator.dataset_agreement as service

    store = _file_store(tmp_path, range(6))
    try:
        monkeypatch.setattr(service, "PARALLEL_UNITS", 1)
        monkeypatch.setattr(service, "CHUNK_UNITS", 4)
        monkeypatch.setattr(service, "workers", lambda: 2)
        monkeypatch.setattr(service, "fork_safe", lambda: True)  # the test runner may hold threads
        calls: list[int] = []

        def spy(ranges: Any, *args: Any, real: Any = parallel.ranges_sums, **kwargs: Any) -> Any:
            calls.append(kwargs.get("processes", 1))
            return real(ranges, *args, **kwargs)

        monkeypatch.setattr(service, "ranges_sums", spy)
        want = json.dumps(plain(store, "entities", None))
        assert json.dumps(service.dataset_agreement(store, "mix", "entities", 3)) == want
        assert calls == [2]
        last = store.conn.execute("SELECT max(unit_id) FROM decisions WHERE length(agree_spans) > 0").fetchone()[0]
        store.conn.execute("UPDATE decisions SET agree_spans = substr(agree_spans, 1, 5) WHERE unit_id = ?", (last,))
        store.conn.commit()
        assert json.dumps(service.dataset_agreement(store, "mix", "entities", 3)) == want
    finally:
        store.close()


def test_a_report_is_of_one_moment_and_ends_its_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Decisions made by another connection while the chunks are read are not in the report;
    the read transaction ends when the chunks are done, or abandoned."""
    store = _file_store(tmp_path, range(4))
    try:
        ds = store.require_dataset("mix")
        names = dataset_annotators(store, ds.id)
        want = json.dumps(chunked(store, "entities", None, 3, False))
        other = open_store(store.path)
        chunks = iter_chunks(store, ds.id, span=3)
        first = next(chunks)
        assert store.conn.in_transaction
        unit = other.conn.execute("SELECT max(id) FROM units").fetchone()[0]
        for name in ("ann", "bob"):
            other.add_annotation(Annotation(unit_id=unit, annotator=name, answer="reject"))
        rest = list(chunks)
        assert not store.conn.in_transaction
        got = sums_of([first, *rest], names, "entities", None).report(3)
        assert json.dumps({"dataset": ds.name, "overlap": ds.overlap, **got}) == want
        assert json.dumps(chunked(store, "entities", None, 3, True)) != want  # now they count
        ahead = read_ahead(iter_chunks(store, ds.id, span=2))
        next(ahead)
        ahead.close()  # the reader thread closes its generator: the transaction ends
        assert not store.conn.in_transaction
        other.close()
    finally:
        store.close()


def test_alike_versions_and_repeated_spans() -> None:
    """Units whose three versions are alike (one holding a span twice), next to units whose
    versions differ by a repeat only or by a label: the chunked report equals the plain one,
    and the alike units' span F1 is 1."""
    store = open_store(":memory:")
    try:
        ds = store.ensure_dataset("mix")
        texts = ["Kim met Moon in Seoul on Friday.", "Mr. Moon said, Kim Jong Un met Moon.", "Zoë met Kim."]
        units = []
        pos = 0
        for i, t in enumerate(texts * 4):
            units.append(Unit(text=t, start=pos, end=pos + len(t), position=i))
            pos += len(t) + 1
        store.insert_document(ds, Document(text=" ".join(t for t in texts * 4)), units)
        person, gpe = Span(start=0, end=3, label="PERSON"), Span(start=16, end=21, label="GPE")
        claim = Span(start=0, end=12, label="CLAIM", layer="claims")
        for k, u in enumerate(store.iter_units("mix")):
            base = [person, gpe, claim] if k % 3 != 2 else [person, claim]
            for name in ("ann", "bob", "cat"):
                spans = list(base)
                if k % 4 == 1:
                    spans.append(person)  # every version holds the span twice: still alike
                if k % 4 == 3 and name == "cat":
                    spans.append(person)  # only one does: not alike
                if k == 5 and name == "bob":
                    spans[0] = Span(start=0, end=3, label="ORG")
                store.add_annotation(Annotation(unit_id=u.id or 0, annotator=name, answer="accept", spans=spans))
        for layer in ("entities", "claims"):
            want = json.dumps(plain(store, layer, None))
            for span in (1, 5, 100):
                got = chunked(store, layer, None, span, False)
                assert json.dumps(got) == want
        got = chunked(store, "claims", None, 100, False)
        assert got["spans"]["exact"] == 1.0 and got["unitizing"]["overall"]["observed_disagreement"] == 0.0
    finally:
        store.close()


def test_a_worker_that_dies_is_replaced_by_measuring_here(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A worker process killed half-way (say, by the kernel's out-of-memory killer): the
    report is measured in the parent instead, and is the same."""
    import os
    import signal

    import annotator.agreement.parallel as parallel
    import annotator.dataset_agreement as service

    store = _file_store(tmp_path, range(4))
    try:
        monkeypatch.setattr(service, "PARALLEL_UNITS", 1)
        monkeypatch.setattr(service, "workers", lambda: 2)
        monkeypatch.setattr(service, "fork_safe", lambda: True)
        parent = os.getpid()
        real = parallel.sums_of

        def dying(*args: Any, **kwargs: Any) -> Any:
            if os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)

        monkeypatch.setattr(parallel, "sums_of", dying)
        ds = store.require_dataset("mix")
        with pytest.raises(WorkerFailed):
            ranges_sums(unit_id_ranges(store, ds.id, 2),
                        lambda lo, hi: iter_chunks(open_store(store.path), ds.id, lo=lo, hi=hi),
                        dataset_annotators(store, ds.id), "entities", None, processes=2)
        want = json.dumps(plain(store, "entities", None))
        assert json.dumps(service.dataset_agreement(store, "mix", "entities", 3)) == want
    finally:
        store.close()


def test_a_damaged_database_file_gets_one_line_and_exit_3(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Pages of the decisions table overwritten on disk (a bad copy, a failing disk): the
    command says which file is damaged in one line, exits 3, and shows no traceback."""
    import os
    import sqlite3

    from click.testing import CliRunner

    from annotator.cli import cli

    store = _file_store(tmp_path, range(4))
    path = store.path
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = [p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'decisions' AND pagetype = 'leaf'")]
    conn.close()
    assert pages
    with open(path, "r+b") as fh:
        for p in pages:
            fh.seek((p - 1) * size)
            fh.write(os.urandom(64))  # the page header and its first cell pointers
    result = CliRunner().invoke(cli, ["agree", "--dataset", "mix", "--db", str(path)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 3, result.output
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}: the database is damaged") and "Traceback" not in result.output
