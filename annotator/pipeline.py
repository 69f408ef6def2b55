"""Import orchestration: sources -> readers -> units -> suggestions -> the store.

Lazy stages (Prodigy's recipe style): each source is read as a stream of documents and
written in short transactions under a staging dataset (:meth:`Store.importing`), moved into
the dataset when the file is complete, so a bad or killed file leaves no visible trace and
other writers wait tens of milliseconds, not the whole file; memory holds one batch of units
at a time, whatever the corpus size.
"""

from __future__ import annotations

import gc
import importlib
import json
import multiprocessing
import os
import pickle
import pkgutil
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pydantic import TypeAdapter

from annotator.errors import InputError
from annotator.ingest import base
from annotator.ingest.base import DIRECTORY_FORMATS, READERS, SUFFIXES, Parsed, ReadOptions, Source
from annotator.models import Annotation, Dataset, Token, Unit, check_spans
from annotator.processes import die_with_parent
from annotator.processes import fork_safe as _fork_safe
from annotator.record_parts import unit_parts
from annotator.store import Store
from annotator.store.decisions import EncodedDecision
from annotator.suggest import Suggester

SUGGEST_BATCH = 512  # units per suggester call (and per worker task)
DOCUMENT_GROUP = 256  # documents written by one statement (fewer when they have SUGGEST_BATCH units)
WRITE_ROWS = 256  # units, or decisions, an import writes between two chances to commit
#: Collector thresholds while importing: an import makes hundreds of short-lived objects per
#: sentence and almost no cycles, so the youngest generation is collected less often.
_IMPORT_GC = (50_000, 20, 20)
_TOKENS = TypeAdapter(list[Token])


def load_readers() -> dict[str, base.Reader]:
    """Every registered reader: the article readers and each interchange format's."""
    for name in ("text", "html", "jsonl"):
        importlib.import_module(f"annotator.ingest.{name}")
    import annotator.formats as formats_pkg

    for mod in pkgutil.iter_modules(formats_pkg.__path__):
        importlib.import_module(f"annotator.formats.{mod.name}")
    return READERS


def _sniff(head: bytes) -> str:
    s = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if s[:1] == b"<":
        return "html"
    if s[:1] == b"{":
        return "jsonl"
    return "txt"


def detect_format(path: Path) -> str | None:
    """The format of a file from its suffix, else from its first bytes; None to skip it."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt:
        return fmt
    if path.suffix:
        return None  # an unknown kind of file inside a directory: not ours
    with open(path, "rb") as fh:
        return _sniff(fh.read(512))


@dataclass
class SourcePlan:
    source: Source
    format: str


def plan_sources(paths: Sequence[str], fmt: str = "auto", stdin: BinaryIO | None = None) -> tuple[list[SourcePlan], list[str]]:
    """Resolve paths (files, directories walked recursively, ``-``) into sources with their
    format. Returns the plan and the files skipped as not importable."""
    load_readers()
    if fmt != "auto" and fmt not in READERS:
        raise InputError(fmt, f"unknown format (known: auto, {', '.join(sorted(READERS))})")
    plans: list[SourcePlan] = []
    skipped: list[str] = []
    for raw in paths:
        if raw == "-":
            if fmt == "auto":
                import io
                import sys

                stream = stdin or sys.stdin.buffer
                data = stream.read()
                plans.append(SourcePlan(Source(Path("-"), io.BytesIO(data)), _sniff(data[:512])))
            else:
                plans.append(SourcePlan(Source(Path("-"), stdin), fmt))
            continue
        path = Path(raw)
        if not path.exists():
            raise InputError(raw, "no such file or directory")
        if path.is_dir():
            if fmt in DIRECTORY_FORMATS or (fmt == "auto" and _is_brat_dir(path)):
                plans.append(SourcePlan(Source(path), "brat" if fmt == "auto" else fmt))
                continue
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                if any(part.startswith(".") for part in f.relative_to(path).parts):
                    continue
                f_fmt = fmt if fmt != "auto" else detect_format(f)
                if f_fmt is None:
                    skipped.append(str(f))
                    continue
                plans.append(SourcePlan(Source(f, root=path), f_fmt))
        else:
            f_fmt = fmt if fmt != "auto" else (detect_format(path) or _sniff_file(path))
            if f_fmt in DIRECTORY_FORMATS and fmt == "auto":
                f_fmt = "txt"
            plans.append(SourcePlan(Source(path), f_fmt))
    return plans, skipped


def _sniff_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return _sniff(fh.read(512))


def _is_brat_dir(path: Path) -> bool:
    return "brat" in READERS and next(path.rglob("*.ann"), None) is not None


@dataclass
class ImportSummary:
    files: int = 0
    documents: int = 0
    units: int = 0
    duplicates: int = 0
    annotations: int = 0
    suggestions: int = 0
    imported_suggestions: int = 0  # pre-annotations read from the files (not from our suggesters)
    skipped_files: list[str] = field(default_factory=list)
    failed: list[InputError] = field(default_factory=list)  # sources refused (with keep_going)

    def line(self) -> str:
        s = (
            f"{self.files} file{'s' if self.files != 1 else ''}: {self.documents} documents, "
            f"{self.units} units added, {self.duplicates} duplicate documents skipped"
        )
        if self.annotations:
            s += f", {self.annotations} annotations"
        if self.imported_suggestions:
            s += f", {self.imported_suggestions} imported suggestions"
        if self.suggestions:
            s += f", {self.suggestions} units with suggestions"
        if self.failed:
            s += f", {len(self.failed)} file{'s' if len(self.failed) != 1 else ''} failed"
        if self.skipped_files:
            s += f", {len(self.skipped_files)} files not importable skipped"
        return s

    def skipped_line(self, limit: int = 20) -> str | None:
        """One line naming the files skipped as not importable (None when there are none)."""
        if not self.skipped_files:
            return None
        names = self.skipped_files[:limit]
        more = len(self.skipped_files) - len(names)
        return "Skipped (unsupported kind of file): " + ", ".join(names) + (f" and {more} more" if more else "")


def _suggestion_rows(suggesters: Sequence[Suggester], units: Sequence[Unit]) -> list[tuple[int, str, str, str, str]]:
    """Run every suggester over a batch; rows ready for :meth:`Store.put_suggestion_rows`."""
    from annotator.store import suggestion_json

    rows = []
    for suggester in suggesters:
        for s in suggester.suggest(units):
            if s.spans or s.relations:
                rows.append((int(s.unit_id or 0), s.suggester, s.version, *suggestion_json(s.spans, s.relations)))
    return rows


_WORKER_SUGGESTERS: list[Suggester] = []


def _init_worker(pickled: bytes) -> None:
    global _WORKER_SUGGESTERS
    _WORKER_SUGGESTERS = pickle.loads(pickled)
    _init_forked()


def _init_forked() -> None:
    """In a worker: what it holds now (the suggesters and their lexicons) lives as long as it
    does, so the cycle collector need not walk it again and again. It goes when the import dies."""
    die_with_parent()
    gc.freeze()
    gc.set_threshold(*_IMPORT_GC)


#: What :func:`annotator.record_parts.unit_parts` needs of a unit's document.
_DocInfo = tuple[int, "str | None", str]  # (document id, external id, title)
_Parts = tuple[bytes, "bytes | None", "bytes | None"]  # (token bounds, head, tail)
_SuggestionRow = tuple[int, str, str, str, str]


def _part_rows(units: Sequence[Unit], docs: Sequence[_DocInfo]) -> list[_Parts]:
    """(token bounds, head, tail) of each unit, for :meth:`Store.insert_units`. A unit
    without explicit tokens takes the default tokenizer's from the suggesters' shared
    tokenization (:func:`annotator.suggest.text.unit_tokens`, the same tokens: a test
    checks), so that it is tokenized once."""
    from annotator.suggest.text import unit_tokens

    rows = []
    for u, (doc_id, external_id, title) in zip(units, docs):
        if u.tokens is None:
            toks = unit_tokens(u)
            offsets = list(zip(toks.starts, toks.ends))
        else:
            offsets = [(t.start, t.end) for t in u.tokens]
        rows.append(unit_parts(
            text=u.text, offsets=offsets,
            unit_id=int(u.id or 0), document_id=doc_id, external_id=external_id, title=title,
            position=u.position, start=u.start, end=u.end, meta=u.meta))
    return rows


def _encoded_decisions(decided: Sequence[tuple[int, Annotation]], units: Sequence[Unit], parts: Sequence[_Parts]
                       ) -> list[EncodedDecision]:
    """What :meth:`Store.add_annotations` stores of each (index in ``units``, decision)."""
    return [Store.encode_decision(ann, {"input_hash": units[k].input_hash, "token_bounds": parts[k][0],
                                        "tokens": None, "text": None}, ann.created or 0.0)
            for k, ann in decided]


def _worker_rows(dataset: str, batch: list[tuple[int, str, str | None, int, int, int, str | None, _DocInfo]],
                 decided: list[tuple[int, Annotation]]
                 ) -> tuple[list[_SuggestionRow], list[_Parts], list[EncodedDecision]]:
    """In a worker process: rebuild the units of a batch, suggest for them, encode their
    token bounds and record parts, and the decisions on them."""
    units = [
        Unit.model_construct(id=i, document_id=doc[0], dataset=dataset, text=text,
                             tokens=_TOKENS.validate_json(tok) if tok else None, position=pos,
                             start=start, end=end, meta=json.loads(meta) if meta else {})
        for i, text, tok, pos, start, end, meta, doc in batch
    ]
    parts = _part_rows(units, [b[-1] for b in batch])
    return _suggestion_rows(_WORKER_SUGGESTERS, units), parts, _encoded_decisions(decided, units, parts)


@dataclass
class _Batch:
    """New documents' units waiting for their suggestions and record parts, and what is to be
    written after them: decisions and imported suggestions (on these units or earlier ones)."""

    units: list[Unit] = field(default_factory=list)
    docs: list[_DocInfo] = field(default_factory=list)
    decisions: list[Annotation] = field(default_factory=list)
    suggestions: list[_SuggestionRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.units) + len(self.decisions) + len(self.suggestions)


class _SuggestBuffer:
    """What an import writes of its documents after the document rows: their units, with
    token bounds and record parts, the suggesters' suggestions for them, then the decisions
    and suggestions the file brought. Batches of whole documents (so a suggester's memory
    of a document, such as a name met earlier in it, is the same whichever process runs it)
    are written in order, each in a few bulk statements. From the third batch of an import
    on, batches go to ``workers`` processes while this one goes on reading; their results are
    written before the source completes.

    Until its batch is written, a document's units are known here (:attr:`waiting`) and the
    latest decision queued for each (unit, annotator) too (:attr:`latest`), so a later copy
    of the document finds them without waiting for the batch."""

    def __init__(self, store: Store, dataset: Dataset, suggesters: Sequence[Suggester], workers: int) -> None:
        self.store = store
        self.dataset = dataset  # where units are written (the import's staging dataset)
        self.name = dataset.name  # the dataset they will be seen in
        self.suggesters = suggesters
        self.workers = workers
        self.batch = _Batch()
        self.waiting: dict[int, list[Unit]] = {}  # document id -> its units, not yet written
        self.latest: dict[tuple[int, str], Annotation] = {}  # (unit id, annotator) -> decision not yet written
        self.count = 0
        self.batches = 0
        self.pending: deque[tuple[_Batch, Future[tuple[list[_SuggestionRow], list[_Parts], list[EncodedDecision]]]]] = deque()
        self._executor: ProcessPoolExecutor | None = None
        self.start_method: str | None = None  # how the worker processes were started, once they are

    def add(self, units: list[Unit], doc: _DocInfo) -> None:
        """Queue a new document's units (given their ids by :meth:`Store.insert_documents`)."""
        b = self.batch
        b.units.extend(units)
        b.docs.extend([doc] * len(units))
        self.waiting[doc[0]] = units

    def decide(self, ann: Annotation) -> None:
        """Queue a decision, written after the units queued so far."""
        if ann.created is None:
            ann.created = time.time()  # encoded (in a worker) with its time
        self.batch.decisions.append(ann)
        self.latest[(ann.unit_id, ann.annotator)] = ann

    def propose(self, rows: list[_SuggestionRow]) -> None:
        """Queue imported suggestions, written after the units queued so far."""
        self.batch.suggestions.extend(rows)

    def ready(self) -> None:
        """Between documents: send the batch off once it is large enough."""
        if len(self.batch.units) >= SUGGEST_BATCH or len(self.batch) >= 4 * SUGGEST_BATCH:
            self.flush()

    def _pool(self) -> ProcessPoolExecutor | None:
        if self.workers < 2:
            return None
        if self._executor is None:
            if _fork_safe():
                # forked workers start at once with the suggesters this process has loaded
                global _WORKER_SUGGESTERS
                _WORKER_SUGGESTERS = list(self.suggesters)
                self._executor = ProcessPoolExecutor(max_workers=self.workers, initializer=_init_forked,
                                                     mp_context=multiprocessing.get_context("fork"))
                self.start_method = "fork"
            else:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker, initargs=(pickle.dumps(list(self.suggesters)),),
                )
                self.start_method = "spawn"
        return self._executor

    def flush(self) -> None:
        """Send the queued units off to be suggested for (or suggest for them here)."""
        batch, self.batch = self.batch, _Batch()
        if not len(batch):
            return
        self.batches += 1
        if self.suggesters:
            self.count += len(batch.units)
        pool = self._pool() if self.batches > 2 and self.suggesters else None
        if pool is None:
            while self.pending:  # in order
                self._write_oldest()
            if self.suggesters:  # not holding the write lock while suggesting for a whole batch
                self.store.checkpoint(force=len(batch.units) >= SUGGEST_BATCH // 4)
            self._write(batch, _suggestion_rows(self.suggesters, batch.units), _part_rows(batch.units, batch.docs))
            return
        payload = [
            (int(u.id or 0), u.text, _TOKENS.dump_json(u.tokens).decode() if u.tokens is not None else None,
             u.position, u.start, u.end, json.dumps(u.meta, ensure_ascii=False) if u.meta else None, doc)
            for u, doc in zip(batch.units, batch.docs)
        ]
        at = {int(u.id or 0): k for k, u in enumerate(batch.units)}
        decided = [(at[a.unit_id], a) for a in batch.decisions if a.unit_id in at]
        self.pending.append((batch, pool.submit(_worker_rows, self.name, payload, decided)))
        while len(self.pending) > 2 * self.workers:
            self._write_oldest()

    def _write(self, batch: _Batch, rows: list[_SuggestionRow], parts: list[_Parts],
               encoded: list[EncodedDecision] | None = None) -> None:
        """Write a batch, :data:`WRITE_ROWS` rows at a time with a :meth:`Store.checkpoint`
        between (the rows of a batch need not be whole at a commit: nothing staged is
        visible; the write lock must be short); ``encoded``: its decisions on its own units,
        in order, as a worker encoded them."""
        store = self.store
        for k in range(0, len(batch.units), WRITE_ROWS):
            store.checkpoint()
            store.insert_units(self.dataset, batch.units[k:k + WRITE_ROWS], parts[k:k + WRITE_ROWS])
        for doc_id, _, _ in batch.docs:
            self.waiting.pop(doc_id, None)
        if batch.decisions:
            decided = {a.unit_id for a in batch.decisions}
            at_hand = {u.id: {"dataset_id": self.dataset.id, "input_hash": u.input_hash, "token_bounds": bounds,
                              "tokens": None, "text": None}
                       for u, (bounds, _, _) in zip(batch.units, parts) if u.id in decided}
            done: list[EncodedDecision | None] = [None] * len(batch.decisions)
            if encoded is not None:
                found = iter(encoded)
                done = [next(found) if a.unit_id in at_hand else None for a in batch.decisions]
            for k in range(0, len(batch.decisions), WRITE_ROWS):
                store.checkpoint()
                chunk = batch.decisions[k:k + WRITE_ROWS]
                # units of the batch nobody has decided on yet (a decision on one of the
                # previous chunk replaces it)
                store.add_annotations(chunk, at_hand, done[k:k + WRITE_ROWS])  # type: ignore[arg-type]
                for a in chunk:
                    at_hand.pop(a.unit_id, None)
            latest = self.latest
            for a in batch.decisions:
                key = (a.unit_id, a.annotator)
                if latest.get(key) is a:
                    del latest[key]
        store.checkpoint()
        store.put_suggestion_rows(rows, new_units=True)
        if batch.suggestions:
            store.put_suggestion_rows(batch.suggestions)
        store.checkpoint()

    def _write_oldest(self) -> None:
        batch, fut = self.pending.popleft()
        if not fut.done():
            self.store.checkpoint(force=True)  # not holding the write lock while waiting
        encoded: list[EncodedDecision] | None
        try:
            rows, parts, encoded = fut.result()
        except BrokenProcessPool:
            # a worker could not start or died (e.g. a script without a __main__ guard):
            # suggest here instead, and stop using the pool for this import
            self.workers = 1
            rows, parts, encoded = _suggestion_rows(self.suggesters, batch.units), _part_rows(batch.units, batch.docs), None
        self._write(batch, rows, parts, encoded)

    def finish(self) -> None:
        """Suggest for what is queued and write every outstanding batch."""
        self.flush()
        while self.pending:
            self._write_oldest()

    def discard(self) -> None:
        for _, fut in self.pending:
            fut.cancel()
        self.pending.clear()
        self.batch = _Batch()
        self.waiting.clear()
        self.latest.clear()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def import_sources(
    store: Store,
    plans: Sequence[SourcePlan],
    dataset: Dataset,
    *,
    options: ReadOptions | None = None,
    suggesters: Sequence[Suggester] = (),
    on_source: Callable[[SourcePlan, ImportSummary], None] | None = None,
    workers: int | None = None,
    keep_going: bool = False,
) -> ImportSummary:
    """Import every source into ``dataset``, each in short transactions and visible once
    whole (:meth:`Store.importing`). On bad input what was written of the source being read
    is removed and the :class:`InputError` propagates (the sources before it stay imported)
    or, with ``keep_going``, is kept in ``summary.failed`` and the next source is read.
    Large imports suggest in ``workers`` processes (default: one
    per core, at most 2)."""
    readers = load_readers()
    options = options or ReadOptions()
    summary = ImportSummary()
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    buffer = _SuggestBuffer(store, dataset, suggesters, workers)
    thresholds = gc.get_threshold()
    gc.set_threshold(*_IMPORT_GC)
    try:
        for plan in plans:
            reader = readers[plan.format]
            before = (summary.documents, summary.units, summary.duplicates, summary.annotations,
                      summary.imported_suggestions)
            counted = buffer.count
            try:
                with store.importing(dataset, plan.source.name) as staging:
                    buffer.dataset = staging
                    group: list[Parsed] = []
                    grouped = 0
                    try:
                        for parsed in reader(plan.source, options):
                            if _prepare(parsed, plan, options):
                                group.append(parsed)
                                grouped += len(parsed.units)
                            if len(group) >= DOCUMENT_GROUP or grouped >= SUGGEST_BATCH:
                                _store_group(store, staging, group, plan, summary, buffer)
                                group, grouped = [], 0
                            store.checkpoint()  # between documents: not holding the write lock while reading
                        _store_group(store, staging, group, plan, summary, buffer)
                        buffer.finish()
                    except UnicodeEncodeError as e:  # text the reader let through, met when written
                        bad = e.object[e.start : e.end].encode("unicode_escape").decode() if isinstance(e.object, str) else "?"
                        raise InputError(plan.source.name, f"text is not valid Unicode (lone surrogate {bad})") from None
            except (InputError, OSError, MemoryError) as e:
                buffer.discard()
                buffer.count = counted
                (summary.documents, summary.units, summary.duplicates, summary.annotations,
                 summary.imported_suggestions) = before
                error = e if isinstance(e, InputError) else InputError(
                    plan.source.name, f"cannot be read ({e.__class__.__name__}: {e})")
                if not keep_going:
                    raise error from None
                summary.failed.append(error)
            else:
                summary.suggestions += buffer.count - counted
                summary.files += 1
            if on_source:
                on_source(plan, summary)
    finally:
        buffer.close()
        gc.set_threshold(*thresholds)
    return summary


def _prepare(parsed: Parsed, plan: SourcePlan, options: ReadOptions) -> bool:
    """Check a document as read (before anything of it is written); whether it has units to import."""
    name = plan.source.name
    if not parsed.units:
        return False
    doc = parsed.document
    for field_text in (doc.text, doc.title, doc.source, doc.external_id or ""):
        try:
            field_text.encode("utf-8")
        except UnicodeEncodeError as e:
            bad = e.object[e.start : e.end].encode("unicode_escape").decode()
            raise InputError(name, f"text is not valid Unicode (lone surrogate {bad})", line=parsed.line) from None
    for u in parsed.units:
        if doc.text[u.start : u.end] != u.text:
            raise InputError(name, f"unit {u.position} does not match the document text", line=parsed.line)
    if options.labels_as == "suggestions" and parsed.labels:
        parsed.suggestions.extend(labels_as_suggestions(parsed.labels, plan.source))
        parsed.labels = []
    return True


def _store_group(store: Store, dataset: Dataset, group: Sequence[Parsed], plan: SourcePlan,
                 summary: ImportSummary, buffer: _SuggestBuffer) -> None:
    """Write a group of documents' rows (one statement), and queue their units, decisions and
    suggestions in ``buffer``; a document already in the dataset adds only the decisions and
    suggestions it brings."""
    if not group:
        return
    name = plan.source.name
    placed = store.insert_documents(dataset, [(p.document, p.units) for p in group], defer_units=True)
    # the units of the documents this group's copies bring decisions or suggestions for: still
    # in the buffer, or already written (one read), or added by this group
    units_of = {doc_id: buffer.waiting[doc_id] for doc_id, added in placed if doc_id in buffer.waiting}
    new_ids = {doc_id for doc_id, added in placed if added}
    units_of.update(store.documents_units([doc_id for p, (doc_id, added) in zip(group, placed)
                                           if not added and (p.labels or p.suggestions)
                                           and doc_id not in units_of and doc_id not in new_ids]))
    for parsed, (doc_id, added) in zip(group, placed):
        if added:  # insert_documents gave the units their ids
            summary.documents += 1
            summary.units += len(parsed.units)
            buffer.add(parsed.units, (doc_id, parsed.document.external_id, parsed.document.title))
            units = units_of[doc_id] = parsed.units
        else:
            summary.duplicates += 1
            if not parsed.labels and not parsed.suggestions:
                continue
            units = units_of.get(doc_id, [])
            _check_same_units(parsed, units, name)
        if parsed.labels:
            summary.annotations += _queue_labels(store, parsed, units, name, added, buffer)
        if parsed.suggestions:
            summary.imported_suggestions += _queue_suggestions(parsed, units, name, buffer)
        buffer.ready()


def labels_as_suggestions(labels: Sequence[base.UnitLabels], source: Source) -> list[base.UnitSuggestions]:
    """``import --as suggestions``: each accepted decision's spans become a suggestion named
    ``import:<file name>`` (``import:<file name>:<annotator>`` where a unit has several
    annotators' versions); rejected and ignored ones are dropped."""
    kept = [lab for lab in labels if lab.answer == "accept"]
    base_name = f"import:{'stdin' if source.is_stdin else source.path.name}"
    per_unit: dict[int, int] = {}
    for lab in kept:
        per_unit[lab.unit_index] = per_unit.get(lab.unit_index, 0) + 1
    return [
        base.UnitSuggestions(
            unit_index=lab.unit_index,
            suggester=base_name if per_unit[lab.unit_index] == 1 else f"{base_name}:{lab.annotator}",
            spans=lab.spans, relations=lab.relations)
        for lab in kept
    ]


def _queue_suggestions(parsed: Parsed, units: list[Unit], name: str, buffer: _SuggestBuffer) -> int:
    """Queue a document's imported suggestions (a model's pre-annotations); returns how many."""
    from annotator.store import suggestion_json

    rows = []
    for sug in parsed.suggestions:
        if not sug.spans and not sug.relations:
            continue  # nothing proposed: stored as no row, as for our own suggesters
        if not 0 <= sug.unit_index < len(units):
            raise InputError(name, f"suggestion refers to unit {sug.unit_index}, which does not exist", line=parsed.line)
        unit = units[sug.unit_index]
        try:
            check_spans(unit.text, sug.spans, sug.relations)
        except ValueError as e:
            raise InputError(name, str(e).splitlines()[0], line=parsed.line) from None
        rows.append((int(unit.id or 0), sug.suggester, sug.version, *suggestion_json(sug.spans, sug.relations)))
    buffer.propose(rows)
    return len(rows)


def _check_same_units(parsed: Parsed, units: list[Unit], name: str) -> None:
    if len(units) != len(parsed.units) or any(
        a.start != b.start or a.end != b.end for a, b in zip(units, parsed.units)
    ):
        raise InputError(
            name, "this document is already in the dataset with other units; import into a new dataset",
            line=parsed.line,
        )


def _queue_labels(store: Store, parsed: Parsed, units: list[Unit], name: str, fresh: bool,
                  buffer: _SuggestBuffer) -> int:
    """Queue a document's imported decisions; one identical to the current decision (or to
    the latest queued) is skipped. A ``fresh`` document, just added, has no decisions but
    those queued."""
    added = 0
    for lab in parsed.labels:
        if not 0 <= lab.unit_index < len(units):
            raise InputError(name, f"label refers to unit {lab.unit_index}, which does not exist", line=parsed.line)
        unit = units[lab.unit_index]
        try:
            check_spans(unit.text, lab.spans, lab.relations)
            ann = Annotation(
                unit_id=unit.id or 0, annotator=lab.annotator, answer=lab.answer,  # type: ignore[arg-type]
                spans=lab.spans, relations=lab.relations, created=lab.created,
                time_spent=lab.time_spent, meta=lab.meta,
            )
        except ValueError as e:
            reason = str(e).splitlines()[0] if not hasattr(e, "errors") else _pyd_reason(e)
            raise InputError(name, reason, line=parsed.line) from None
        key = (ann.unit_id, ann.annotator)
        current = buffer.latest.get(key)
        if current is None and not fresh:
            current = store.current_annotation(*key)
        if current and current.answer == ann.answer and sorted(s.key for s in current.spans) == sorted(
            s.key for s in ann.spans
        ) and sorted(r.key for r in current.relations) == sorted(r.key for r in ann.relations):
            continue
        buffer.decide(ann)
        added += 1
    return added


def _pyd_reason(e: ValueError) -> str:
    errs = e.errors()  # type: ignore[attr-defined]
    first = errs[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    return f"{loc}: {first['msg']}" if loc else str(first["msg"])
