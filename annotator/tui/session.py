"""One annotator's labelling session: the queue, the unit on screen, decisions and progress.

Pure Python over the :class:`~annotator.store.Store` (no Textual, no SQL). The labelling
screen never calls the database methods here on its own thread: its
:class:`~annotator.tui.session_writer.SessionWriter` runs :meth:`LabelSession.fetch`,
:meth:`LabelSession.record` and :meth:`LabelSession.undo_view` on a writer connection in a
thread, and its read workers call :meth:`LabelSession.jump_view` and the progress count. The
synchronous :meth:`decide` / :meth:`undo` / :meth:`advance` are for scripts and tests.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from annotator.models import Annotation, Dataset, Relation, Scheme, Span, Token, Unit
from annotator.schemes import load_scheme
from annotator.store import Store, load_relations, load_spans
from annotator.suggest import merge
from annotator.tui.editor import Mark
from annotator.tui.guidelines import Guidelines, load_guidelines

#: Longest time one unit counts towards the decisions-per-hour rate (a coffee break is not work).
MAX_COUNTED_SECONDS = 300.0
#: How many units a queue filter looks at before giving up for this step.
FILTER_SCAN_LIMIT = 20_000



@dataclass
class UnitView:
    """Everything shown for one unit."""

    unit: Unit
    tokens: list[Token]
    title: str
    before: list[Unit]
    after: list[Unit]
    marks: list[Mark]
    relations: list[Relation]
    previous_answer: str | None = None
    suggesters: list[str] = field(default_factory=list)
    shown_at: float = 0.0
    #: the screen's editing state of this unit (a UnitEditor), kept when the unit is put aside
    #: (undo, jump) so that unsaved edits come back with it
    editor: Any = None


@dataclass(frozen=True)
class QueueFilter:
    """Restrict the queue to units with a suggested label, from a suggester, or in a document."""

    label: str | None = None
    suggester: str | None = None
    document_id: int | None = None

    def describe(self) -> str:
        """A short human description, e.g. ``label=PERSON``."""
        parts = [f"{k}={v}" for k, v in (("label", self.label), ("suggester", self.suggester),
                                          ("document", self.document_id)) if v is not None]
        return ", ".join(parts) or "none"


class LabelSession:
    """The queue and the decisions of one annotator on one dataset."""

    def __init__(self, store: Store, dataset: Dataset, annotator: str) -> None:
        self.store = store
        self.dataset = dataset
        self.annotator = annotator
        self.scheme: Scheme = load_scheme(dataset.scheme)
        self.current: UnitView | None = None
        self.queue_filter: QueueFilter | None = None
        self._filter_iter: Iterator[Unit] | None = None
        self._floor = -1  # every queue unit at or below this id is decided (or capped)
        self._titles: dict[int, str] = {}
        self.done, self.total = 0, 0
        self.progress_known = False
        self.progress_epoch = 0  # bumped whenever ``done`` changes here
        self.clock: Callable[[], float] = time.monotonic  # tests replace it for fixed rates
        self.session_decisions = 0
        self.session_seconds = 0.0
        self.message = ""
        self.priority: deque[int] = deque()  # unit ids to show first (least-sure-first)
        self.training: Any = None  # a BackgroundTraining started from the command palette
        #: units handed out (queue or priority) and not decided yet: never handed out twice
        self.handed: set[int] = set()
        self.guidelines = load_guidelines(dataset, self.scheme)

    def count_progress(self) -> tuple[int, int, int]:
        """(done, total, epoch) from the database; slow on big datasets, so run it off the UI thread."""
        epoch = self.progress_epoch
        done, total = self.store.progress(self.dataset.name, self.annotator)
        return done, total, epoch

    def read_guidelines(self) -> Guidelines:
        """The dataset's guidelines as they are now (*database* and the file): a lead may edit
        the file, or name another, while annotators label."""
        return load_guidelines(self.store.require_dataset(self.dataset.name), self.scheme)

    def set_progress(self, done: int, total: int, epoch: int) -> bool:
        """Adopt counts from :meth:`count_progress` unless a decision happened meanwhile."""
        if epoch != self.progress_epoch:
            return False
        self.done, self.total, self.progress_known = done, total, True
        return True

    # ------------------------------------------------------------------ loading units
    def _title(self, document_id: int | None) -> str:
        """The document title, cached per document."""
        if document_id is None:
            return ""
        if document_id not in self._titles:
            doc = self.store.get_document(document_id)
            self._titles[document_id] = doc.title if doc else ""
        return self._titles[document_id]

    def view(self, unit: Unit) -> UnitView:
        """Build the view of ``unit``: this annotator's current decision if any, else suggestions."""
        assert unit.id is not None
        before, after = self.store.unit_context(unit)
        ann = self.store.current_annotation(unit.id, self.annotator)
        suggestions = self.store.get_suggestions(unit.id)
        suggesters = [s.suggester for s in suggestions]
        if ann is not None and ann.answer == "accept":
            marks = [Mark(s, suggested=False) for s in ann.spans]
            relations = list(ann.relations)
        else:
            merged = merge(suggestions) if suggestions else None
            marks = [Mark(s, suggested=True) for s in merged.spans] if merged else []
            relations = list(merged.relations) if merged else []
        title = self._title(unit.document_id)
        # The headline is usually the document's first unit: shown as the title, not again.
        before = [u for u in before if not (u.position == 0 and u.text == title)]
        return UnitView(
            unit=unit, tokens=unit.token_list(), title=title,
            before=before, after=after, marks=marks, relations=relations,
            previous_answer=ann.answer if ann else None, suggesters=suggesters,
        )

    def _show(self, unit: Unit | None) -> UnitView | None:
        """Make ``unit`` the current one."""
        self.current = self.view(unit) if unit is not None else None
        if self.current is not None:
            self.current.shown_at = self.clock()
        return self.current

    def _next_from_filter(self) -> Unit | None:
        """The next undecided unit that matches the queue filter."""
        f = self.queue_filter
        assert f is not None
        if self._filter_iter is None:
            self._filter_iter = self.store.iter_units(self.dataset.name, document_id=f.document_id)
        for scanned, unit in enumerate(self._filter_iter):
            assert unit.id is not None
            if scanned >= FILTER_SCAN_LIMIT:
                self.message = f"no match for filter {f.describe()} in the next {FILTER_SCAN_LIMIT:,} units"
                return None
            if self.store.current_annotation(unit.id, self.annotator) is not None:
                continue
            if f.label is None and f.suggester is None:
                return unit
            for sug in self.store.get_suggestions(unit.id):
                if f.suggester is not None and sug.suggester != f.suggester:
                    continue
                if f.label is None or any(s.label == f.label for s in sug.spans):
                    return unit
        self.message = f"no more units match filter {f.describe()}; back to the queue"
        self.clear_filter()
        return None

    def _next_from_queue(self) -> Unit | None:
        """The next unit handed to this annotator (claims it under the dataset's overlap)."""
        name = self.dataset.name
        units = [u for u in self.store.next_units(name, self.annotator, limit=1, after_id=self._floor)
                 if u.id not in self.handed]
        if not units and self._floor >= 0:
            # back to the start: units handed out earlier and not decided (resume), skipping
            # the ones the screen still holds
            self._floor = -1
            units = [u for u in self.store.next_units(name, self.annotator, limit=1 + len(self.handed), after_id=-1)
                     if u.id not in self.handed][:1]
        if not units:
            return None
        self._floor = max(self._floor, (units[0].id or 0) - 1)
        self.handed.add(units[0].id or 0)
        return units[0]

    def set_priority(self, unit_ids: Iterable[int]) -> None:
        """Show these units first, in this order (e.g. where the model is least sure); each is
        claimed under the dataset's overlap when its turn comes, and skipped if taken."""
        self.priority = deque(unit_ids)

    def _next_from_priority(self) -> Unit | None:
        while self.priority:
            unit_id = self.priority.popleft()
            if unit_id in self.handed:
                continue
            if self.store.claim_unit(self.dataset.name, self.annotator, unit_id):
                self.handed.add(unit_id)
                return self.store.get_unit(unit_id)
        return None

    # ------------------------------------------------------------------ background training
    def start_training(self, output: str | None = None) -> str:
        """Train a model from this dataset's gold in a child process; when it finishes, its
        suggestions are stored for every unit nobody has labelled. Returns the model folder."""
        from pathlib import Path

        from annotator.train.background import start_training

        if self.training is not None and self.training.running:
            return str(self.training.output)
        if output is None:
            on_disk = self.store.engine == "sqlite" and self.store.path != ":memory:"
            base = Path(self.store.path).resolve().parent if on_disk else Path.cwd()
            output = str(base / "models" / f"{self.dataset.name}-{time.strftime('%Y%m%d-%H%M%S')}")
        self.training = start_training(self.store.path, self.dataset.name, output)
        return output

    def training_status(self) -> dict[str, Any] | None:
        """The background training's state, or None when none was started."""
        return self.training.status() if self.training is not None else None

    def stop_training(self) -> None:
        if self.training is not None and self.training.running:
            self.training.cancel()

    def _next_unit(self) -> Unit | None:
        """The next unit of the filter when one is set, else of the priority list, else of
        the queue."""
        if self.queue_filter:
            unit = self._next_from_filter()
            if unit is not None or self.queue_filter:
                return unit
        return self._next_from_priority() or self._next_from_queue()

    def advance(self) -> UnitView | None:
        """Show the next unit of the queue (or of the filter); None when nothing is left."""
        return self._show(self._next_unit())

    def start(self) -> UnitView | None:
        """Resume: the first unit handed to this annotator and not yet decided, else a new one."""
        return self.advance()

    # ------------------------------------------------------------------ decisions
    def annotation_for(self, view: UnitView, answer: str, spans: list[Span], relations: list[Relation]) -> Annotation:
        """The decision ``answer`` on ``view`` (no database work): spans kept only on accept."""
        if view.unit.id is None:
            raise RuntimeError("no unit to decide")
        spent = max(0.0, self.clock() - view.shown_at)
        self.session_decisions += 1
        self.session_seconds += min(spent, MAX_COUNTED_SECONDS)
        return Annotation(
            unit_id=view.unit.id, annotator=self.annotator, answer=answer,  # type: ignore[arg-type]
            spans=spans if answer == "accept" else [],
            relations=relations if answer == "accept" else [],
            time_spent=round(spent, 3),
            meta={**({"suggesters": view.suggesters} if view.suggesters else {}),
                  "guidelines": self.guidelines.version},
        )

    def record(self, ann: Annotation) -> int:
        """Commit one decision (the writer thread calls this); returns its row id."""
        ann_id = self.store.add_annotation(ann)
        self.handed.discard(ann.unit_id)
        return ann_id

    def fetch(self, n: int) -> list[UnitView]:
        """Claim up to ``n`` more units of the priority list and the queue and build their views
        (the writer thread calls this ahead of need, so the next unit shows at once)."""
        views: list[UnitView] = []
        while len(views) < n:
            unit = self._next_from_priority() or self._next_from_queue()
            if unit is None:
                break
            views.append(self.view(unit))
        return views

    def decide(self, answer: str, spans: list[Span], relations: list[Relation]) -> int:
        """Commit a decision on the current unit, then move to the next; returns the row id."""
        view = self.current
        if view is None or view.unit.id is None:
            raise RuntimeError("no unit to decide")
        ann = self.annotation_for(view, answer, spans, relations)
        # One transaction (one fsync) records the decision and claims the next unit; it is
        # committed when the block ends, before the next unit is shown.
        with self.store.write():
            ann_id = self.record(ann)
            unit = self._next_unit()
        if view.previous_answer is None:
            self.done += 1
            self.total = max(self.total, self.done)
            self.progress_epoch += 1
        self._show(unit)
        return ann_id

    def undo_view(self) -> tuple[UnitView, str] | None:
        """Revert this annotator's latest standing decision (history kept: an 'undo' row is
        appended) and return the unit's view with the reverted version on it — spans and
        relations as the annotator left them — and the reverted answer; None when there is
        nothing to undo."""
        unit = self.store.undo_last(self.dataset.name, self.annotator)
        if unit is None or unit.id is None:
            return None
        return self.view_after_undo(unit)

    def view_after_undo(self, unit: Unit) -> tuple[UnitView, str]:
        """The view of ``unit`` whose latest decision was just undone, with the reverted version
        on it, and the reverted answer (see :meth:`undo_view`)."""
        assert unit.id is not None
        self.store.claim_unit(self.dataset.name, self.annotator, unit.id)  # leased again while shown
        reverted = self._reverted_row(unit.id)
        view = self.view(unit)
        if reverted is not None and reverted["answer"] == "accept":
            view.marks = [Mark(s, suggested=False) for s in load_spans(reverted["spans"])]
            view.relations = load_relations(reverted["relations"])
        self.handed.add(unit.id)
        return view, str(reverted["answer"]) if reverted else "decision"

    def undo(self) -> UnitView | None:
        """Revert this annotator's latest decision and show that unit again (history kept)."""
        undone = self.undo_view()
        if undone is None:
            self.message = "nothing to undo"
            return None
        view, answer = undone
        if view.previous_answer is None:
            self.done = max(0, self.done - 1)
            self.progress_epoch += 1
        self.current = view
        view.shown_at = self.clock()
        self.message = f"undid {answer} on unit {view.unit.id}"
        return view

    def _reverted_row(self, unit_id: int) -> dict[str, Any] | None:
        """The decision row the latest undo row of this unit reverted."""
        rows = self.store.history(unit_id, self.annotator)
        undo = next((r for r in reversed(rows) if r["answer"] == "undo"), None)
        if undo is None:
            return None
        return next((r for r in rows if r["id"] == undo["reverts"]), None)

    def jump_view(self, unit_id: int) -> UnitView | None:
        """The view of unit ``unit_id`` of this dataset (decided or not), or None with a message."""
        unit = self.store.get_unit(unit_id)
        if unit is None or unit.dataset != self.dataset.name:
            self.message = f"no unit {unit_id} in dataset {self.dataset.name}"
            return None
        return self.view(unit)

    def jump(self, unit_id: int) -> UnitView | None:
        """Show unit ``unit_id`` of this dataset (decided or not)."""
        unit = self.store.get_unit(unit_id)
        if unit is None or unit.dataset != self.dataset.name:
            self.message = f"no unit {unit_id} in dataset {self.dataset.name}"
            return None
        return self._show(unit)

    def filter_view(self) -> tuple[UnitView | None, str]:
        """The next unit matching the queue filter (a read: filtered units are not claimed) and
        the message to show; None when nothing matches (the filter is then cleared)."""
        self.message = ""
        unit = self._next_from_filter()
        message, self.message = self.message, ""
        return (self.view(unit) if unit is not None else None), message

    def use_filter(self, queue_filter: QueueFilter | None) -> None:
        """Filter the queue from now on (None clears it); nothing is read yet."""
        self.queue_filter = queue_filter
        self._filter_iter = None

    def set_filter(self, queue_filter: QueueFilter | None) -> UnitView | None:
        """Filter the queue (None clears it) and show its first unit."""
        self.use_filter(queue_filter)
        return self.advance()

    def clear_filter(self) -> None:
        """Back to the plain queue."""
        self.queue_filter = None
        self._filter_iter = None

    # ------------------------------------------------------------------ progress
    @property
    def rate_per_hour(self) -> float | None:
        """Decisions per hour in this session (None before the first)."""
        if not self.session_decisions or self.session_seconds <= 0:
            return None
        return self.session_decisions / self.session_seconds * 3600.0

    @property
    def seconds_left(self) -> float | None:
        """Time left at the current rate."""
        rate = self.rate_per_hour
        if not rate:
            return None
        return max(0, self.total - self.done) / rate * 3600.0


def resolve_dataset(store: Store, name: str | None) -> Dataset:
    """Dataset ``name``, or the most recently created one; a clear error when there is nothing to label."""
    from annotator.errors import UserError

    hint = f"run `annotator import FILE --db {store.path}` first"
    if name is not None:
        ds = store.require_dataset(name)
    else:
        datasets = store.list_datasets()
        if not datasets:
            raise UserError(f"{store.path}: nothing to label yet; {hint}")
        ds = max(datasets, key=lambda d: (d.created or 0.0, d.id or 0))
    if next(store.iter_units(ds.name, batch=1), None) is None:
        raise UserError(f"{store.path}: dataset {ds.name!r} has no units to label; {hint}")
    return ds
