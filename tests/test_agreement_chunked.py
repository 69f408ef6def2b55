"""`annotator agree --dataset` adds its sums up a chunk of units at a time (agreement/chunked.py),
in worker processes for large datasets; the report must equal the plain report, value for
value, however the units are cut."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_agreement_fast import build, plain

from annotator.agreement.chunked import NotChunked, chunked_report, parallel_report, read_ahead
from annotator.models import Annotation
from annotator.store import Store, open_store
from annotator.store.agreement_rows import dataset_annotators, iter_chunks, unit_id_ranges


def chunked(store: Store, layer: str, labels: list[str] | None, span: int, ahead: bool) -> dict[str, Any]:
    ds = store.require_dataset("mix")
    chunks = iter_chunks(store, ds.id, span=span)
    report = chunked_report(read_ahead(chunks) if ahead else chunks, dataset_annotators(store, ds.id), layer, 3,
                            labels)
    return {"dataset": ds.name, "overlap": ds.overlap, **report}


def n_annotators(store: Store) -> int:
    return len(store.annotators("mix"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), layer=st.sampled_from(["entities", "claims"]),
       labels=st.sampled_from([None, ["PERSON", "GPE"], ["CLAIM", "SOURCE"]]),
       span=st.sampled_from([1, 2, 3, 7, 1000]), ahead=st.booleans())
def test_chunked_report_equals_plain_report(seed: int, layer: str, labels: list[str] | None, span: int,
                                            ahead: bool) -> None:
    store = open_store(":memory:")
    try:
        build(store, seed)
        want = json.dumps(plain(store, layer, labels))
        if any(n >= 4 for (n,) in store.conn.execute(
                "SELECT count(*) FROM decisions WHERE answer != 'ignore' GROUP BY unit_id")):
            with pytest.raises(NotChunked):  # weights of 1/3: only unit-by-unit sums give the same bits
                chunked(store, layer, labels, span, ahead)
        else:
            assert json.dumps(chunked(store, layer, labels, span, ahead)) == want
    finally:
        store.close()


def _file_store(db: str, seeds: range) -> Store:
    store = open_store(db)
    for seed in seeds:
        build(store, seed)
    return store


def _three_annotators(db: str) -> Store:
    """A database (``db``: a file or a PostgreSQL URL) whose units have at most three
    decisions each, over several documents."""
    store = _file_store(db, range(0))
    seed = 0
    while store.conn.execute("SELECT count(*) FROM units").fetchone()[0] < 40:
        other = open_store(":memory:")
        build(other, seed)
        if n_annotators(other) <= 3:
            build(store, seed)
        other.close()
        seed += 1
    return store


def test_worker_processes_give_the_same_report(db) -> None:  # type: ignore[no-untyped-def]
    """Ranges of units measured in forked processes and merged: the plain report, bit for bit,
    however many ranges."""
    store = _three_annotators(db)
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
                got = parallel_report(ranges, chunks_of, names, layer, 3, None)
                assert json.dumps({"dataset": ds.name, "overlap": ds.overlap, **got}) == want
    finally:
        store.close()


def test_dataset_agreement_in_processes_equals_plain_and_falls_back(db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`dataset_agreement` on a dataset above the threshold uses worker processes; a damaged
    decision in a worker's range sends the report to the plain path, which gives the same."""
    import annotator.commands.agree as agree

    store = _three_annotators(db)
    try:
        monkeypatch.setattr(agree, "PARALLEL_UNITS", 1)
        monkeypatch.setattr(agree, "CHUNK_UNITS", 4)
        monkeypatch.setattr(agree, "_workers", lambda: 2)
        monkeypatch.setattr(agree, "_fork_safe", lambda: True)  # the test runner may hold threads
        calls: list[int] = []
        import annotator.agreement.chunked as chunked_module

        def spy(ranges: Any, *args: Any, real: Any = chunked_module.parallel_report) -> Any:
            calls.append(len(ranges))
            return real(ranges, *args)

        monkeypatch.setattr(chunked_module, "parallel_report", spy)  # imported where it is called
        want = json.dumps(plain(store, "entities", None))
        assert json.dumps(agree.dataset_agreement(store, "mix", "entities", 3)) == want
        assert calls == [2]
        last = store.conn.execute("SELECT max(unit_id) FROM decisions WHERE length(agree_spans) > 0").fetchone()[0]
        store.conn.execute("UPDATE decisions SET agree_spans = substr(agree_spans, 1, 5) WHERE unit_id = ?", (last,))
        store.conn.commit()
        assert json.dumps(agree.dataset_agreement(store, "mix", "entities", 3)) == want
        assert calls == [2, 2]
    finally:
        store.close()


def test_a_report_is_of_one_moment_and_ends_its_read(db) -> None:  # type: ignore[no-untyped-def]
    """Decisions made by another connection while the chunks are read are not in the report;
    the read transaction ends when the chunks are done, or abandoned."""
    store = _three_annotators(db)
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
        got = chunked_report([first, *rest], names, "entities", 3, None)
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
    from annotator.models import Document, Span, Unit

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

    import annotator.agreement.chunked as chunked_module
    import annotator.commands.agree as agree

    store = _three_annotators(str(tmp_path / "mix.db"))
    try:
        monkeypatch.setattr(agree, "PARALLEL_UNITS", 1)
        monkeypatch.setattr(agree, "_workers", lambda: 2)
        monkeypatch.setattr(agree, "_fork_safe", lambda: True)
        parent = os.getpid()
        real = chunked_module._totals

        def dying(*args: Any, **kwargs: Any) -> Any:
            if os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)

        monkeypatch.setattr(chunked_module, "_totals", dying)
        with pytest.raises(chunked_module.WorkerFailed):
            ds = store.require_dataset("mix")
            ranges = unit_id_ranges(store, ds.id, 2)
            parallel_report(ranges, lambda lo, hi: iter_chunks(open_store(store.path), ds.id, lo=lo, hi=hi),
                            dataset_annotators(store, ds.id), "entities", 3, None)
        want = json.dumps(plain(store, "entities", None))
        assert json.dumps(agree.dataset_agreement(store, "mix", "entities", 3)) == want
    finally:
        store.close()


def test_a_damaged_database_file_gets_one_line_and_exit_3(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Pages of the decisions table overwritten on disk (a bad copy, a failing disk): the
    command says which file is damaged in one line, exits 3, and shows no traceback."""
    import os
    import sqlite3

    from click.testing import CliRunner

    from annotator.cli import cli

    store = _three_annotators(str(tmp_path / "mix.db"))
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
