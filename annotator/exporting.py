"""Export service (a use case above the store and formats/): choose the decisions (filters,
gold), stream them to a format, and write the result atomically (a temporary file renamed
into place at the end).

What goes out (README, "annotator export"):

- Record formats (``jsonl``, ``labelstudio``, ``brat``) carry an annotator and an answer per
  record: by default every current decision of every annotator.
- Training formats (:data:`TRAINING_FORMATS`: ``spacy``, ``conll``, ``doccano``) default to
  accepted decisions only (``--answer`` overrides), one version per unit: a dataset with
  several annotators needs ``--annotator NAME``, ``--gold`` or ``--gold-or-unanimous``, so two
  annotators' versions of one unit never both go out.
- ``--gold``: only units with a gold row (from review), nothing else.
- ``--gold-or-unanimous``: the gold row, else the one version all annotators share when at
  least the dataset's overlap of them decided the unit and every current version (answer,
  spans, relations) is the same.

Whatever a filter leaves out is counted in :class:`ExportSummary` (``left_out``) and printed
on one line by the command.

Speed (DESIGN.md: >= 100,000 records/s, memory flat): decisions are read as raw row tuples in
keyset-paginated batches (:mod:`annotator.store.rows`), never as pydantic models. A plain JSONL
export joins the three parts of each record that the store wrote with the unit and the
decision (:mod:`annotator.record_parts`); other large line exports (doccano, filtered JSONL)
are encoded by :data:`WORKERS` processes, each taking ranges of unit ids over its own
connection, whose chunks are written in order into the one temporary file.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.errors import UserError
from annotator.processes import die_with_parent
from annotator.formats.records import Item, RowUnit, filter_layer, load_dict, load_list, loads, relation_key, span_key
from annotator.store import Store
from annotator.store.rows import iter_decision_rows, iter_gold_rows, unit_id_bounds, use_small_cache

#: format -> (file extension, writes a directory)
FORMATS: dict[str, tuple[str, bool]] = {
    "jsonl": ("jsonl", False),
    "doccano": ("jsonl", False),
    "labelstudio": ("json", False),
    "brat": ("", True),
    "conll": ("conll", False),
    "spacy": ("spacy", False),
}
#: Line formats whose records are independent: a large export of them is encoded by
#: :data:`WORKERS` processes, each taking ranges of unit ids, and written in order. Plain
#: JSONL decisions are not: joining their stored parts in this process is faster than moving
#: the bytes between processes.
PARALLEL_FORMATS = frozenset({"jsonl", "doccano"})
#: Below this many unit ids one process is faster than starting others.
PARALLEL_MIN_UNITS = 50_000
#: Unit ids per task handed to a worker (a task's encoded bytes are held in memory once).
UNITS_PER_TASK = 2_000
WORKERS = min(2, os.cpu_count() or 1)
#: Formats a model is trained from: accepted decisions only by default, one version per unit.
TRAINING_FORMATS = frozenset({"spacy", "conll", "doccano"})
#: What a left-out answer is called in the summary.
_ANSWER_WORDS = {"accept": "accepted", "reject": "rejected", "ignore": "ignored"}


@dataclass
class ExportOptions:
    """The filters of ``annotator export``."""

    annotator: str | None = None
    gold: bool = False
    gold_or_unanimous: bool = False
    answers: Sequence[str] | None = None
    layer: str | None = None
    document: str | None = None


#: Reasons a unit or decision is left out, in the order the summary names them.
LEFT_OUT_REASONS: dict[str, str] = {
    "accepted": "{n} accepted",
    "rejected": "{n} rejected",
    "ignored": "{n} ignored",
    "no_gold": "{n} decided units without gold",
    "conflicting": "{n} units with conflicting versions",
    "too_few": "{n} units decided by fewer annotators than the overlap",
}


@dataclass
class ExportSummary:
    records: int = 0
    path: str = ""
    #: reason (a key of :data:`LEFT_OUT_REASONS`) -> how many were left out for it
    left_out: dict[str, int] = field(default_factory=dict)
    #: what to do about it, said after the counts
    hint: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def leave_out(self, reason: str, n: int = 1) -> None:
        self.left_out[reason] = self.left_out.get(reason, 0) + n

    def left_out_line(self) -> str:
        """One line: what this export left out and why (``left out: nothing`` if nothing)."""
        parts = [LEFT_OUT_REASONS[r].format(n=self.left_out[r]) for r in LEFT_OUT_REASONS if self.left_out.get(r)]
        if not parts:
            return "left out: nothing"
        return "left out: " + ", ".join(parts) + (f" ({self.hint})" if self.hint else "")


class DocumentCache:
    """Documents by id, fetched when first needed; only recent ones are kept."""

    def __init__(self, store: Store, keep: int = 64) -> None:
        self.store = store
        self.keep = keep
        self._docs: dict[int, dict[str, Any]] = {}

    def get(self, doc_id: int, default: Any = None) -> dict[str, Any]:
        d = self._docs.get(doc_id)
        if d is None:
            doc = self.store.get_document(doc_id)
            if doc is None:
                return default or {}
            if len(self._docs) >= self.keep:
                self._docs.clear()
            d = self._docs[doc_id] = {"external_id": doc.external_id, "title": doc.title, "text": doc.text,
                                      "meta": doc.meta}
        return d


def resolve_document(store: Store, dataset: str, document: str | None) -> int | None:
    """A document given by database id or external id."""
    if document is None:
        return None
    ds = store.require_dataset(dataset)
    found = store.document_id_by_external(ds, document)
    if found is not None:
        return found
    if document.isdigit() and (doc := store.get_document(int(document))) and doc.dataset == dataset:
        return int(document)
    raise UserError(f"no document {document!r} in dataset {dataset!r}")


def _item_from_row(row: tuple[Any, ...], dataset: str) -> Item:
    """An :class:`Item` from a :func:`~annotator.store.rows.iter_decision_rows` tuple."""
    return Item(
        unit=RowUnit(row, dataset, row[16], row[17], row[18]), annotator=row[9], answer=row[10],
        spans=load_list(row[11]), relations=load_list(row[12]), created=row[13], time_spent=row[14],
        meta=load_dict(row[15]),
    )


def _gold_from_row(row: tuple[Any, ...], dataset: str) -> Item:
    """An :class:`Item` from a :func:`~annotator.store.rows.iter_gold_rows` tuple."""
    return Item(
        unit=RowUnit(row, dataset, row[15], row[16], row[17]), annotator=row[9], answer=row[10],
        spans=load_list(row[11]), relations=load_list(row[12]), created=row[13],
        gold=True, sources=list(loads(row[14] or "[]")),
    )


def _same(a: Item, b: Item) -> bool:
    return (a.answer == b.answer and sorted(map(span_key, a.spans)) == sorted(map(span_key, b.spans))
            and sorted(map(relation_key, a.relations)) == sorted(map(relation_key, b.relations)))


def _answer_ok(item: Item, answers: Sequence[str] | None, summary: ExportSummary | None) -> bool:
    """Whether ``item``'s answer is wanted; counts it in ``summary`` when it is not."""
    if not answers or item.answer in answers:
        return True
    if summary is not None:
        summary.leave_out(_ANSWER_WORDS.get(item.answer, item.answer))
    return False


def iter_items(store: Store, dataset: str, opts: ExportOptions, summary: ExportSummary | None = None) -> Iterator[Item]:
    """The decisions to export, in unit order, streamed; what is left out is counted in
    ``summary``."""
    doc_id = resolve_document(store, dataset, opts.document)
    if opts.gold or opts.gold_or_unanimous:
        yield from _iter_gold_items(store, dataset, opts, doc_id, summary)
        return
    ds_id = store.require_dataset(dataset).id or 0
    yield from _decision_items(iter_decision_rows(store, ds_id, annotator=opts.annotator, document_id=doc_id),
                               dataset, opts, summary)


def _decision_items(rows: Iterator[tuple[Any, ...]], dataset: str, opts: ExportOptions,
                    summary: ExportSummary | None) -> Iterator[Item]:
    """Items of decision rows that pass the answer filter (the others are counted)."""
    layer, answers = opts.layer, opts.answers
    for row in rows:
        if answers and row[10] not in answers:
            if summary is not None:
                summary.leave_out(_ANSWER_WORDS.get(row[10], row[10]))
            continue
        yield filter_layer(_item_from_row(row, dataset), layer)


def _iter_gold_items(store: Store, dataset: str, opts: ExportOptions, doc_id: int | None,
                     summary: ExportSummary | None) -> Iterator[Item]:
    """``--gold`` (units with a gold row) or ``--gold-or-unanimous`` (else the version every
    annotator of the unit shares, when at least the overlap of them decided it)."""
    ds = store.require_dataset(dataset)
    ds_id = ds.id or 0
    needed = ds.overlap or len(store.annotators(dataset)) or 1
    golds = (_gold_from_row(row, dataset) for row in iter_gold_rows(store, ds_id))
    pending = next(golds, None)
    tally = summary if summary is not None else ExportSummary()

    def chosen(item: Item) -> Iterator[Item]:
        if _answer_ok(item, opts.answers, tally):
            yield filter_layer(item, opts.layer)

    def emit_gold_before(unit_id: int | None) -> Iterator[Item]:
        nonlocal pending
        while pending is not None and (unit_id is None or (pending.unit.id or 0) < unit_id):
            if doc_id is None or pending.unit.document_id == doc_id:
                yield from chosen(pending)
            pending = next(golds, None)

    def resolve(group: list[Item]) -> Iterator[Item]:
        nonlocal pending
        unit = group[0].unit
        yield from emit_gold_before(unit.id)
        if pending is not None and pending.unit.id == unit.id:
            yield from chosen(pending)
            pending = next(golds, None)
            return
        if not opts.gold_or_unanimous:
            tally.leave_out("no_gold")
        elif len(group) < needed:
            tally.leave_out("too_few")
        elif all(_same(group[0], other) for other in group[1:]):
            first = group[0]
            if len(group) > 1:
                first.sources = [i.annotator for i in group]
            yield from chosen(first)
        else:
            tally.leave_out("conflicting")

    group: list[Item] = []
    for row in iter_decision_rows(store, ds_id, document_id=doc_id):
        item = _item_from_row(row, dataset)
        if group and group[0].unit.id != item.unit.id:
            yield from resolve(group)
            group = []
        group.append(item)
    if group:
        yield from resolve(group)
    yield from emit_gold_before(None)
    if tally.left_out.get("no_gold") or tally.left_out.get("too_few") or tally.left_out.get("conflicting"):
        tally.hint = ("adjudicate them with `annotator review`"
                      + ("" if opts.gold_or_unanimous else ", or use --gold-or-unanimous"))


def resolve_options(store: Store, dataset: str, fmt: str, opts: ExportOptions) -> ExportOptions:
    """``opts`` checked, with the format's defaults filled in: training formats take accepted
    decisions and one version per unit (refused with the options to choose when the dataset
    has several annotators and none of them, gold or unanimity was asked for)."""
    from dataclasses import replace

    if opts.gold and opts.gold_or_unanimous:
        raise UserError("--gold and --gold-or-unanimous exclude each other (the second includes the first)")
    if (opts.gold or opts.gold_or_unanimous) and opts.annotator is not None:
        raise UserError("--annotator chooses one annotator's versions; it cannot be combined with "
                        + ("--gold" if opts.gold else "--gold-or-unanimous"))
    if fmt not in TRAINING_FORMATS:
        return opts
    if opts.annotator is None and not (opts.gold or opts.gold_or_unanimous):
        names = store.annotators(dataset)
        if len(names) > 1:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            raise UserError(f"{fmt} is a training format: it takes one version of each unit, and {dataset!r} has "
                            f"decisions from {shown}; choose --gold (adjudicated units), --gold-or-unanimous "
                            "(gold, else units all annotators agree on) or --annotator NAME")
    return replace(opts, answers=list(opts.answers or ["accept"]))


def default_destination(dataset: str, fmt: str) -> Path:
    ext, is_dir = FORMATS[fmt]
    return Path("exports") / (f"{dataset}-{fmt}" if is_dir else f"{dataset}-{fmt}.{ext}")


def export(
    store: Store,
    dataset: str,
    fmt: str,
    dest: str | None,
    opts: ExportOptions,
    *,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    stdout: Any = None,
) -> ExportSummary:
    """Export ``dataset`` in ``fmt`` to ``dest`` (a path, ``-`` for stdout, None for the default)."""
    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r} (known: {', '.join(sorted(FORMATS))})")
    store.require_dataset(dataset)
    opts = resolve_options(store, dataset, fmt, opts)
    summary = ExportSummary()
    items = iter_items(store, dataset, opts, summary)
    if progress is not None:
        items = _counting(items, progress)
    docs = DocumentCache(store)
    ext, is_dir = FORMATS[fmt]
    if dest == "-":
        if is_dir or fmt == "spacy":
            raise UserError(f"{fmt} cannot be written to stdout (it is {'a directory' if is_dir else 'binary'})")
        out = stdout or sys.stdout
        summary.records = _write_lines(store, dataset, fmt, opts, out, items, docs, progress, summary)
        summary.path = "-"
        out.flush()
        return summary
    path = Path(dest) if dest else default_destination(dataset, fmt)
    if path.exists() and not force:
        raise UserError(f"{path} already exists (use --force to overwrite)")
    path.parent.mkdir(parents=True, exist_ok=True)
    summary.path = str(path)
    if is_dir:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
        os.chmod(tmp, 0o777 & ~_umask())
        try:
            summary.records = _write(fmt, items, tmp, docs)
            if path.exists():
                old = path.with_name(f".{path.name}.old-{os.getpid()}")
                path.rename(old)
                tmp.rename(path)
                shutil.rmtree(old) if old.is_dir() else old.unlink()
            else:
                tmp.rename(path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return summary
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.chmod(tmp_name, 0o666 & ~_umask())
    try:
        if fmt == "spacy":
            os.close(fd)
            summary.records = _write(fmt, items, Path(tmp_name), docs)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
                summary.records = _write_lines(store, dataset, fmt, opts, fh, items, docs, progress, summary)
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return summary


def _write_lines(store: Store, dataset: str, fmt: str, opts: ExportOptions, out: Any, items: Iterator[Item],
                 docs: DocumentCache, progress: Callable[[int], None] | None, summary: ExportSummary) -> int:
    """A line format to ``out``: in worker processes when large, from the stored record parts
    when the records are plain JSONL decisions, else record by record."""
    plan = _parallel_plan(store, dataset, fmt, opts)
    if plan is not None:
        return _write_parallel(store, dataset, fmt, opts, plan, out, progress, summary)
    if not _parts_fast(fmt, opts):
        return _write(fmt, items, out, docs)
    ds_id = store.require_dataset(dataset).id or 0
    out.flush()
    write = out.buffer.write if hasattr(out, "buffer") else (lambda b: out.write(b.decode("utf-8")))
    n = 0
    for count, data in _part_chunks(store, dataset, ds_id, opts, None, resolve_document(store, dataset, opts.document)):
        write(data)
        n += count
        if progress is not None:
            progress(count)
    if hasattr(out, "buffer"):
        out.buffer.flush()
    return n


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _counting(items: Iterator[Item], progress: Callable[[int], None], every: int = 10000) -> Iterator[Item]:
    n = 0
    for item in items:
        yield item
        n += 1
        if n % every == 0:
            progress(every)
    progress(n % every)


def _parallel_plan(store: Store, dataset: str, fmt: str, opts: ExportOptions) -> list[tuple[int, int]] | None:
    """Unit-id ranges to encode in worker processes, or None when one process is better."""
    if (fmt not in PARALLEL_FORMATS or _parts_fast(fmt, opts) or opts.gold or opts.gold_or_unanimous or opts.document is not None or WORKERS < 2
            or store.path == ":memory:" or not Path(store.path).is_file()):
        return None
    lo, hi = unit_id_bounds(store, store.require_dataset(dataset).id or 0)
    if hi - lo + 1 < PARALLEL_MIN_UNITS:
        return None
    return [(a, min(a + UNITS_PER_TASK, hi + 1)) for a in range(lo, hi + 1, UNITS_PER_TASK)]


_worker_store: Store | None = None


def _init_worker(path: str) -> None:
    """Open the database once per worker process (never the parent's connection)."""
    global _worker_store
    from annotator.store import open_store

    die_with_parent()
    _worker_store = open_store(path, create=False, durable=False)
    use_small_cache(_worker_store)


def _encode_task(task: tuple[str, str, ExportOptions, int, int]) -> tuple[int, bytes, dict[str, int]]:
    """One worker task: the records of units ``lo <= id < hi``, encoded, in order, and what
    the answer filter left out."""
    import io

    fmt, dataset, opts, lo, hi = task
    store = _worker_store
    assert store is not None
    ds_id = store.require_dataset(dataset).id or 0
    left = ExportSummary()
    rows = iter_decision_rows(store, ds_id, annotator=opts.annotator, unit_range=(lo, hi))
    items = _decision_items(rows, dataset, opts, left)
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=True)
    n = _write(fmt, items, text, None)
    text.flush()
    data = raw.getvalue()
    text.detach()
    return n, data, left.left_out


def _parts_fast(fmt: str, opts: ExportOptions) -> bool:
    """Whether decisions are written from their stored record parts (plain JSONL decisions,
    all answers: a filtered export goes record by record, to count what it leaves out)."""
    return fmt == "jsonl" and opts.layer is None and not opts.answers and not (opts.gold or opts.gold_or_unanimous)


def _part_chunks(store: Store, dataset: str, ds_id: int, opts: ExportOptions, unit_range: tuple[int, int] | None,
                 document_id: int | None = None) -> Iterator[tuple[int, bytes]]:
    """JSONL lines of a dataset's decisions from their stored parts (in a unit range, of a
    document), in chunks: (how many records, their lines). Decisions without parts (written
    before the store kept them, or with metadata) are read whole, a batch's worth at a time,
    and encoded as records."""
    from annotator.formats.jsonl import encode_jsonl_parts, encode_record_bytes
    from annotator.store.rows import jsonl_part_batches

    with _no_gc():
        for rows in jsonl_part_batches(store, ds_id, annotator=opts.annotator, answers=opts.answers,
                                       unit_range=unit_range, document_id=document_id):
            whole: dict[tuple[int, str], tuple[Any, ...]] = {}
            lacking = [r for r in rows if r[2] is None or r[3] is None or r[4] is None]
            if lacking:
                span = (lacking[0][0], lacking[-1][0] + 1)
                whole = {(r[0], r[9]): r for r in iter_decision_rows(
                    store, ds_id, annotator=opts.annotator, answers=opts.answers, document_id=document_id,
                    unit_range=span)}

            def general(unit_id: int, annotator: str) -> bytes:
                return encode_record_bytes(_item_from_row(whole[(unit_id, annotator)], dataset))

            yield len(rows), encode_jsonl_parts(rows, general)


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a stretch of encoding: records are trees of dicts,
    lists and strings that reference counting frees, and the collector's passes over every
    live object cost about a third of the export's time."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _write_parallel(store: Store, dataset: str, fmt: str, opts: ExportOptions, plan: list[tuple[int, int]],
                    out: Any, progress: Callable[[int], None] | None, summary: ExportSummary) -> int:
    """Encode ``plan``'s unit ranges in :data:`WORKERS` processes and write them in order; at
    most two tasks per worker are in flight, so memory stays flat."""
    import multiprocessing
    import threading
    from collections import deque

    method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    out.flush()
    write = out.buffer.write if hasattr(out, "buffer") else (lambda b: out.write(b.decode("utf-8")))
    n = 0
    tasks = iter(plan)
    with ctx.Pool(WORKERS, initializer=_init_worker, initargs=(store.path,)) as pool:
        pending: deque[Any] = deque()

        def submit() -> None:
            task = next(tasks, None)
            if task is not None:
                pending.append(pool.apply_async(_encode_task, ((fmt, dataset, opts, *task),)))

        for _ in range(2 * WORKERS):
            submit()
        while pending:
            count, data, left = pending.popleft().get()
            for reason, k in left.items():
                summary.leave_out(reason, k)
            submit()
            if data:
                write(data)
            n += count
            if progress is not None and count:
                progress(count)
    if hasattr(out, "buffer"):
        out.buffer.flush()
    return n


def _write(fmt: str, items: Iterator[Item], out: Any, docs: DocumentCache | None) -> int:
    """Dispatch to the format's writer."""
    if fmt == "jsonl":
        from annotator.formats.jsonl import write_jsonl

        return write_jsonl(items, out, docs)  # type: ignore[arg-type]
    if fmt == "doccano":
        from annotator.formats.doccano import write_doccano

        return write_doccano(items, out, docs)
    if fmt == "labelstudio":
        from annotator.formats.labelstudio import write_labelstudio

        return write_labelstudio(items, out, docs)
    if fmt == "conll":
        from annotator.formats.conll import write_conll

        return write_conll(items, out, docs)
    if fmt == "brat":
        from annotator.formats.brat import write_brat

        return write_brat(items, out, docs)
    if fmt == "spacy":
        from annotator.formats.spacy_docbin import write_docbin

        return write_docbin(items, out, docs)
    raise UserError(f"unknown export format {fmt!r}")
