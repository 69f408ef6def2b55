"""`annotator report` and the lead's screen: every section on a small hand-made dataset whose
numbers are worked out by hand below, and an SVG snapshot of the screen at 80 x 24."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.models import Annotation, Document, Gold, Span, Suggestion, Unit
from annotator.reporting import build_report
from annotator.store import Store, open_store

D1 = 1_780_000_000.0  # 2026-05-28 (UTC)
D2 = D1 + 86_400.0
U1 = "Kim met Moon in Seoul."
U2 = "Moon left Seoul on Friday."
U3 = "Nothing happened."


def ents(*spans: tuple[int, int, str]) -> list[Span]:
    return [Span(start=a, end=b, label=lab) for a, b, lab in spans]


SUGGESTED = {0: ents((0, 3, "PERSON"), (8, 12, "PERSON"), (16, 21, "GPE")),
             1: ents((0, 4, "PERSON"), (10, 15, "GPE"), (19, 25, "DATE"))}
# (annotator, day, unit, answer, spans, seconds)
DECISIONS = [
    ("ann", D1, 0, "accept", SUGGESTED[0], 4.0),
    ("ann", D1, 1, "accept", SUGGESTED[1], 6.0),
    ("ann", D1, 2, "accept", [], 2.0),
    ("bob", D1, 0, "accept", ents((0, 3, "PERSON"), (8, 12, "PERSON"), (16, 21, "ORG")), 10.0),  # GPE changed
    ("bob", D1, 1, "accept", ents((0, 4, "PERSON"), (10, 15, "GPE")), 12.0),  # DATE deleted
    ("bob", D1, 2, "reject", [], 3.0),
    ("cat", D2, 0, "accept", SUGGESTED[0], 5.0),
    ("cat", D2, 1, "reject", [], 8.0),  # every suggestion deleted
    ("cat", D2, 2, "accept", [], 1.0),
]


def seed(store: Store) -> list[int]:
    ds = store.ensure_dataset("lead", overlap=0)
    text = " ".join((U1, U2, U3))
    units, pos = [], 0
    for i, t in enumerate((U1, U2, U3)):
        units.append(Unit(text=t, start=pos, end=pos + len(t), position=i))
        pos += len(t) + 1
    store.insert_document(ds, Document(text=text, title="summit", external_id="summit-1"), units)
    ids = [u.id or 0 for u in store.iter_units("lead")]
    store.put_suggestions([Suggestion(unit_id=ids[k], suggester="rules", spans=spans)
                           for k, spans in SUGGESTED.items()])
    for n, (name, day, k, answer, spans, secs) in enumerate(DECISIONS):
        store.add_annotation(Annotation(unit_id=ids[k], annotator=name, answer=answer, spans=spans,
                                        created=day + n, time_spent=secs))
    store.set_gold(Gold(unit_id=ids[0], spans=SUGGESTED[0], adjudicator="lead", created=D2 + 100))
    return ids


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "lead.db"
    store = open_store(path)
    seed(store)
    store.close()
    return path


def report_of(db: Path) -> dict[str, Any]:
    store = open_store(db, create=False)
    try:
        return build_report(store, "lead", batches=2, now=D2 + 3600)
    finally:
        store.close()


def test_progress_per_annotator_and_day(db: Path) -> None:
    prog = report_of(db)["progress"]
    assert prog["per_day"] == {"2026-05-28": 6, "2026-05-29": 3}
    assert prog["annotators"]["cat"]["per_day"] == {"2026-05-29": 3}
    assert prog["annotators"]["bob"]["seconds_per_unit"] == 10.0  # median of 10, 12, 3
    assert prog["seconds_per_unit"] == 5.0  # median of all nine
    assert prog["remaining_decisions"] == 0 and prog["days_left"] == 0.0


def test_suggestion_acceptance_per_suggester_and_label(db: Path) -> None:
    """PERSON: 8 of 9 kept (two on unit 1 and one on unit 2, three annotators; cat's reject of
    unit 2 deletes one); GPE: bob's ORG on Seoul
    changes one, cat's reject deletes one; DATE: only ann keeps it. Seconds per unit: as
    suggested 4, 6, 5 (median 5); edited 10, 12, 8 (median 10); no suggestions 2, 3, 1 (2)."""
    sug = report_of(db)["suggestions"]
    per = sug["per_suggester"]["rules"]
    assert {k: per["PERSON"][k] for k in ("accepted", "changed", "deleted")} == {"accepted": 8, "changed": 0,
                                                                                   "deleted": 1}
    assert {k: per["GPE"][k] for k in ("accepted", "changed", "deleted")} == {"accepted": 4, "changed": 1,
                                                                                "deleted": 1}
    assert {k: per["DATE"][k] for k in ("accepted", "changed", "deleted")} == {"accepted": 1, "changed": 0,
                                                                                 "deleted": 2}
    assert per["DATE"]["accepted_share"] == pytest.approx(1 / 3, abs=1e-6)
    assert sug["seconds_per_unit"]["as_suggested"] == 5.0
    assert sug["seconds_per_unit"]["edited"] == 10.0
    assert sug["seconds_per_unit"]["without_suggestions"] == 2.0


def test_agreement_pair_by_label_quality_gold_review_and_trend(db: Path) -> None:
    rep = report_of(db)
    agr = rep["agreement"]["entities"]
    # ann / bob share units 1 and 2: PERSON alike; GPE ann 2 spans, bob 1, one match:
    # recall 1/2, precision 1 -> F1 2/3; ORG (bob only) and DATE (ann only) 0.
    assert agr["pair_label_f1"]["ann|bob"] == {"DATE": 0.0, "GPE": pytest.approx(2 / 3, abs=1e-6),
                                               "ORG": 0.0, "PERSON": 1.0}
    # Against half the others, only unit 1 has three accepting versions: Kim and Moon are
    # everyone's; Seoul GPE (ann, cat) tp 2 and shown to bob fp 1 -> 4/5; ORG (bob) fn 1, fp 2.
    assert agr["consensus"] is True
    assert {lbl: f["f1_vs_others"] for lbl, f in agr["per_label"].items()} == {
        "DATE": None, "GPE": pytest.approx(0.8), "ORG": 0.0, "PERSON": 1.0}
    gold = rep["quality"]["entities"]["gold"]
    assert gold["ann"]["(all)"]["f1"] == 1.0 and gold["cat"]["(all)"]["f1"] == 1.0
    assert gold["bob"]["(all)"]["precision"] == pytest.approx(2 / 3) and gold["bob"]["units"] == 1
    assert set(rep["quality"]["entities"]["competence"]) == {"ann", "bob", "cat"}
    # the review queue's contested order (as `annotator review --order contested`): U2 splits
    # on a span and on the answer, U1 on one label, U3 on the answer only (bob rejected it)
    review = rep["review"]
    assert [r["text"] for r in review] == [U2, U1, U3]
    assert review[0]["contested"] > review[1]["contested"] > review[2]["contested"] > 0
    u1 = review[1]
    assert u1["why"][0].startswith("1 of 3 disagree on “Seoul” 16–21: GPE (ann, cat) vs ORG (bob); confidence")
    assert review[2]["why"] == ["1 of 3 disagree on the answer: accept (2) vs reject (1); confidence 1.00"]
    trend = rep["trend"]["entities"]
    assert [b["units"] for b in trend] == [2, 1] and trend[1]["token_alpha"] is None


def test_agreement_on_the_answer_itself(db: Path) -> None:
    """Span figures compare accepted units only; the answers are their own figure. Per unit
    (ann, bob, cat): U1 accept x3; U2 accept, accept, reject; U3 accept, reject, accept. Agreeing
    pairs: 3 of 3, 1 of 3, 1 of 3 -> 5 of 9. Coincidences: o(A,A) = 3 + 1 + 1 = 5, o(A,R) =
    o(R,A) = 2, n_A = 7, n_R = 2, n = 9: D_o = 4/9, D_e = 2 * 7 * 2 / (9 * 8) = 7/18, alpha =
    1 - (4/9) / (7/18) = -1/7."""
    answers = report_of(db)["answers"]
    assert answers["units"] == 3
    assert answers["percent_agreement"] == pytest.approx(5 / 9, abs=1e-6)
    assert answers["alpha"] == pytest.approx(-1 / 7, abs=1e-6)
    # Gwet: p_e = (7/9 * 2/9 + 2/9 * 7/9) / (2 - 1) = 28/81; AC1 = (5/9 - 28/81) / (1 - 28/81) = 17/53
    assert answers["ac1"] == pytest.approx(17 / 53, abs=1e-6)
    r = CliRunner().invoke(cli, ["report", "--db", str(db), "--dataset", "lead"])
    assert r.exit_code == 0, r.output
    table = r.output[r.output.index("Answers (accept / reject)"):r.output.index("Decisions per annotator")]
    assert [ln.split("│")[1:3] for ln in table.splitlines() if ln.startswith("│")] == [
        [" units answered by 2 or more ", " 3      "], [" percent agreement           ", " 0.556  "],
        [" Krippendorff's alpha        ", " -0.143 "], [" Gwet's AC1                  ", " 0.321  "]]


def test_cli_report_json_markdown_and_table(db: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["report", "--dataset", "lead", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["dataset"] == "lead" and data["units_decided"] == 3 and data["layers"] == ["entities"]
    res = runner.invoke(cli, ["report", "--dataset", "lead", "--db", str(db), "--markdown"])
    assert res.exit_code == 0 and "### Review first (most contested)" in res.output
    assert "| rules | GPE | 6 | 4 | 1 | 1 | 0.667 |" in res.output
    res = runner.invoke(cli, ["report", "--dataset", "nope", "--db", str(db)])
    assert res.exit_code != 0 and "nope" in res.output and "Traceback" not in res.output


def test_report_screen_snapshot_80x24(db: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    from textual.app import App

    from annotator.tui.report_screen import ReportScreen

    report = report_of(db)

    class ReportApp(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ReportScreen(report=report))

    app = ReportApp()
    app.cursor_blink = False  # type: ignore[attr-defined]
    assert snap_compare(app, terminal_size=(80, 24))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_report_screen_builds_in_a_worker(db: Path) -> None:
    """Opened on a database, the screen builds the report in a thread and draws it."""
    from textual.app import App
    from textual.widgets import Static

    from annotator.tui.report_screen import ReportScreen

    class ReportApp(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ReportScreen(str(db), "lead"))

    app = ReportApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(screen, ReportScreen) and screen.report is not None
        summary = str(screen.query_one("#summary", Static).render())
        assert "3/3 units decided" in summary
        await pilot.press("escape")
        assert not isinstance(app.screen, ReportScreen)


@pytest.mark.anyio
async def test_palette_report_opens_the_lead_screen(tmp_path: Path) -> None:
    """Ctrl+P, "report": the lead's screen on the labelling screen's dataset."""
    from test_tui_app import app_for, make_db

    from annotator.tui.report_screen import ReportScreen

    path = tmp_path / "pal.db"
    store = make_db(path)
    first = next(store.iter_units("news"))
    store.add_annotation(Annotation(unit_id=first.id or 0, annotator="bob", answer="accept"))
    store.close()
    app = app_for(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"report: the lead")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportScreen) and screen.dataset == "news"
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert screen.report is not None and screen.report["units_decided"] == 1
