"""Raw rows for agreement: every current decision of a dataset as a plain tuple, streamed.

``annotator agree --dataset`` reads every decision of a dataset; a pydantic ``Unit`` and
``Annotation`` per row cost more than all the measures together, so it reads these tuples
(keyset batches walking the decisions' primary key, one short query per batch under the
store's lock) and parses span JSON itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from annotator.store import Store

#: Columns of :func:`iter_agreement_rows`, in order.
AGREEMENT_COLUMNS: tuple[str, ...] = (
    "unit_id", "document_id", "text", "tokens", "doc_external_id", "doc_title", "annotator", "answer", "spans",
)

# CROSS JOIN keeps SQLite walking ``decisions`` by its primary key (unit, annotator): rows
# arrive in report order and no batch sorts the dataset.
_SELECT = (
    "SELECT d.unit_id, u.document_id, u.text, u.tokens, doc.external_id, doc.title, d.annotator, d.answer,"
    " a.spans FROM decisions d CROSS JOIN units u ON u.id = d.unit_id CROSS JOIN annotations a"
    " ON a.id = d.annotation_id CROSS JOIN documents doc ON doc.id = u.document_id"
    " WHERE +d.dataset_id = ? AND +u.dataset_id = ?"
)


def iter_agreement_rows(store: Store, dataset_id: int, *, batch: int = 8000) -> Iterator[tuple[Any, ...]]:
    """Current decisions of a dataset as :data:`AGREEMENT_COLUMNS` tuples, ordered by unit id
    then annotator (the order of :meth:`Store.iter_annotations`)."""
    first = _SELECT + " ORDER BY d.unit_id, d.annotator LIMIT ?"
    after = _SELECT + " AND (d.unit_id, d.annotator) > (?, ?) ORDER BY d.unit_id, d.annotator LIMIT ?"
    conn = store.conn
    with store._lock:
        rows = conn.execute(first, (dataset_id, dataset_id, batch)).fetchall()
    while rows:
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1]
        with store._lock:
            rows = conn.execute(after, (dataset_id, dataset_id, last[0], last[6], batch)).fetchall()
