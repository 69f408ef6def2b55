"""The review session: the queue of units where annotators disagree, the position in it, and
the gold decisions taken on them (no Textual here, so it is tested and reused without a screen).

The state (queue, position, which units have gold) is plain Python the screen changes on its
own thread. The methods that touch the database are marked *database*: the review screen runs
:meth:`ReviewSession.load` and :meth:`ReviewSession.read_item` in thread workers and the gold
writes in its :class:`~annotator.tui.review_writer.GoldWriter`; the synchronous
:meth:`take`, :meth:`save_merge` and :meth:`undo` are for the CLI, scripts and tests.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
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
from annotator.models import Annotation, Gold, Relation, Scheme, Span, Unit
from annotator.review_queue import ORDERS, QueueEntry, ReviewQueue, build_review_queue
from annotator.schemes import load_scheme
from annotator.store import Store
from annotator.store.label_sessions import ReviewerRow


@dataclass
class ReviewItem:
    """One unit under review: its text, every annotator's version and their comparison."""

    unit: Unit
    versions: list[Annotation]
    comparison: Comparison
    gold: Gold | None
    entry: QueueEntry | None = None
    #: the id of the gold standing when the unit was read (None: none): the gold taken on it
    #: may replace that one, not one another lead took since (:meth:`ReviewSession.write_gold`)
    read_gold_id: int | None = None


class ReviewSession:
    """Walks the units with two or more versions that differ; builds the gold to write."""

    def __init__(self, store: Store, dataset: str, adjudicator: str, *, order: str = "document",
                 include_done: bool = True) -> None:
        if order not in ORDERS:
            raise ValueError(f"unknown review order {order!r} (known: {', '.join(ORDERS)})")
        self.store = store
        self.dataset = dataset
        self.adjudicator = adjudicator
        self.order = order
        self.include_done = include_done
        self.entries: list[QueueEntry] = []
        self.unanimous: list[int] = []
        self.gold_units: set[int] = set()  # queued units with standing gold
        self.position = 0
        self.loaded = False
        self.scheme: Scheme | None = None
        self.no_longer_unanimous = 0  # units :meth:`accept_unanimous` found disputed since the queue was read
        self.screen_id: int | None = None  # this review screen's label_sessions row (:meth:`present`)
        self.gold_seen = 0  # the latest gold row known here (:meth:`present` asks for those after it)
        self._index: dict[int, int] = {}  # unit id -> position, for the entries in _index_of
        self._index_of: list[QueueEntry] | None = None

    @classmethod
    def open(cls, store: Store, dataset: str, adjudicator: str, **kwargs: object) -> ReviewSession:
        """A session with its queue loaded (*database*; for the CLI and tests)."""
        session = cls(store, dataset, adjudicator, **kwargs)  # type: ignore[arg-type]
        session.load()
        return session

    # ------------------------------------------------------------ loading (database)
    def load(self) -> None:
        """Read the queue, the unanimous units and the gold (*database*), and go to the first
        queued unit without gold."""
        ds = self.store.require_dataset(self.dataset)
        self.dataset = ds.name
        self.gold_seen = self.store.last_gold_id()  # before the queue: a gold taken meanwhile is told again
        queue = self.read_queue()
        self.scheme = load_scheme(ds.scheme)
        self.entries, self.unanimous, self.gold_units = queue.entries, queue.unanimous, queue.gold
        self.position = self._first_open()
        self.loaded = True

    def read_queue(self) -> ReviewQueue:
        """The queue as the database has it now (*database*): annotators go on deciding while
        a lead reviews, so a unit can join it (or leave it) after :meth:`load`."""
        return build_review_queue(self.store, self.dataset, self.order, self.include_done)

    def read_item(self, unit_id: int) -> ReviewItem:
        """Read one unit, its current versions and gold (*database*)."""
        unit = self.store.get_unit(unit_id)
        if unit is None:
            raise LookupError(f"no unit {unit_id}")
        versions = self.store.current_annotations(unit_id)
        entry = next((e for e in self.entries if e.unit_id == unit_id), None)
        gold = self.store.get_gold(unit_id)
        return ReviewItem(unit, versions, compare(versions), gold, entry, gold.id if gold else None)

    def write_gold(self, gold: Gold, replaces: Collection[int | None]) -> Gold:
        """Store ``gold`` (*database*) in place of the standing gold ``replaces`` names (the
        one read with the unit, or one this session wrote since); returns it with its id.
        Another lead's gold taken since raises :class:`~annotator.errors.GoldTaken`."""
        gold.id = self.store.set_gold(gold, replaces)
        return gold

    def present(self, unit_id: int | None) -> tuple[list[ReviewerRow], dict[int, bool]]:
        """Record that this screen shows ``unit_id`` (*database*); the other leads' review
        screens open on the dataset, with the unit each shows, and the units whose gold was
        taken or reverted since last asked (whether each has gold now)."""
        self.screen_id, others = self.store.review_presence(self.screen_id, self.dataset, self.adjudicator, unit_id)
        self.gold_seen, changed = self.store.gold_changes(self.dataset, self.gold_seen)
        return others, changed

    def leave(self) -> None:
        """This screen quits (*database*): the other leads are no longer told of it."""
        if self.screen_id is not None:
            self.store.close_label_session(self.screen_id)
            self.screen_id = None

    def revert_gold(self) -> Unit | None:
        """Revert the adjudicator's latest standing gold (*database*); returns its unit."""
        return self.store.undo_gold(self.dataset, self.adjudicator)

    # ------------------------------------------------------------ the queue (no database)
    @property
    def queue(self) -> list[int]:
        """Queued unit ids, in review order."""
        return [e.unit_id for e in self.entries]

    @property
    def total(self) -> int:
        """Units in the queue."""
        return len(self.entries)

    def done(self) -> int:
        """Queued units that have gold."""
        return len(self.gold_units)

    @property
    def current_id(self) -> int | None:
        """The unit under review (None when the queue is empty)."""
        return self.entries[self.position].unit_id if self.entries else None

    @property
    def current_entry(self) -> QueueEntry | None:
        """The queue entry under review: its confidence and why it is there."""
        return self.entries[self.position] if self.entries else None

    def _first_open(self) -> int:
        """Index of the first queued unit without gold (0 when all have gold)."""
        return next((i for i, e in enumerate(self.entries) if e.unit_id not in self.gold_units), 0)

    def move(self, delta: int) -> None:
        """Go ``delta`` units forward (or back), staying inside the queue."""
        if self.entries:
            self.position = max(0, min(len(self.entries) - 1, self.position + delta))

    def position_of(self, unit_id: int | None) -> int | None:
        """Where ``unit_id`` is in the queue (0-based), None when it is not queued; an index
        built once per queue read, as the header asks at every key press."""
        if self._index_of is not self.entries:
            self._index, self._index_of = {e.unit_id: i for i, e in enumerate(self.entries)}, self.entries
        return None if unit_id is None else self._index.get(unit_id)

    def go_to(self, unit_id: int) -> bool:
        """Go to ``unit_id`` if it is queued."""
        at = self.position_of(unit_id)
        if at is not None:
            self.position = at
        return at is not None

    def advance(self, passing: Collection[int] = ()) -> None:
        """Go to the next unit without gold after this one that is not in ``passing`` (the
        units other leads' screens show), else the next without gold (or one on, at the last)."""
        for skip in (passing, ()):
            for i in range(self.position + 1, len(self.entries)):
                uid = self.entries[i].unit_id
                if uid not in self.gold_units and uid not in skip:
                    self.position = i
                    return
        self.move(1)

    def adopt(self, queue: ReviewQueue, pending: Sequence[int] = (), go_to_joined: bool = True) -> list[int]:
        """Take ``queue``, read again by :meth:`read_queue`; ``pending``: units whose gold is
        decided here and not stored yet. Returns the units that joined it without gold (decided
        since the queue was last read), in queue order; goes to the first of them
        (``go_to_joined``), else stays on the unit under review while it is queued."""
        before, current = set(self.queue), self.current_id
        self.entries, self.unanimous = queue.entries, queue.unanimous
        self.gold_units = queue.gold | set(pending)
        joined = [e.unit_id for e in self.entries if e.unit_id not in before and e.unit_id not in self.gold_units]
        if not (joined and go_to_joined and self.go_to(joined[0])) and not (current is not None and self.go_to(current)):
            self.position = self._first_open()
        return joined

    def mark(self, unit_id: int, has_gold: bool) -> None:
        """Note that ``unit_id`` has (or no longer has) gold."""
        if has_gold:
            self.gold_units.add(unit_id)
        else:
            self.gold_units.discard(unit_id)

    # ------------------------------------------------------------ building gold (no database)
    def gold_of_version(self, item: ReviewItem, index: int) -> Gold:
        """Gold that copies version ``index`` (0-based, in annotator order) of ``item``."""
        if not 0 <= index < len(item.versions):
            raise IndexError(f"no version {index + 1}")
        return gold_from_version(item.versions[index], self.adjudicator)

    @staticmethod
    def merged(item: ReviewItem) -> tuple[list[Span], list[Relation]]:
        """The majority version of ``item``: the spans and links more than half marked."""
        return majority(item.versions)

    def gold_of_merge(self, item: ReviewItem, spans: Sequence[Span], relations: Sequence[Relation] | None = None) -> Gold:
        """Gold from merged, edited spans and links (default links: every version's links
        whose spans are kept)."""
        assert item.unit.id is not None
        rels = list(relations) if relations is not None else all_relations(item.versions)
        return gold_from_merge(item.unit.id, item.versions, list(spans), rels, self.adjudicator)

    # ------------------------------------------------------------ synchronous use (CLI, tests)
    def current(self) -> ReviewItem | None:
        """The unit under review, read now (*database*), or None when the queue is empty."""
        uid = self.current_id
        return None if uid is None else self.read_item(uid)

    def take(self, index: int) -> Gold:
        """Make version ``index`` the current unit's gold and go on (*database*)."""
        item = self.current()
        if item is None:
            raise IndexError("nothing to review")
        return self._store(self.gold_of_version(item, index), item)

    def save_merge(self, spans: Sequence[Span], relations: Sequence[Relation] | None = None) -> Gold:
        """Make the given (merged, edited) spans the current unit's gold and go on (*database*)."""
        item = self.current()
        if item is None:
            raise IndexError("nothing to review")
        return self._store(self.gold_of_merge(item, spans, relations), item)

    def _store(self, gold: Gold, item: ReviewItem) -> Gold:
        self.write_gold(gold, {item.read_gold_id})
        self.mark(gold.unit_id, True)
        self.advance()
        return gold

    def undo(self) -> Unit | None:
        """Revert the adjudicator's latest gold and go back to that unit (*database*)."""
        unit = self.revert_gold()
        if unit is not None and unit.id is not None:
            self.mark(unit.id, self.store.get_gold(unit.id) is not None)
            self.go_to(unit.id)
        return unit

    def accept_unanimous(self) -> int:
        """Write gold for every unanimous unit that has none, in short transactions (*database*).
        Each unit's versions are read again first: one an annotator has decided again since the
        queue was read, so that the versions now differ, gets no gold, and the queue is read
        again so that it is there to review (:attr:`no_longer_unanimous` counts them)."""
        self.no_longer_unanimous = 0

        def still_unanimous() -> Iterator[Gold]:
            for uid in self.unanimous:
                if self.store.get_gold(uid) is not None:
                    continue
                versions = self.store.current_annotations(uid)
                if is_unanimous(versions):
                    yield gold_from_unanimous(versions, self.adjudicator)
                else:
                    self.no_longer_unanimous += 1

        written = self.store.set_new_gold(still_unanimous())
        if self.no_longer_unanimous:
            self.load()
        return written
