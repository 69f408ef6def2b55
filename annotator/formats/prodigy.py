"""Prodigy tasks (``prodigy db-out`` JSONL): read by the JSONL reader, which understands
annotated records (``text``, ``tokens``, ``spans``, ``relations`` with ``head_span``/
``child_span``, ``answer``, ``_annotator_id``). Our own ``jsonl`` export is a superset, so
``prodigy db-in`` takes it as is."""

from __future__ import annotations

from collections.abc import Iterator

from annotator.ingest.base import Parsed, ReadOptions, Source, register


@register("prodigy")
def read_prodigy(source: Source, options: ReadOptions) -> Iterator[Parsed]:
    """Prodigy's annotated tasks, each with its annotator and answer."""
    from annotator.ingest.jsonl import read_jsonl

    yield from read_jsonl(source, options)
