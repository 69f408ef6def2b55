"""Raw rows for exporters: plain tuples streamed in keyset-paginated batches, no pydantic.

Building a pydantic ``Unit`` per exported record costs more than the whole export budget
(DESIGN.md: >= 100,000 records/s), so exporters read these tuples instead. The decisions come
from the store's one reader of current decisions
(:meth:`~annotator.store.decisions.DecisionTables.current_decisions`); each batch is one short
query under the store's lock, and memory stays flat however large the dataset.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from annotator.record_parts import HEAD_SHORTHAND, PART_SHORTHAND, TAIL_SHORTHAND

if TYPE_CHECKING:
    from annotator.store import Store

#: Columns of :func:`iter_decision_rows`, in order.
DECISION_COLUMNS: tuple[str, ...] = (
    "unit_id", "document_id", "position", "start", "end", "text", "input_hash", "tokens", "unit_meta",
    "annotator", "answer", "spans", "relations", "created", "time_spent", "meta", "doc_external_id", "doc_title",
    "token_bounds",
)

#: Columns of :func:`jsonl_part_batches`, in order: the stored parts of a decision's JSONL
#: record (:mod:`annotator.record_parts`, kept compact); head, part or tail None sends the
#: record to the general encoder, the suffix is None without metadata.
JSONL_PART_COLUMNS: tuple[str, ...] = ("unit_id", "annotator", "head", "part", "tail", "suffix")


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
    then annotator; ``unit_range`` keeps units with ``lo <= id < hi``."""
    for rows in store.current_decisions(dataset_id, DECISION_COLUMNS, annotator=annotator, answers=answers,
                                        document_id=document_id, unit_range=unit_range, batch=batch):
        yield from rows


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
    :data:`JSONL_PART_COLUMNS` tuples, in batches (lists), expanded from their compact forms
    (a unit's head and tail once for its decisions). This is the export's hot loop with
    :func:`annotator.formats.jsonl.encode_jsonl_parts`."""
    expand_head, expand_part, expand_tail = HEAD_SHORTHAND.expand, PART_SHORTHAND.expand, TAIL_SHORTHAND.expand
    for rows in store.current_decisions(dataset_id, JSONL_PART_COLUMNS, annotator=annotator, answers=answers,
                                        document_id=document_id, unit_range=unit_range, batch=batch):
        out = []
        last, head, tail = None, None, None
        for uid, name, stored_head, part, stored_tail, suffix in rows:
            if uid != last:
                last = uid
                head = None if stored_head is None else expand_head(stored_head)
                tail = None if stored_tail is None else expand_tail(stored_tail)
            out.append((uid, name, head, None if part is None else expand_part(part), tail, suffix))
        yield out


def unit_id_bounds(store: Store, dataset_id: int) -> tuple[int, int]:
    """(lowest, highest) unit id of a dataset, (0, -1) when it has none."""
    return store.unit_id_bounds(dataset_id)


#: Columns of :func:`iter_gold_rows`, in order.
GOLD_COLUMNS: tuple[str, ...] = (
    "unit_id", "document_id", "position", "start", "end", "text", "input_hash", "tokens", "unit_meta",
    "adjudicator", "answer", "spans", "relations", "created", "sources", "doc_external_id", "doc_title",
    "token_bounds",
)


def iter_gold_rows(store: Store, dataset_id: int, *, batch: int = 4000) -> Iterator[tuple[Any, ...]]:
    """Standing gold of a dataset as :data:`GOLD_COLUMNS` tuples, in unit order."""
    return store.gold_rows(dataset_id, batch=batch)


def use_small_cache(store: Store, kib: int = 8192) -> None:
    """Cap this connection's page cache at ``kib`` KiB: an export worker reads each page once,
    so a large cache only grows its memory with the database."""
    store.set_cache_size(kib)
