"""`annotator train` end to end on tiny datasets the tests write."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import dump_db
from train_fixtures import fill

from annotator.cli import cli
from annotator.store import open_store


def _db(tmp_path: Path, n: int = 12, unlabelled: int = 3) -> Path:
    db = tmp_path / "t.db"
    store = open_store(db)
    fill(store, n=n, unlabelled=unlabelled)
    store.close()
    return db


def test_train_saves_a_pipeline_and_prints_per_label_scores(tmp_path: Path, runner: CliRunner) -> None:
    db = _db(tmp_path)
    out = tmp_path / "model"
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(out), "--epochs", "3",
                              "--eval-split", "0.25", "--quiet"])
    assert res.exit_code == 0, res.output
    assert "Training on 9 units, scoring on 3" in res.output
    for label in ("PERSON", "CLAIM", "CUE", "SOURCE", "(all)"):
        assert label in res.output
    assert f"Saved to {out}" in res.output
    assert (out / "config.cfg").exists()
    cfg = (out / "config.cfg").read_text()
    assert "annotator_ents_to_spans" in cfg and "annotator.Tokenizer.v1" in cfg


def test_train_json_entities_only(tmp_path: Path, runner: CliRunner) -> None:
    db = _db(tmp_path)
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(tmp_path / "m"),
                              "--layer", "entities", "--epochs", "2", "--json", "--quiet"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output.strip().splitlines()[-1])
    assert set(data["scores"]) == {"entities", "main", "units"}
    assert set(data["scores"]["entities"]) == {"PERSON", "ORG", "GPE"}
    assert data["n_train"] + data["n_eval"] == 12


def test_curve_prints_four_points(tmp_path: Path, runner: CliRunner) -> None:
    db = _db(tmp_path, n=15)
    out = tmp_path / "m"
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(out), "--layer", "entities",
                              "--epochs", "2", "--curve", "--json", "--quiet"])
    assert res.exit_code == 0, res.output
    points = json.loads(res.output.strip().splitlines()[-1])
    assert [p["fraction"] for p in points] == [0.25, 0.5, 0.75, 1.0]
    assert [p["n_train"] for p in points] == [3, 6, 9, 12]
    assert all(0.0 <= p["score"] <= 1.0 for p in points)
    assert (out / "config.cfg").exists()
    assert not list(tmp_path.glob("m.curve-*"))
    table = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(out), "--layer", "entities",
                                "--epochs", "1", "--curve", "--quiet"])
    assert " 25%" in table.output and "100%" in table.output and "Last step" in table.output


def test_user_mistakes_are_one_line_errors_and_change_nothing(tmp_path: Path, runner: CliRunner) -> None:
    db = _db(tmp_path, n=0, unlabelled=2)
    before = dump_db(db)
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "nope", "-o", str(tmp_path / "m")])
    assert res.exit_code != 0 and "no dataset 'nope'" in res.output and "Traceback" not in res.output
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(tmp_path / "m")])
    assert res.exit_code != 0 and "no gold and no accepted annotations" in res.output
    res = runner.invoke(cli, ["train", "--db", str(tmp_path / "missing.db"), "--dataset", "news", "-o", str(tmp_path / "m")])
    assert res.exit_code != 0 and "no such database" in res.output
    assert not (tmp_path / "missing.db").exists()
    assert dump_db(db) == before
    assert not (tmp_path / "m").exists()


def test_claims_layer_without_claims_is_refused(tmp_path: Path, runner: CliRunner) -> None:
    from annotator.models import Annotation, Document, Span, Unit

    db = tmp_path / "t.db"
    store = open_store(db)
    ds = store.ensure_dataset("ents")
    doc_id = store.insert_document(ds, Document(text="Paris is big."), [Unit(text="Paris is big.", end=13)])
    unit = store.document_units(doc_id or 0)[0]
    store.add_annotation(Annotation(unit_id=unit.id or 0, annotator="a", answer="accept",
                                    spans=[Span(start=0, end=5, label="GPE")]))
    store.close()
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "ents", "-o", str(tmp_path / "m"), "--layer", "claims"])
    assert res.exit_code != 0 and "no claims labels" in res.output and "Traceback" not in res.output


def test_suggest_unlabelled_stores_model_suggestions(tmp_path: Path, runner: CliRunner) -> None:
    db = _db(tmp_path)
    out = tmp_path / "next-model"
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(out), "--epochs", "2",
                              "--suggest-unlabelled", "--quiet"])
    assert res.exit_code == 0, res.output
    assert "model:next-model for 3 unlabelled units" in res.output
    store = open_store(db)
    names = {s for s, _, _ in store.suggesters("news")}
    assert "model:next-model" in names
    assert [n for s, _, n in store.suggesters("news") if s == "model:next-model"] == [3]
    store.close()


def test_background_training_reports_progress_and_applies_the_model(tmp_path: Path) -> None:
    from annotator.train.background import NICENESS, start_training

    db = _db(tmp_path)
    job = start_training(db, "news", tmp_path / "bg", layer="entities", extra_args=["--epochs", "2"])
    # the annotators' sessions come first: the child trains at a lower CPU priority
    assert os.getpriority(os.PRIO_PROCESS, job.process.pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
    deadline = time.monotonic() + 240
    states = set()
    while job.running and time.monotonic() < deadline:
        states.add(job.status()["state"])
        time.sleep(0.2)
    log = job.log_file.read_text()
    status = job.status()
    assert status["state"] == "done", (status, log)
    assert status["output"] == str(tmp_path / "bg") and not status["running"]
    assert states <= {"starting", "training"}
    # a run that succeeded leaves no work folder behind (one per training, in the temp dir)
    assert not job.work.exists()
    assert job.status() == status
    store = open_store(db)
    assert ("model:bg", "0.0.0", 3) in store.suggesters("news")
    store.close()


def test_background_failure_is_reported(tmp_path: Path) -> None:
    from annotator.train.background import start_training

    db = _db(tmp_path)
    job = start_training(db, "missing", tmp_path / "bg")
    job.process.wait(timeout=120)
    status = job.status()
    assert status["state"] == "failed" and "no dataset" in status["error"]
    # the log of a failed run is kept, and the status says where
    assert "no dataset" in Path(status["log"]).read_text()
    job.cancel()
    assert not job.work.exists()


def test_output_under_a_missing_directory_is_created_before_training(tmp_path: Path, runner: CliRunner) -> None:
    """Issue 16.2: `-o models/x` on a fresh project must not lose the run."""
    db = _db(tmp_path)
    out = tmp_path / "models" / "deeper" / "x"
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(out), "--epochs", "1",
                              "--layer", "entities", "--quiet"])
    assert res.exit_code == 0, res.output
    assert (out / "config.cfg").exists() and (out / "meta.json").exists()
    assert not list(out.parent.glob(".*write-test"))


def test_an_output_that_cannot_be_written_fails_before_training(tmp_path: Path, runner: CliRunner) -> None:
    db = _db(tmp_path)
    blocker = tmp_path / "models"
    blocker.write_text("a file where a directory should be", encoding="utf-8")
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(blocker / "x"), "--epochs", "1"])
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert res.output.count("\n") == 1 and "cannot write there" in res.output and "Training on" not in res.output
    # a directory holding something else is never replaced by a pipeline
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(other), "--epochs", "1"])
    assert res.exit_code != 0 and "not a saved pipeline" in res.output
    assert (other / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_progress_shows_time_left(tmp_path: Path, runner: CliRunner) -> None:
    from annotator.commands.train import time_left
    from annotator.train.loop import Progress

    # half of epoch 1 of 4 took 30 s: 3.5 epochs at 60 s each are left, or what --max-seconds allows
    p = Progress(epoch=1, epochs=4, step=5, steps_per_epoch=10, losses={}, seconds=30.0)
    assert time_left(p, None) == 210.0 and time_left(p, 100.0) == 70.0
    assert time_left(Progress(epoch=1, epochs=4, step=0, steps_per_epoch=10, losses={}), None) is None
    db = _db(tmp_path)
    progress = tmp_path / "progress.json"
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(tmp_path / "m"), "--epochs", "2",
                              "--layer", "entities", "--progress-file", str(progress)])
    assert res.exit_code == 0, res.output
    assert "left" in res.output  # non-terminal progress lines say how long is left
    assert json.loads(progress.read_text())["state"] == "done"


def test_curve_on_the_claims_layer_shows_the_gain_per_quarter(tmp_path: Path, runner: CliRunner) -> None:
    db = _db(tmp_path, n=15)
    res = runner.invoke(cli, ["train", "--db", str(db), "--dataset", "news", "-o", str(tmp_path / "c"), "--layer", "claims",
                              "--epochs", "2", "--curve", "--quiet"])
    assert res.exit_code == 0, res.output
    rows = {line.split()[0]: line.split() for line in res.output.splitlines() if line.strip()[:1].isdigit()}
    assert list(rows) == ["25%", "50%", "75%", "100%"]
    assert [int(r[1]) for r in rows.values()] == [3, 6, 9, 12]
    assert all(len(r) == 4 for r in list(rows.values())[1:])  # score and gain over the previous quarter
    assert "Last step" in res.output
    assert (tmp_path / "c" / "meta.json").exists()


def _children(pid: int) -> set[int]:
    """Live child processes of ``pid`` (from /proc)."""
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", ["cancel", "kill"])
def test_components_training_in_processes_stop_with_their_parent(tmp_path: Path, how: str) -> None:
    """Cancelling a background training (SIGTERM), or killing it outright, stops the
    processes its components train in and leaves no part behind. (Nothing held out: no
    score ends the 1,000 epochs early.)"""
    from annotator.train.background import start_training

    db = _db(tmp_path)
    job = start_training(db, "news", tmp_path / "bg", layer="both",
                         extra_args=["--epochs", "1000", "--eval-split", "0", "--max-seconds", "0"])
    deadline = time.monotonic() + 120
    kids: set[int] = set()
    while time.monotonic() < deadline and len(kids) < 3:  # one per component: content, parts, entities
        kids = _children(job.process.pid)
        time.sleep(0.1)
    assert len(kids) == 3, job.log_file.read_text()
    while time.monotonic() < deadline and not any(tmp_path.glob("bg.part-*")):
        time.sleep(0.1)  # the parts save their first epoch
    try:
        if how == "cancel":
            job.cancel()
            assert job.process.returncode == 128 + 15
            assert not job.work.exists()
        else:
            job.process.kill()
            job.process.wait()
        stop = time.monotonic() + 10
        while time.monotonic() < stop and any(_alive(k) for k in kids):
            time.sleep(0.1)
        assert not any(_alive(k) for k in kids)
    finally:  # a failure here must not leave them training
        for k in kids:
            if _alive(k):
                os.kill(k, signal.SIGKILL)
        job.cancel()
    assert not (tmp_path / "bg").exists()
    if how == "cancel":  # a killed parent cannot clean up; the next run to -o replaces its parts
        assert not list(tmp_path.glob("bg*"))
