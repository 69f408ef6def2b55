"""Issue 18, "review in the order that pays": the review queue ordered by how contested each
unit is (Dawid–Skene confidence), and why each unit is in it — in the service, the CLI and
on the review screen."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner

from annotator.cli import cli
from annotator.models import Annotation, Document, Span, Unit
from annotator.review_queue import build_review_queue, disagreements
from annotator.store import Store
from annotator.tui.app import build_review_app

from test_review import settle  # noqa: E402

#: (text, {annotator: [(word, label), ...]}): four units all three agree on, then three
#: units where they split — 2 against 1 on a label, all three apart, 2 against 1 on a span.
UNITS: list[tuple[str, dict[str, list[tuple[str, str]]]]] = [
    *[(f"{name} visited Paris.", {a: [(name, "PERSON"), ("Paris", "GPE")] for a in ("ann", "bob", "cat")})
      for name in ("Alice", "Bruno", "Chen", "Dara")],
    ("Reuters reported the deal.", {"ann": [("Reuters", "ORG")], "bob": [("Reuters", "ORG")],
                                    "cat": [("Reuters", "PERSON")]}),
    ("Jordan spoke in Amman.", {"ann": [("Jordan", "PERSON"), ("Amman", "GPE")],
                                "bob": [("Jordan", "GPE"), ("Amman", "GPE")],
                                "cat": [("Jordan", "ORG"), ("Amman", "GPE")]}),
    ("The talks ended on Friday.", {"ann": [("Friday", "DATE")], "bob": [("Friday", "DATE")], "cat": []}),
]


def contested_dataset(store: Store) -> list[int]:
    """The units above in one document of dataset ``news``; returns their ids in order."""
    ds = store.ensure_dataset("news")
    text = " ".join(t for t, _ in UNITS)
    units, at = [], 0
    for i, (t, _) in enumerate(UNITS):
        units.append(Unit(text=t, start=at, end=at + len(t), position=i))
        at += len(t) + 1
    store.insert_document(ds, Document(text=text, title="order"), units)
    ids = [u.id for u in store.iter_units("news")]
    for uid, (t, versions) in zip(ids, UNITS):
        for name, marks in versions.items():
            spans = [Span(start=t.index(w), end=t.index(w) + len(w), label=lbl) for w, lbl in marks]
            store.add_annotation(Annotation(unit_id=uid, annotator=name, answer="accept", spans=spans))
    return ids


def test_contested_order_puts_the_three_way_split_first(store: Store) -> None:
    ids = contested_dataset(store)
    reuters, jordan, friday = ids[4:]
    plain = build_review_queue(store, "news")
    assert [e.unit_id for e in plain.entries] == [reuters, jordan, friday]  # the default: document order
    assert sorted(plain.unanimous) == ids[:4]
    queue = build_review_queue(store, "news", "contested")
    assert queue.entries[0].unit_id == jordan
    by_id = {e.unit_id: e for e in queue.entries}
    assert by_id[jordan].confidence < min(by_id[reuters].confidence, by_id[friday].confidence)
    assert [e.confidence for e in queue.entries] == sorted(e.confidence for e in queue.entries)
    assert by_id[jordan].reason.startswith(
        "2 of 3 disagree on “Jordan” 0–6: GPE (bob) vs ORG (cat) vs PERSON (ann); confidence 0.")
    assert by_id[reuters].reason.startswith("1 of 3 disagree on “Reuters” 0–7: ORG (ann, bob) vs PERSON (cat)")
    assert by_id[friday].reason.startswith("1 of 3 disagree on “Friday” 19–25: DATE (ann, bob) vs none (cat)")


def test_reasons_name_answers_boundaries_and_sort_by_confidence() -> None:
    unit = Unit(id=1, text="Kim Jong Un met Moon.", start=0, end=21, position=0)
    full, short = Span(start=0, end=11, label="PERSON"), Span(start=0, end=8, label="PERSON")
    found = disagreements(unit, [
        Annotation(unit_id=1, annotator="a", answer="accept", spans=[full]),
        Annotation(unit_id=1, annotator="b", answer="accept", spans=[short]),
        Annotation(unit_id=1, annotator="c", answer="reject"),
    ], {"entities": [0.5, 0.5, 0.9, 1.0, 1.0, 1.0]}, answer_confidence=0.8)
    assert [d.describe() for d in found] == [
        "1 of 2 disagree on “Kim Jong Un” 0–11: PERSON (a) vs PERSON “Kim Jong” (b); confidence 0.50",
        "1 of 3 disagree on the answer: accept (2) vs reject (1); confidence 0.80",
    ]


def test_review_cli_lists_the_contested_order_with_why(runner: CliRunner, store: Store, db: str) -> None:
    ids = contested_dataset(store)
    res = runner.invoke(cli, ["review", "--db", db, "--dataset", "news", "--annotator", "lead",
                              "--order", "contested", "--no-ui"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "news: 3 unit(s) with differing versions, 0 with gold (most contested first)"
    assert lines[1].startswith(f"  unit {ids[5]} · 2 of 3 disagree on “Jordan” 0–6: GPE (bob) vs ORG (cat) "
                               "vs PERSON (ann); confidence 0.")
    res = runner.invoke(cli, ["review", "--db", db, "--dataset", "news", "--no-ui"])
    assert [ln.split(" · ")[0].strip() for ln in res.output.splitlines()[1:]] == [f"unit {i}" for i in ids[4:]]
    bad = runner.invoke(cli, ["review", "--db", db, "--order", "random", "--no-ui"])
    assert bad.exit_code != 0 and "random" in bad.output


def test_review_screen_shows_why_and_starts_with_the_most_contested(store: Store) -> None:
    ids = contested_dataset(store)

    async def run() -> None:
        app = build_review_app(store, "news", "lead", order="contested")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert screen.item is not None and screen.item.unit.id == ids[5]
            why = str(screen.query_one("#review-why").render())
            assert why.startswith("why: 2 of 3 disagree on “Jordan” 0–6: GPE (bob) vs ORG (cat) vs PERSON")
            assert "confidence 0." in why
            assert "most contested first" in str(screen.query_one("#review-status").render())
            await pilot.press("3")  # cat's version; the next most contested unit follows
            await settle(pilot)
            assert screen.item.unit.id == screen.session.entries[1].unit_id
        gold = store.get_gold(ids[5])
        assert gold is not None and gold.sources == ["cat"]
        assert [(s.start, s.end, s.label) for s in gold.spans] == [(0, 6, "ORG"), (16, 21, "GPE")]

    asyncio.run(run())


def test_palette_reorders_the_queue_and_stays_on_the_unit(store: Store) -> None:
    ids = contested_dataset(store)

    async def run() -> None:
        app = build_review_app(store, "news", "lead")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert screen.session.queue == ids[4:] and screen.item.unit.id == ids[4]
            await pilot.press("ctrl+p", *"most contested", "enter")
            await settle(pilot)
            assert app.screen is screen and screen.session.order == "contested"
            assert screen.session.queue == [ids[5], ids[6], ids[4]]  # the three-way split first
            assert screen.item.unit.id == ids[4]  # still on the unit shown before, now the last
            await pilot.press("left")
            await settle(pilot)
            assert screen.item.unit.id == ids[6]

    asyncio.run(run())
