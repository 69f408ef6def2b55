"""The review session: the queue of units where annotators disagree, and the gold
decisions taken on them (no Textual here, so it is tested and reused without a screen)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator.agreement.adjudicate import (
    Comparison,
    all_relations,
    compare,
    gold_from_merge,
    gold_from_unanimous,
    gold_from_version,
    is_unanimous,
    majority,
)
from annotator.agreement.report import group_by_unit
from annotator.models import Annotation, Gold, Span, Unit
from annotator.store import Store


@dataclass
class ReviewItem:
    """One unit under review: its text, every annotator's version and their comparison."""

    unit: Unit
    versions: list[Annotation]
    comparison: Comparison
    gold: Gold | None


class ReviewSession:
    """Walks the units with two or more versions that differ; writes gold through the store."""

    def __init__(self, store: Store, dataset: str, adjudicator: str, *, include_done: bool = True) -> None:
        self.store = store
        self.dataset = store.require_dataset(dataset).name
        self.adjudicator = adjudicator
        self.queue: list[int] = []
        self.unanimous: list[int] = []
        for unit, anns in group_by_unit(store.iter_annotations(self.dataset)):
            if len(anns) < 2 or unit.id is None:
                continue
            if is_unanimous(anns):
                self.unanimous.append(unit.id)
            elif include_done or store.get_gold(unit.id) is None:
                self.queue.append(unit.id)
        self.position = self._first_open()

    def _first_open(self) -> int:
        """Index of the first queued unit without gold (0 when all have gold)."""
        for i, uid in enumerate(self.queue):
            if self.store.get_gold(uid) is None:
                return i
        return 0

    # ------------------------------------------------------------ reading
    @property
    def total(self) -> int:
        """Units in the queue."""
        return len(self.queue)

    def done(self) -> int:
        """Queued units that have gold."""
        return sum(1 for uid in self.queue if self.store.get_gold(uid) is not None)

    def current(self) -> ReviewItem | None:
        """The unit under review, or None when the queue is empty."""
        if not self.queue:
            return None
        uid = self.queue[self.position]
        unit = self.store.get_unit(uid)
        assert unit is not None
        versions = self.store.current_annotations(uid)
        return ReviewItem(unit, versions, compare(versions), self.store.get_gold(uid))

    # ------------------------------------------------------------ moving
    def move(self, delta: int) -> None:
        """Go ``delta`` units forward (or back), staying inside the queue."""
        if self.queue:
            self.position = max(0, min(len(self.queue) - 1, self.position + delta))

    def advance(self) -> None:
        """Go to the next unit without gold after this one (or stay at the last)."""
        for i in range(self.position + 1, len(self.queue)):
            if self.store.get_gold(self.queue[i]) is None:
                self.position = i
                return
        self.move(1)

    # ------------------------------------------------------------ deciding
    def take(self, index: int) -> Gold:
        """Make version ``index`` (0-based, in annotator order) the unit's gold."""
        item = self.current()
        if item is None or not 0 <= index < len(item.versions):
            raise IndexError(f"no version {index + 1}")
        gold = gold_from_version(item.versions[index], self.adjudicator)
        gold.id = self.store.set_gold(gold)
        self.advance()
        return gold

    def merged(self) -> tuple[list[Span], list[Span]]:
        """(every candidate span, those a majority marked) for the current unit."""
        item = self.current()
        if item is None:
            return [], []
        chosen, _ = majority(item.versions)
        return item.comparison.union(), chosen

    def save_merge(self, spans: Sequence[Span]) -> Gold:
        """Make the given (merged, edited) spans the current unit's gold."""
        item = self.current()
        if item is None:
            raise IndexError("nothing to review")
        assert item.unit.id is not None
        gold = gold_from_merge(item.unit.id, item.versions, list(spans), all_relations(item.versions),
                               self.adjudicator)
        gold.id = self.store.set_gold(gold)
        self.advance()
        return gold

    def undo(self) -> Unit | None:
        """Revert the adjudicator's latest gold and go back to that unit."""
        unit = self.store.undo_gold(self.dataset, self.adjudicator)
        if unit is not None and unit.id in self.queue:
            self.position = self.queue.index(unit.id)
        return unit

    def accept_unanimous(self) -> int:
        """Write gold for every unanimous unit that has none, in short transactions."""
        return self.store.set_new_gold(
            gold_from_unanimous(self.store.current_annotations(uid), self.adjudicator)
            for uid in self.unanimous if self.store.get_gold(uid) is None
        )
