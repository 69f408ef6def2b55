"""What ``annotator agree --dataset`` reads: a dataset's current decisions as packed columns.

A million units decided by three annotators are three million decisions. Reading a Python
tuple per decision costs about a microsecond per column on this kind of machine, and parsing
each decision's span JSON into dicts costs more than all the measures together. So each
current decision also keeps, in ``decisions`` (migration ``m003``), what agreement needs of it
in fixed binary form, written with the decision:

- ``agree_head``: :data:`HEAD` = unit id (int64), annotator id, answer code, number of spans
  (int32, little-endian);
- ``agree_spans``: the spans as (start, end, label id) int32 triples, sorted by (start, end,
  label) as the measures sort each version, every layer together.

Ids come from ``annotator_ids`` and ``span_labels``: one per name (per layer and label), never
renumbered. A dataset is then read in ranges of unit ids, each range one aggregate query whose
``group_concat`` joins the heads and the spans into two byte strings inside SQLite (read with
``text_factory=bytes``: SQLite concatenates blobs byte for byte, NULs included); numpy views
them as arrays. Units come the same way, with their packed token bounds (``unit_extents``,
migration ``m004``; ``units.token_bounds`` before ``m008``); a range holding a unit from before that migration is read row by row and
tokenized here. Nothing here writes, except :func:`backfill` inside the migration.
"""

from __future__ import annotations

import sqlite3
import struct
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from annotator.record_parts import ANSWERS
from annotator.tokens import pack_bounds, prodigy_tokens

if TYPE_CHECKING:
    import numpy as np

    from annotator.store import Store

#: A decision's head: unit id, annotator id, answer code, number of spans.
HEAD = struct.Struct("<qiii")
#: A unit's head in ``unit_extents``: unit id, document id, length in characters.
UNIT_HEAD = struct.Struct("<qqi")
#: Answer codes in ``agree_head``.
ANSWER_CODES: dict[str, int] = {answer: code for code, answer in enumerate(ANSWERS)}
_I32_MIN, _I32_MAX = -(1 << 31), (1 << 31) - 1


def _clamp(x: int) -> int:
    """An offset as int32: one beyond that range lies outside every unit either way (the
    measures then hand the data to the plain path, which names the error)."""
    return min(max(x, _I32_MIN), _I32_MAX)


def packed_decision(unit_id: int, annotator_id: int, answer: str, spans: Iterable[tuple[int, int, str, str]],
                    label_id: Callable[[str, str], int]) -> tuple[bytes, bytes]:
    """(``agree_head``, ``agree_spans``) of a decision with (start, end, label, layer) spans."""
    arr = array("i")
    ordered = sorted(spans)  # (start, end, label), then layer: bytes independent of input order
    for start, end, label, layer in ordered:
        arr.extend((_clamp(start), _clamp(end), label_id(layer, label)))
    if sys.byteorder == "big":
        arr.byteswap()
    return HEAD.pack(unit_id, annotator_id, ANSWER_CODES[answer], len(ordered)), arr.tobytes()


def json_spans(raw: str | None) -> list[tuple[int, int, str, str]]:
    """A stored span JSON as (start, end, label, layer) tuples."""
    if not raw or raw == "[]":
        return []
    return [(int(s["start"]), int(s["end"]), s["label"], s.get("layer", "entities")) for s in orjson.loads(raw)]


class Ids:
    """Ids of annotator names and span labels, read from and added to their tables."""

    def __init__(self, execute: Callable[..., Any]) -> None:
        self._execute = execute
        self.labels: dict[tuple[str, str], int] = {}
        self.annotators: dict[str, int] = {}

    def clear(self) -> None:
        """Forget every id (a rolled-back transaction may have added some)."""
        self.labels.clear()
        self.annotators.clear()

    def label(self, layer: str, label: str) -> int:
        key = (layer, label)
        found = self.labels.get(key)
        if found is None:
            self._execute("INSERT OR IGNORE INTO span_labels (layer, label) VALUES (?, ?)", key)
            found = self.labels[key] = int(
                self._execute("SELECT id FROM span_labels WHERE layer = ? AND label = ?", key).fetchone()[0])
        return found

    def annotator(self, name: str) -> int:
        found = self.annotators.get(name)
        if found is None:
            self._execute("INSERT OR IGNORE INTO annotator_ids (name) VALUES (?)", (name,))
            found = self.annotators[name] = int(
                self._execute("SELECT id FROM annotator_ids WHERE name = ?", (name,)).fetchone()[0])
        return found


def backfill(execute: Callable[..., Any], executemany: Callable[..., Any], batch: int = 20_000) -> int:
    """Write ``agree_head`` and ``agree_spans`` for every decision that lacks them (migration
    ``m003``, inside its transaction); returns how many."""
    ids = Ids(execute)
    done = 0
    after: tuple[int, str] = (-1, "")
    while True:
        rows = execute(
            "SELECT d.unit_id, d.annotator, d.answer, a.spans FROM decisions d JOIN annotations a"
            " ON a.id = d.annotation_id WHERE (d.unit_id, d.annotator) > (?, ?) AND d.agree_head IS NULL"
            " ORDER BY d.unit_id, d.annotator LIMIT ?", (*after, batch)).fetchall()
        if not rows:
            return done
        updates = []
        for unit_id, name, answer, spans in rows:
            head, packed = packed_decision(unit_id, ids.annotator(name), answer, json_spans(spans), ids.label)
            updates.append((head, packed, unit_id, name))
        executemany("UPDATE decisions SET agree_head = ?, agree_spans = ? WHERE unit_id = ? AND annotator = ?",
                    updates)
        done += len(rows)
        after = (rows[-1][0], rows[-1][1])


def backfill_units(execute: Callable[..., Any], executemany: Callable[..., Any], batch: int = 20_000) -> int:
    """Write the ``unit_extents`` row of every unit that lacks one (migration ``m004``,
    inside its transaction); returns how many."""
    done = 0
    after = -1
    while True:
        rows = execute(
            "SELECT id, dataset_id, document_id, text, token_bounds FROM units WHERE id > ? ORDER BY id LIMIT ?",
            (after, batch)).fetchall()
        if not rows:
            return done
        executemany("INSERT OR IGNORE INTO unit_extents (unit_id, dataset_id, head, token_bounds) VALUES (?, ?, ?, ?)",
                    [(u, ds, UNIT_HEAD.pack(u, d, len(t)), b) for u, ds, d, t, b in rows])
        done += len(rows)
        after = rows[-1][0]


@dataclass
class Decisions:
    """Current decisions of a dataset, ordered by unit id then annotator name."""

    unit_ids: np.ndarray  # int64 per decision
    annotators: np.ndarray  # int64 per decision: index into annotator_names
    annotator_names: list[str]  # by first appearance
    answers: np.ndarray  # int64 per decision: index into ANSWERS
    n_spans: np.ndarray  # int64 per decision
    spans: np.ndarray  # (n, 3) int64: start, end, label id; each decision's in turn
    labels: dict[int, tuple[str, str]]  # label id -> (layer, label)


@dataclass
class Units:
    """Some units of a dataset, in id order."""

    unit_ids: np.ndarray
    document_ids: np.ndarray
    lengths: np.ndarray  # characters
    n_tokens: np.ndarray
    tokens: np.ndarray  # (n, 2) int64: start, end of every unit's tokens in turn
    document_names: dict[int, str]  # external id, else title, else "document N"

    def take(self, unit_ids: np.ndarray) -> Units:
        """These units only (``unit_ids`` sorted; ids not here are left out)."""
        import numpy as np

        if np.array_equal(unit_ids, self.unit_ids):
            return self

        at = np.searchsorted(self.unit_ids, unit_ids)
        ok = at < len(self.unit_ids)
        ok[ok] = self.unit_ids[at[ok]] == unit_ids[ok]
        at = at[ok]
        first = np.concatenate([[0], np.cumsum(self.n_tokens)[:-1]]).astype(np.int64)
        n = self.n_tokens[at]
        rows = np.repeat(first[at], n) + (np.arange(int(n.sum()), dtype=np.int64) - np.repeat(np.cumsum(n) - n, n))
        return Units(self.unit_ids[at], self.document_ids[at], self.lengths[at], n, self.tokens[rows],
                     self.document_names)


def _id_range(store: Store, dataset_id: int) -> tuple[int, int]:
    """The dataset's least and greatest unit id (two queries: each is one index seek, the
    two in one query a scan of the dataset's units)."""
    execute = store.conn.execute
    lo = execute("SELECT min(id) FROM units WHERE dataset_id = ?", (dataset_id,)).fetchone()[0]
    hi = execute("SELECT max(id) FROM units WHERE dataset_id = ?", (dataset_id,)).fetchone()[0]
    return (lo, hi) if lo is not None else (0, -1)


def _ints(raw: bytes | None) -> np.ndarray:
    """A ``group_concat`` of integers (comma-separated digits) as an int64 array."""
    import numpy as np

    if not raw:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(raw, dtype=np.int64, sep=",")  # text mode: not the deprecated binary one


class _Bytes:
    """The store's connection returning TEXT as bytes, for the block (under the store's lock)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Any:
        self.store._lock.acquire()
        self.saved = self.store.conn.text_factory
        self.store.conn.text_factory = bytes
        return self.store.conn

    def __exit__(self, *exc: object) -> None:
        self.store.conn.text_factory = self.saved
        self.store._lock.release()


_DECISIONS = (
    "SELECT count(*), count(agree_head), group_concat(agree_head, ''), group_concat(agree_spans, '')"
    " FROM decisions WHERE +dataset_id = ? AND unit_id BETWEEN ? AND ?"
)


def _decision_blobs(store: Store, dataset_id: int, lo: int, hi: int, span: int
                    ) -> tuple[list[bytes], list[bytes]] | None:
    """The joined heads and spans of the decisions on units ``lo`` to ``hi``, a query per
    ``span`` unit ids; None if one lacks its packed columns."""
    heads: list[bytes] = []
    spans: list[bytes] = []
    with _Bytes(store) as conn:
        for at in range(lo, hi + 1, span):
            try:
                n, packed, head, sp = conn.execute(_DECISIONS, (dataset_id, at, min(at + span - 1, hi))).fetchone()
            except sqlite3.DataError:  # more than SQLite's longest string: the plain path reads them
                return None
            if n != packed:
                return None
            if n:
                if len(head) != n * HEAD.size or len(sp or b"") % 12:  # damaged columns
                    return None
                heads.append(head)
                spans.append(sp or b"")
    return heads, spans


def read_decisions(store: Store, dataset_id: int, *, span: int = 100_000) -> Decisions | None:
    """Every current decision of a dataset (see :class:`Decisions`), ``span`` unit ids a query;
    None if one lacks its packed columns (the plain path reads it then)."""
    lo, hi = _id_range(store, dataset_id)
    blobs = _decision_blobs(store, dataset_id, lo, hi, span)
    return _decisions(store, *blobs) if blobs is not None else None


def _decisions(store: Store, heads: list[bytes], spans: list[bytes]) -> Decisions | None:
    """:class:`Decisions` from the joined heads and spans, in unit order."""
    import numpy as np

    with _Bytes(store) as conn:
        names = {i: n.decode() for i, n in conn.execute("SELECT id, name FROM annotator_ids")}
        labels = {i: (a.decode(), b.decode()) for i, a, b in conn.execute("SELECT id, layer, label FROM span_labels")}
    rec = np.frombuffer(b"".join(heads), dtype=np.dtype([("u", "<i8"), ("a", "<i4"), ("ans", "<i4"), ("n", "<i4")]))
    unit_ids = rec["u"].astype(np.int64)
    ann_ids = rec["a"].astype(np.int64)
    # Annotators by name order within a unit (the decisions' key), then by first appearance.
    ids_sorted = sorted(names, key=lambda i: names[i])
    rank = np.zeros(max(names, default=0) + 1, dtype=np.int64)
    rank[ids_sorted] = np.arange(len(ids_sorted))
    if len(ann_ids) and (ann_ids.min() < 0 or ann_ids.max() >= len(rank)):
        return None
    order = None
    if len(unit_ids) > 1:
        key_u, key_a = unit_ids, rank[ann_ids]
        if not np.all((key_u[1:] > key_u[:-1]) | ((key_u[1:] == key_u[:-1]) & (key_a[1:] > key_a[:-1]))):
            order = np.lexsort((key_a, key_u))
    n_spans = rec["n"].astype(np.int64)
    triples = np.frombuffer(b"".join(spans), dtype="<i4").reshape(-1, 3).astype(np.int64)
    if int(n_spans.sum()) != len(triples):
        return None
    if order is not None:  # spans follow their decisions
        starts = np.concatenate([[0], np.cumsum(n_spans)[:-1]]).astype(np.int64)
        n_sorted = n_spans[order]
        take = np.repeat(starts[order], n_sorted) + (
            np.arange(int(n_sorted.sum()), dtype=np.int64) - np.repeat(np.cumsum(n_sorted) - n_sorted, n_sorted))
        triples = triples[take]
        unit_ids, ann_ids, n_spans = unit_ids[order], ann_ids[order], n_sorted
        answers = rec["ans"].astype(np.int64)[order]
    else:
        answers = rec["ans"].astype(np.int64)
    uniq, first = np.unique(ann_ids, return_index=True)
    by_first = uniq[np.argsort(first, kind="stable")]
    code = np.zeros(len(rank), dtype=np.int64)
    code[by_first] = np.arange(len(by_first))
    return Decisions(unit_ids, code[ann_ids], [names[int(i)] for i in by_first], answers, n_spans, triples,
                     labels)


_UNITS = (
    "SELECT count(*), count(token_bounds), group_concat(head, ''), group_concat(length(token_bounds)),"
    " group_concat(token_bounds, '') FROM unit_extents WHERE +dataset_id = ? AND unit_id BETWEEN ? AND ?"
)
_UNIT_COUNT = "SELECT count(*) FROM units WHERE dataset_id = ? AND id BETWEEN ? AND ?"
_UNIT_ROWS = (
    "SELECT u.id, u.document_id, u.text, x.token_bounds, u.tokens FROM units u"
    " LEFT JOIN unit_extents x ON x.unit_id = u.id WHERE u.dataset_id = ? AND u.id BETWEEN ? AND ? ORDER BY u.id"
)


def _bounds(text: str, tokens: str | None) -> bytes:
    """Packed token bounds of a unit stored without them: its stored tokens', else the default
    tokenizer's (what ``unit_extents.token_bounds`` holds for newer rows)."""
    if tokens is not None:
        stored = orjson.loads(tokens)
        if stored is not None:
            return pack_bounds([{"start": int(t["start"]), "end": int(t["end"])} for t in stored])
    return pack_bounds(prodigy_tokens(text))


def document_names(store: Store, dataset_id: int) -> dict[int, str]:
    """Each document's name in reports: its external id, else its title, else "document N"."""
    names: dict[int, str] = {}
    with _Bytes(store) as conn:
        for doc_id, external_id, title in conn.execute(
                "SELECT id, external_id, title FROM documents WHERE dataset_id = ?", (dataset_id,)):
            ext = external_id.decode() if external_id is not None else None
            names[doc_id] = ext or (title or b"").decode() or f"document {doc_id}"
    return names


def _unit_range(conn: sqlite3.Connection, dataset_id: int, at: int, end: int) -> tuple[tuple[np.ndarray, ...], bytes] | None:
    """(unit ids, document ids, lengths, token counts) and the packed token bounds of the
    units with ids ``at`` to ``end``; None if there are none."""
    import numpy as np

    try:
        n, with_bounds, heads, n_bytes, packed = conn.execute(_UNITS, (dataset_id, at, end)).fetchone()
    except sqlite3.DataError:  # more than SQLite's longest string: read row by row
        n, with_bounds = -1, 0
    total = conn.execute(_UNIT_COUNT, (dataset_id, at, end)).fetchone()[0]
    if not total:
        return None
    sizes = _ints(n_bytes) if n > 0 and n == with_bounds else None
    ok = (n == total and sizes is not None and len(heads or b"") == n * UNIT_HEAD.size
          and not np.any(sizes % 8) and int(sizes.sum()) == len(packed or b""))
    rec = np.frombuffer(heads, dtype=np.dtype([("u", "<i8"), ("d", "<i8"), ("n", "<i4")])) if ok else None
    if rec is None or np.any(np.diff(rec["u"]) <= 0):
        # units not yet tokenized (an import under way), from before m002, or damaged
        rows = conn.execute(_UNIT_ROWS, (dataset_id, at, end)).fetchall()
        texts = [r[2].decode() for r in rows]
        blobs = [r[3] if r[3] is not None and len(r[3]) % 8 == 0 else
                 _bounds(t, r[4].decode() if r[4] is not None else None) for r, t in zip(rows, texts)]
        return ((np.asarray([r[0] for r in rows], dtype=np.int64),
                 np.asarray([r[1] for r in rows], dtype=np.int64),
                 np.asarray([len(t) for t in texts], dtype=np.int64),
                 np.asarray([len(b) // 8 for b in blobs], dtype=np.int64)), b"".join(blobs))
    return ((rec["u"].astype(np.int64), rec["d"].astype(np.int64), rec["n"].astype(np.int64), sizes // 8),
            packed or b"")


def _units(parts: list[tuple[np.ndarray, ...]], bounds: list[bytes], names: dict[int, str]) -> Units:
    import numpy as np

    cols = [np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, dtype=np.int64) for k in range(4)]
    tokens = np.frombuffer(b"".join(bounds), dtype="<i4").reshape(-1, 2).astype(np.int64)
    return Units(cols[0], cols[1], cols[2], cols[3], tokens, names)


def read_units(store: Store, dataset_id: int, *, span: int = 100_000) -> Units:
    """Every unit of a dataset with its length, document and token bounds, ``span`` unit ids
    a query."""
    lo, hi = _id_range(store, dataset_id)
    parts: list[tuple[np.ndarray, ...]] = []
    bounds: list[bytes] = []
    with _Bytes(store) as conn:
        for at in range(lo, hi + 1, span):
            got = _unit_range(conn, dataset_id, at, at + span - 1)
            if got is not None:
                parts.append(got[0])
                bounds.append(got[1])
    return _units(parts, bounds, document_names(store, dataset_id))


def dataset_annotators(store: Store, dataset_id: int) -> list[str]:
    """The names of everyone with a current decision in the dataset, sorted (one index seek
    per name rather than a pass over every decision)."""
    with _Bytes(store) as conn:
        rows = conn.execute(
            "WITH RECURSIVE a(name) AS (SELECT min(annotator) FROM decisions WHERE dataset_id = ?1"
            " UNION ALL SELECT (SELECT min(annotator) FROM decisions WHERE dataset_id = ?1 AND annotator > a.name)"
            " FROM a WHERE a.name IS NOT NULL) SELECT name FROM a WHERE name IS NOT NULL", (dataset_id,)).fetchall()
    return sorted(r[0].decode() for r in rows)


def unit_id_ranges(store: Store, dataset_id: int, parts: int) -> list[tuple[int, int]]:
    """The dataset's unit ids cut into ``parts`` ranges (lo, hi) of about as many units each
    (fewer ranges for a small dataset; none for an empty one)."""
    with _Bytes(store) as conn:
        n = conn.execute("SELECT count(*) FROM units WHERE dataset_id = ?", (dataset_id,)).fetchone()[0]
        if not n:
            return []
        parts = max(1, min(parts, n))
        cuts = [conn.execute("SELECT id FROM units WHERE dataset_id = ? ORDER BY id LIMIT 1 OFFSET ?",
                             (dataset_id, n * k // parts)).fetchone()[0] for k in range(parts)]
        last = conn.execute("SELECT max(id) FROM units WHERE dataset_id = ?", (dataset_id,)).fetchone()[0]
    cuts = sorted(set(cuts))
    return [(lo, nxt - 1) for lo, nxt in zip(cuts, cuts[1:])] + [(cuts[-1], last)]


def iter_chunks(store: Store, dataset_id: int, *, span: int = 100_000, lo: int | None = None,
                hi: int | None = None, names: dict[int, str] | None = None
                ) -> Iterator[tuple[Decisions | None, Units]]:
    """The dataset's decisions and units (those with ids ``lo`` to ``hi``, by default all)
    ``span`` unit ids at a time, in unit order, all read
    in one read transaction (a report of one moment even while annotators go on); a chunk's
    decisions are None if one lacks its packed columns. The caller may work on a chunk while
    the next is read in another thread: SQLite runs without Python's lock. ``names``: the
    documents' names (:func:`document_names`), when already read."""
    names = document_names(store, dataset_id) if names is None else names
    with store._lock:
        began = not store.conn.in_transaction
        if began:
            store.conn.execute("BEGIN")
        try:
            first, last = _id_range(store, dataset_id)
            first, last = max(first, lo if lo is not None else first), min(last, hi if hi is not None else last)
            for at in range(first, last + 1, span):
                end = min(at + span - 1, last)
                blobs = _decision_blobs(store, dataset_id, at, end, span)
                decisions = _decisions(store, *blobs) if blobs is not None else None
                with _Bytes(store) as conn:
                    got = _unit_range(conn, dataset_id, at, end)
                units = _units([got[0]] if got else [], [got[1]] if got else [], names)
                yield decisions, units
        finally:
            if began and store.conn.in_transaction:
                store.conn.execute("COMMIT")


def read_dataset(store: Store, dataset_id: int, *, span: int = 100_000) -> tuple[Decisions | None, Units]:
    """:func:`read_decisions` and :func:`read_units` of a dataset. (Reading the two, or two
    halves of the decisions, through connections of their own at the same time was no faster
    on a two-core machine: 6.0 s against 6.2 s for 1,000,000 units x 3.)"""
    return read_decisions(store, dataset_id, span=span), read_units(store, dataset_id, span=span)
