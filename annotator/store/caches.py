"""Every cache the store writes with a row, so that reading stays fast, in one place.

Each is derived from the row it travels with and written in the same transaction; nothing
reads them back to decide anything, so dropping them costs speed, never correctness.

- A unit's **export parts** (``units.export_head``, ``export_tail``) and its
  **extent** (``unit_extents``: packed id, document, length, token bounds) — written with the
  unit: :meth:`RowCaches._unit_caches` and :meth:`RowCaches._write_unit_extents`, called by
  :meth:`~annotator.store.units.UnitTables._write_units` only.
- A decision's **export part** (``annotations.export_part``, ``export_meta``) — written with
  the decision's history row: :meth:`RowCaches._decision_export_part`, called by
  :meth:`~annotator.store.decisions.DecisionTables.encode_decision` only (which
  ``add_annotations`` calls, and an import's worker processes for the decisions of their batch).
- A current decision's **packed agreement columns** (``decisions.agree_head``,
  ``agree_spans``) — written whenever a current decision changes (a decision, an undo):
  :meth:`RowCaches._agreement_columns`, called by
  :meth:`~annotator.store.decisions.DecisionTables._set_current_many` only.

The encodings are :mod:`annotator.record_parts` (export: the token list, tail and decision
part in compact form, :class:`~annotator.record_parts.Shorthand`) and
:mod:`annotator.store.agreement_rows` (agreement, which also backfills old rows in migrations).
:func:`compact_unit_parts` rewrites the units' parts stored before ``m008`` compact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson

from annotator.models import Annotation, Document, Unit
from annotator.record_parts import HEAD_SHORTHAND, TAIL_SHORTHAND, decision_part, unit_parts
from annotator.store.agreement_rows import UNIT_HEAD, packed_decision
from annotator.store.codec import TOKENS
from annotator.store.connection import Connection
from annotator.tokens import token_spans, unpack_bounds

#: (token bounds, token list, export tail) of a unit, as :func:`annotator.record_parts.unit_parts` gives.
UnitParts = tuple[bytes, bytes | None, bytes | None]


class RowCaches(Connection):
    """The caches written with units and decisions."""

    @staticmethod
    def _unit_caches(doc: Document, doc_id: int, units: Sequence[Unit]) -> list[UnitParts]:
        """The export parts of units given their ids (an import computes the same in worker
        processes and hands them to :meth:`~annotator.store.units.UnitTables.insert_units`)."""
        return [
            unit_parts(text=u.text, offsets=None if u.tokens is None else [(t.start, t.end) for t in u.tokens],
                       unit_id=int(u.id or 0), document_id=doc_id, external_id=doc.external_id, title=doc.title,
                       position=u.position, start=u.start, end=u.end, meta=u.meta)
            for u in units
        ]

    def _write_unit_extents(self, rows: Iterable[tuple[int, int, int, str, bytes | None]]) -> None:
        """The ``unit_extents`` rows of units just written, from their (id, dataset id,
        document id, text, token bounds)."""
        self._bulk_insert("unit_extents", ("unit_id", "dataset_id", "head", "token_bounds"),
                          [(u, ds, UNIT_HEAD.pack(u, d, len(text)), bounds) for u, ds, d, text, bounds in rows])

    @staticmethod
    def _decision_export_part(ann: Annotation, unit: dict[str, Any], created: float, spans: str, relations: str
                              ) -> tuple[bytes, bytes | None] | None:
        """The decision's part of its exported record (:func:`annotator.record_parts.decision_part`)
        over the unit's token bounds: stored, or (units imported before the store kept them)
        its explicit tokens or the tokenizer's. ``unit`` holds its ``input_hash``,
        ``token_bounds``, ``tokens`` and (without bounds) ``text``; ``spans`` and ``relations``
        are the decision's as stored (:func:`~annotator.store.codec.dump_spans`)."""
        if unit["token_bounds"] is not None:
            flat = unpack_bounds(unit["token_bounds"])
            starts, ends = flat[0::2], flat[1::2]
        else:
            offsets = ([(t.start, t.end) for t in TOKENS.validate_json(unit["tokens"])] if unit["tokens"]
                       else token_spans(unit["text"]))
            starts, ends = [a for a, _ in offsets], [b for _, b in offsets]
        return decision_part(
            input_hash=unit["input_hash"], starts=starts, ends=ends,
            spans=orjson.loads(spans), relations=orjson.loads(relations),
            # as the floats read back from SQLite: -0.0 comes back as 0.0
            answer=ann.answer, annotator=ann.annotator, created=float(created) + 0.0,
            time_spent=None if ann.time_spent is None else float(ann.time_spent) + 0.0, meta=ann.meta,
        )

    def _agreement_columns(self, unit_id: int, annotator: str, answer: str,
                           spans: Iterable[tuple[int, int, str, str]]) -> tuple[bytes, bytes]:
        """(``agree_head``, ``agree_spans``) of a current decision with (start, end, label,
        layer) spans; adds the annotator's and labels' ids as needed (inside a write)."""
        return packed_decision(unit_id, self._ids.annotator(annotator), answer, spans, self._ids.label)


def compact_unit_parts(execute: Callable[..., Any], executemany: Callable[..., Any], batch: int = 20_000) -> int:
    """Migration ``m008``, inside its transaction: the head and tail of every unit stored before
    in their compact forms (plain ones read back the same; this only makes them smaller).
    Returns how many units were rewritten."""
    done = 0
    after = -1
    while True:
        rows = execute("SELECT id, export_head, export_tail FROM units WHERE id > ? ORDER BY id LIMIT ?",
                       (after, batch)).fetchall()
        if not rows:
            return done
        updates = [(None if head is None else HEAD_SHORTHAND.squeeze(bytes(head)),
                    None if tail is None else TAIL_SHORTHAND.squeeze(bytes(tail)), unit_id)
                   for unit_id, head, tail in rows if head is not None or tail is not None]
        if updates:
            executemany("UPDATE units SET export_head = ?, export_tail = ? WHERE id = ?", updates)
        done += len(updates)
        after = rows[-1][0]
