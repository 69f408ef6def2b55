"""`annotator agree --dataset` reads raw rows and computes in numpy (agreement/fast.py); its
report must equal, value for value, the plain report built from pydantic units and
annotations (report.dataset_report) on varied data."""

from __future__ import annotations

import json
import random
import struct
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.agreement.coding import coincidences, unit_value_counts
from annotator.agreement.fast import dense_value_counts, grouped_nominal_alpha
from annotator.agreement.reliability import Reliability
from annotator.agreement.report import dataset_report
from annotator.agreement.fast import fast_dataset_report
from annotator.store.agreement_rows import read_decisions, read_units
from annotator.models import Annotation, Document, Span, Token, Unit
from annotator.store import Store, open_store
from annotator.tokens import token_spans

WORDS = ["Kim", "Jong", "Un", "met", "Moon", "in", "Seoul", "U.N.", "said,", "Mr.", "3.5%", "on", "Friday.",
         "Zoë", "東京", "don't", "Russia's", "(AP)", "—", "e-mail", "🚀", "x"]
ENT = ["PERSON", "GPE", "ORG", "DATE"]
CLAIM = ["SOURCE", "CUE", "CLAIM"]


def _entities(rnd: random.Random, n: int) -> list[Span]:
    """Non-overlapping entity spans inside ``n`` characters."""
    out: list[Span] = []
    pos = 0
    while pos < n - 1 and rnd.random() < 0.8:
        start = rnd.randrange(pos, n - 1)
        end = rnd.randrange(start + 1, min(n, start + 12) + 1)
        out.append(Span(start=start, end=end, label=rnd.choice(ENT)))
        pos = end + rnd.randrange(0, 3)
    return out


def _claims(rnd: random.Random, n: int) -> list[Span]:
    """Claim spans that may nest and overlap (two with the same offsets keep different labels)."""
    out: dict[tuple[int, int, str], Span] = {}
    for _ in range(rnd.randrange(0, 5)):
        start = rnd.randrange(0, n)
        end = rnd.randrange(start + 1, n + 1)
        lbl = rnd.choice(CLAIM)
        out[(start, end, lbl)] = Span(start=start, end=end, label=lbl, layer="claims")
    return list(out.values())


def _perturb(rnd: random.Random, spans: list[Span], n: int) -> list[Span]:
    """Another annotator's version: some spans dropped, relabelled or moved by a character."""
    out: list[Span] = []
    for s in spans:
        r = rnd.random()
        if r < 0.15:
            continue
        if r < 0.3:
            labels = ENT if s.layer == "entities" else CLAIM
            out.append(s.model_copy(update={"label": rnd.choice(labels)}))
        elif r < 0.45 and s.end < n:
            out.append(s.model_copy(update={"end": s.end + 1}))
        else:
            out.append(s)
    ents = sorted((s for s in out if s.layer == "entities"), key=lambda s: (s.start, s.end))
    kept: list[Span] = []
    for s in ents:  # keep entities apart after moving them
        if not kept or s.start >= kept[-1].end:
            kept.append(s)
    claims = {(s.start, s.end, s.label): s for s in out if s.layer == "claims"}
    return kept + list(claims.values())


def build(store: Store, seed: int) -> None:
    """A varied dataset: documents of several units, 2-4 annotators who accept, reject or
    ignore, both layers, some units with stored tokens (one with none at all)."""
    rnd = random.Random(seed)
    ds = store.ensure_dataset("mix")
    names = ["ann", "bob", "cat", "dan"][: rnd.randrange(2, 5)]
    for d in range(rnd.randrange(1, 4)):
        texts = [" ".join(rnd.choice(WORDS) for _ in range(rnd.randrange(1, 9))) for _ in range(rnd.randrange(1, 5))]
        units = []
        pos = 0
        for i, t in enumerate(texts):
            tokens = None
            if rnd.random() < 0.2:
                tokens = [Token(text=t[a:b], start=a, end=b) for a, b in token_spans(t)]
                if rnd.random() < 0.3:
                    tokens = tokens[:1]  # stored tokens need not be the tokenizer's
            units.append(Unit(text=t, start=pos, end=pos + len(t), position=i, tokens=tokens))
            pos += len(t) + 1
        title = rnd.choice(["", "same title", f"title {d}"])
        store.insert_document(ds, Document(text=" ".join(texts), title=title,
                                           external_id=rnd.choice([None, f"doc-{d}"])), units)
    for u in store.iter_units("mix"):
        n = len(u.text)
        base = _entities(rnd, n) + _claims(rnd, n)
        for name in names:
            r = rnd.random()
            if r < 0.1:
                continue
            answer = "accept" if r < 0.8 else ("reject" if r < 0.9 else "ignore")
            spans = _perturb(rnd, base, n) if answer == "accept" else []
            store.add_annotation(Annotation(unit_id=u.id or 0, annotator=name, answer=answer, spans=spans))


def fast(store: Store, layer: str, labels: list[str] | None = None) -> dict[str, Any]:
    """The report by the fast path (no fallback: a Fallback fails the test)."""
    ds = store.require_dataset("mix")
    decisions = read_decisions(store, ds.id, span=3)
    assert decisions is not None
    report = fast_dataset_report(decisions, read_units(store, ds.id, span=2).take, layer, 3, labels)
    return {"dataset": ds.name, "overlap": ds.overlap, **report}


def plain(store: Store, layer: str, labels: list[str] | None) -> dict[str, Any]:
    """The report by the plain path: pydantic units and annotations through dataset_report."""
    ds = store.require_dataset("mix")

    def name(doc_id: int | None) -> str:
        doc = store.get_document(doc_id) if doc_id is not None else None
        return (doc.external_id or doc.title or f"document {doc_id}") if doc else str(doc_id)

    report = dataset_report(store.iter_annotations("mix"), layer, name, 3, labels)
    return {"dataset": ds.name, "overlap": ds.overlap, **report}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), layer=st.sampled_from(["entities", "claims"]),
       labels=st.sampled_from([None, ["PERSON", "GPE"], ["CLAIM", "SOURCE"], ["ORG"]]))
def test_fast_report_equals_plain_report(seed: int, layer: str, labels: list[str] | None) -> None:
    store = open_store(":memory:")
    try:
        build(store, seed)
        assert json.dumps(fast(store, layer, labels), indent=2) == json.dumps(plain(store, layer, labels), indent=2)
    finally:
        store.close()


def test_fast_report_equals_plain_report_on_a_larger_dataset(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Many documents (per-document alpha grouped in one pass) and every annotator; alpha_u
    with gaps counted by length and with gaps listed (as for very long units)."""
    import annotator.agreement.fast as fast_module

    store = open_store(":memory:")
    try:
        for seed in range(6):
            build(store, 1000 + seed)
        for layer in ("entities", "claims"):
            got = fast(store, layer)
            assert got["units_shared"] > 5 and len(got["tokens"]["per_document"]) > 3
            want = json.dumps(plain(store, layer, None))
            assert json.dumps(got) == want
            monkeypatch.setattr(fast_module, "COUNTED_GAPS_UP_TO", 0)
            assert json.dumps(fast(store, layer)) == want
            monkeypatch.undo()
    finally:
        store.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), layer=st.sampled_from(["entities", "claims"]))
def test_units_and_decisions_from_before_the_packed_columns(seed: int, layer: str) -> None:
    """Units from before migration m002 (no token bounds) or without their m004 row are read
    row by row and tokenized;
    decisions the migration m003 backfills give the same report; a decision left without its
    packed columns sends the whole report to the plain path."""
    from annotator.commands.agree import dataset_agreement
    from annotator.store.agreement_rows import backfill

    store = open_store(":memory:")
    try:
        build(store, seed)
        want = json.dumps(plain(store, layer, None))
        assert json.dumps(fast(store, layer)) == want
        conn = store.conn
        conn.execute("UPDATE units SET token_bounds = NULL WHERE id % 3 != 1")
        conn.execute("UPDATE unit_extents SET token_bounds = NULL WHERE unit_id % 3 != 1")
        assert json.dumps(fast(store, layer)) == want
        conn.execute("DELETE FROM unit_extents WHERE unit_id % 2 = 0")
        assert json.dumps(fast(store, layer)) == want
        conn.execute("UPDATE decisions SET agree_head = NULL, agree_spans = NULL")
        conn.execute("DELETE FROM span_labels")
        conn.execute("DELETE FROM annotator_ids")
        ds = store.require_dataset("mix")
        if conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]:
            assert read_decisions(store, ds.id) is None
        assert json.dumps(dataset_agreement(store, "mix", layer, 3)) == want
        assert backfill(conn.execute, conn.executemany, batch=4) == conn.execute("SELECT COUNT(*) FROM decisions"
                                                                                ).fetchone()[0]
        assert json.dumps(fast(store, layer)) == want
    finally:
        store.close()


def test_damaged_packed_columns_fall_back_to_the_stored_annotations() -> None:
    """A truncated or overlong packed blob (a damaged file, a bad hand edit) never reaches the
    measures: the units are read again from their rows, the decisions by the plain path."""
    from annotator.commands.agree import dataset_agreement

    store = open_store(":memory:")
    try:
        for seed in range(2):
            build(store, 3000 + seed)
        want = json.dumps(plain(store, "entities", None))
        conn = store.conn
        conn.execute("UPDATE unit_extents SET token_bounds = substr(token_bounds, 1, 5) WHERE unit_id % 2 = 0")
        conn.execute("UPDATE unit_extents SET head = head || x'00' WHERE unit_id % 3 = 0")
        conn.execute("UPDATE units SET token_bounds = token_bounds || x'01' WHERE id % 4 = 0")
        assert json.dumps(fast(store, "entities")) == want
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

    from annotator.commands.agree import dataset_agreement

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


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(-1, 4), min_size=3, max_size=3), min_size=0, max_size=30))
def test_dense_value_counts_equal_unit_value_counts(rows: list[list[int]]) -> None:
    matrix = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    units, coders = np.nonzero(matrix >= 0)
    rel = Reliability.from_codes(units, coders, matrix[units, coders], list(range(5)), ["a", "b", "c"], len(matrix))
    for got, want in zip(dense_value_counts(matrix), unit_value_counts(rel)):
        assert got.tolist() == want.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.lists(st.integers(-1, 3), min_size=3, max_size=3)), max_size=40))
def test_grouped_alpha_equals_alpha_of_each_subset(rows: list[tuple[int, list[int]]]) -> None:
    """Nominal alpha per group from one pass equals alpha of each group's own subset."""
    from annotator.agreement.coding import krippendorff_alpha

    groups = np.asarray([g for g, _ in rows], dtype=np.int64)
    matrix = np.asarray([r for _, r in rows], dtype=np.int64).reshape(-1, 3)
    units, coders = np.nonzero(matrix >= 0)
    rel = Reliability.from_codes(units, coders, matrix[units, coders], list(range(4)), ["a", "b", "c"], len(matrix))
    figs = grouped_nominal_alpha(*dense_value_counts(matrix), 4, groups, 4, 3)
    for g in range(4):
        want = krippendorff_alpha(rel.subset(groups[units] == g), "nominal", 3)
        assert figs[g].as_dict() == want.as_dict()
    assert coincidences(rel).n_units == sum(f.n_units for f in figs)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(-1, 4), min_size=4, max_size=4), max_size=30), st.integers(0, 4),
       st.booleans())
def test_pair_and_binary_coincidences_equal_those_of_their_reliability(rows: list[list[int]], j: int,
                                                                       sparse: bool) -> None:
    """Two coders' coincidences counted directly, and one category against the rest by
    collapsing the full matrix, equal the coincidences of the reliability data they stand for."""
    import annotator.agreement.coding as coding

    matrix = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
    old = coding._DENSE_LIMIT
    coding._DENSE_LIMIT = 1 if sparse else old
    try:
        units, coders = np.nonzero(matrix[:, :2] >= 0)
        pair = Reliability.from_codes(units, coders, matrix[units, coders], list(range(5)), ["a", "b"], len(matrix))
        got = coding.pair_coincidences(matrix[:, 0], matrix[:, 1], 5)
        want = coincidences(pair)
        assert np.array_equal(got.dense(), want.dense()) and got.n_units == want.n_units
        assert got.n_c.tolist() == want.n_c.tolist()
    finally:
        coding._DENSE_LIMIT = old
    units, coders = np.nonzero(matrix >= 0)
    values = matrix[units, coders]
    full = Reliability.from_codes(units, coders, values, list(range(5)), list("abcd"), len(matrix))
    binary = Reliability.from_codes(units, coders, (values == j).astype(np.int64), [0, 1], list("abcd"), len(matrix))
    got = coding.binary_coincidences(coincidences(full), j)
    want = coincidences(binary)
    assert np.allclose(got.dense(), want.dense(), rtol=0, atol=1e-12) and got.n_units == want.n_units
    assert got.n_c.tolist() == want.n_c.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.lists(st.integers(-1, 3), min_size=3, max_size=3)), max_size=40))
def test_counts_pair_by_pair_equal_counts_unit_by_unit(rows: list[tuple[int, list[int]]]) -> None:
    """With three coders (weights 1 and 1/2) the coincidences and per-group counts taken pair
    of coders by pair of coders are those of the unit-by-unit path, bit for bit."""
    from annotator.agreement.coding import coincidences_from_counts
    from annotator.agreement.fast import dyadic_counts, group_counts

    groups = np.asarray([g for g, _ in rows], dtype=np.int64)
    matrix = np.asarray([r for _, r in rows], dtype=np.int64).reshape(-1, 3)
    from annotator.agreement.coding import pair_coincidences

    cols = [matrix[:, j].copy() for j in range(3)]
    pairs: dict = {}
    got = dyadic_counts(cols, 4, groups, 3, pairs)
    assert got is not None and sorted(pairs) == [(0, 1), (0, 2), (1, 2)]
    for (a, b), co_ab in pairs.items():
        alone = pair_coincidences(cols[a], cols[b], 4)
        assert [x.tolist() for x in (co_ab.rows, co_ab.cols, co_ab.weights, co_ab.n_c)] == [
            x.tolist() for x in (alone.rows, alone.cols, alone.weights, alone.n_c)] and co_ab.n_units == alone.n_units
    counts = dense_value_counts(matrix)
    want = coincidences_from_counts(*counts, 4)
    co, by_group = got
    assert co.rows.tolist() == want.rows.tolist() and co.cols.tolist() == want.cols.tolist()
    assert co.weights.tolist() == want.weights.tolist() and co.n_c.tolist() == want.n_c.tolist()
    assert co.n_units == want.n_units
    for a, b in zip(by_group, group_counts(*counts, 4, groups, 3)):
        assert np.asarray(a).tolist() == np.asarray(b).tolist()


def test_counts_pair_by_pair_refuse_weights_that_are_not_exact() -> None:
    """Four values in a unit weigh 1/3 each: not exact, so the unit-by-unit path is used."""
    from annotator.agreement.fast import dyadic_counts

    cols = [np.asarray([0, 1]), np.asarray([0, 1]), np.asarray([1, -1]), np.asarray([0, 1])]
    assert dyadic_counts(cols, 2, np.zeros(2, dtype=np.int64), 1) is None
    assert dyadic_counts(cols[:3], 2, np.zeros(2, dtype=np.int64), 1) is not None
