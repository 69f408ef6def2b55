"""Raw rows for exporters: plain tuples streamed in keyset-paginated batches, no pydantic.

Building a pydantic ``Unit`` per exported record costs more than the whole export budget
(DESIGN.md: >= 100,000 records/s), so exporters read these tuples instead. Each batch is one
short query under the store's lock; memory stays flat however large the dataset.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from annotator.store import Store

#: Columns of :func:`iter_decision_rows`, in order.
DECISION_COLUMNS: tuple[str, ...] = (
    "unit_id", "document_id", "position", "start", "end", "text", "input_hash", "tokens", "unit_meta",
    "annotator", "answer", "spans", "relations", "created", "time_spent", "meta", "doc_external_id", "doc_title",
    "token_bounds",
)

_DECISION_SELECT = (
    "SELECT u.id, u.document_id, u.position, u.start, u.\"end\", u.text, u.input_hash, u.tokens, u.meta,"
    " d.annotator, a.answer, a.spans, a.relations, a.created, a.time_spent, a.meta, doc.external_id, doc.title,"
    " u.token_bounds FROM decisions d JOIN units u ON u.id = d.unit_id"
    " JOIN annotations a ON a.id = d.annotation_id JOIN documents doc ON doc.id = u.document_id"
)
#: The same, forced to walk ``decisions`` by its primary key (unit, annotator): already in
#: export order, so SQLite never sorts the whole dataset for a batch.
_DECISION_SELECT_IN_ORDER = _DECISION_SELECT.replace(" JOIN ", " CROSS JOIN ")


def iter_decision_rows(
    store: Store,
    dataset_id: int,
    *,
    annotator: str | None = None,
    answers: Sequence[str] | None = None,
    document_id: int | None = None,
    unit_range: tuple[int, int] | None = None,
    batch: int = 4000,
) -> Iterator[tuple[Any, ...]]:
    """Current decisions of a dataset as :data:`DECISION_COLUMNS` tuples, ordered by unit id
    then annotator (the order of :meth:`Store.iter_annotation_rows`); ``unit_range`` keeps
    units with ``lo <= id < hi``."""
    return _iter_decisions(store, dataset_id, _DECISION_SELECT, _DECISION_SELECT_IN_ORDER, 9, annotator=annotator,
                           answers=answers, document_id=document_id, unit_range=unit_range, batch=batch)


#: Columns of :func:`jsonl_part_batches`, in order.
JSONL_PART_COLUMNS: tuple[str, ...] = ("unit_id", "annotator", "head", "part", "tail", "suffix")

# The stored parts of a decision's JSONL record (annotator.record_parts); head, part or tail
# NULL sends the record to the general encoder, the suffix is NULL without metadata.
_PARTS_SELECT = (
    "SELECT u.id, d.annotator, u.export_head, a.export_part, u.export_tail, a.export_meta"
    " FROM decisions d JOIN units u ON u.id = d.unit_id JOIN annotations a ON a.id = d.annotation_id"
)
_PARTS_SELECT_IN_ORDER = _PARTS_SELECT.replace(" JOIN ", " CROSS JOIN ")


def jsonl_part_batches(
    store: Store,
    dataset_id: int,
    *,
    annotator: str | None = None,
    answers: Sequence[str] | None = None,
    unit_range: tuple[int, int] | None = None,
    document_id: int | None = None,
    batch: int = 4000,
) -> Iterator[list[tuple[Any, ...]]]:
    """The decisions of :func:`iter_decision_rows` (same filters, same order) as
    :data:`JSONL_PART_COLUMNS` tuples, in batches (lists): the stored parts of each one's
    JSONL record."""
    return _decision_batches(store, dataset_id, _PARTS_SELECT, _PARTS_SELECT_IN_ORDER, 1, annotator=annotator,
                             answers=answers, unit_range=unit_range, document_id=document_id, batch=batch)


def _iter_decisions(store: Store, *args: Any, **kwargs: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of :func:`_decision_batches`, one by one."""
    for rows in _decision_batches(store, *args, **kwargs):
        yield from rows


def _decision_batches(
    store: Store,
    dataset_id: int,
    select: str,
    select_in_order: str,
    annotator_col: int,
    *,
    annotator: str | None = None,
    answers: Sequence[str] | None = None,
    document_id: int | None = None,
    unit_range: tuple[int, int] | None = None,
    batch: int = 4000,
) -> Iterator[tuple[Any, ...]]:
    """Keyset batches (lists of rows) of ``select`` over a dataset's current decisions (column
    0 the unit id, ``annotator_col`` the annotator), ordered by unit id then annotator."""
    # One annotator: walk its index (dataset, annotator, unit). One document: start from its
    # units. Otherwise walk the decisions' primary key in order ('+' keeps SQLite off the
    # annotator index, which would make it sort the whole dataset for every batch).
    in_order = annotator is None and document_id is None
    where = ["+d.dataset_id = ?" if in_order else "d.dataset_id = ?", "+u.dataset_id = ?"]
    params: list[Any] = [dataset_id, dataset_id]
    if document_id is not None:
        where.append("u.document_id = ?")
        params.append(document_id)
    if annotator is not None:
        where.append("d.annotator = ?")
        params.append(annotator)
    if answers:
        where.append(f"+d.answer IN ({','.join('?' * len(answers))})")
        params.extend(answers)
    if unit_range is not None:
        where.append("d.unit_id >= ? AND d.unit_id < ?")
        params.extend(unit_range)
    base = (select_in_order if in_order else select) + " WHERE " + " AND ".join(where)
    first = base + " ORDER BY d.unit_id, d.annotator LIMIT ?"
    after = (base + (" AND d.unit_id > ?" if annotator is not None else " AND (d.unit_id, d.annotator) > (?, ?)")
             + " ORDER BY d.unit_id, d.annotator LIMIT ?")
    conn = store.conn
    with store._lock:
        rows = conn.execute(first, (*params, batch)).fetchall()
    while rows:
        yield rows
        if len(rows) < batch:
            return
        last = rows[-1]
        with store._lock:
            key = (last[0],) if annotator is not None else (last[0], last[annotator_col])
            rows = conn.execute(after, (*params, *key, batch)).fetchall()


def unit_id_bounds(store: Store, dataset_id: int) -> tuple[int, int]:
    """(lowest, highest) unit id of a dataset, (0, -1) when it has none; two index look-ups."""
    with store._lock:
        lo, hi = store.conn.execute(
            "SELECT (SELECT MIN(id) FROM units WHERE dataset_id = ?1), (SELECT MAX(id) FROM units WHERE dataset_id = ?1)",
            (dataset_id,),
        ).fetchone()
    return (0, -1) if lo is None else (int(lo), int(hi))


#: Columns of :func:`iter_gold_rows`, in order.
GOLD_COLUMNS: tuple[str, ...] = (
    "unit_id", "document_id", "position", "start", "end", "text", "input_hash", "tokens", "unit_meta",
    "adjudicator", "answer", "spans", "relations", "created", "sources", "doc_external_id", "doc_title",
    "token_bounds",
)


def iter_gold_rows(store: Store, dataset_id: int, *, batch: int = 4000) -> Iterator[tuple[Any, ...]]:
    """Standing gold of a dataset as :data:`GOLD_COLUMNS` tuples, in unit order."""
    sql = (
        "SELECT u.id, u.document_id, u.position, u.start, u.\"end\", u.text, u.input_hash, u.tokens, u.meta,"
        " g.adjudicator, g.answer, g.spans, g.relations, g.created, g.sources, doc.external_id, doc.title,"
        " u.token_bounds FROM gold_current c JOIN gold g ON g.id = c.gold_id JOIN units u ON u.id = c.unit_id"
        " JOIN documents doc ON doc.id = u.document_id"
        " WHERE c.dataset_id = ? AND c.unit_id > ? ORDER BY c.unit_id LIMIT ?"
    )
    conn = store.conn
    after = -1
    while True:
        with store._lock:
            rows = conn.execute(sql, (dataset_id, after, batch)).fetchall()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1][0]


def use_small_cache(store: Store, kib: int = 8192) -> None:
    """Cap this connection's page cache at ``kib`` KiB: an export worker reads each page once,
    so a large cache only grows its memory with the database."""
    with store._lock:
        store.conn.execute(f"PRAGMA cache_size=-{int(kib)}")
