"""`annotator label` and the bare `annotator`: dataset choice, hints, and that start-up stays light."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.store import open_store
from annotator.tui.session import resolve_dataset

from test_tui_app import make_db


def test_no_database_gives_import_hint(tmp_path: Path, runner: CliRunner) -> None:
    db = tmp_path / "none.db"
    result = runner.invoke(cli, ["label", "--db", str(db)])
    assert result.exit_code != 0
    assert "run `annotator import" in result.output
    assert "Traceback" not in result.output
    assert not db.exists()


def test_empty_database_gives_import_hint_bare_command(tmp_path: Path, runner: CliRunner) -> None:
    db = tmp_path / "empty.db"
    open_store(db).close()
    result = runner.invoke(cli, ["--db", str(db)])
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and "annotator import" in result.output


def test_dataset_without_units_gives_hint(tmp_path: Path, runner: CliRunner) -> None:
    db = tmp_path / "ds.db"
    open_store(db).ensure_dataset("empty")
    result = runner.invoke(cli, ["label", "--db", str(db), "--dataset", "empty"])
    assert result.exit_code != 0 and "no units to label" in result.output


def test_unknown_dataset_is_named(tmp_path: Path, runner: CliRunner) -> None:
    db = tmp_path / "u.db"
    make_db(db).close()
    result = runner.invoke(cli, ["label", "--db", str(db), "--dataset", "nope"])
    assert result.exit_code != 0 and "no dataset 'nope'" in result.output


def test_most_recent_dataset_is_the_default(tmp_path: Path) -> None:
    store = make_db(tmp_path / "r.db")
    time.sleep(0.01)
    newer = store.ensure_dataset("newer")
    from annotator.models import Document, Unit

    store.insert_document(newer, Document(text="One sentence."), [Unit(text="One sentence.", end=13)])
    assert resolve_dataset(store, None).name == "newer"
    assert resolve_dataset(store, "news").name == "news"


def test_bad_config_is_one_line(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "c.db"
    make_db(db).close()
    cfg = tmp_path / "cfg.toml"
    cfg.write_text("[keys]\naccept = 5\n")
    monkeypatch.setenv("ANNOTATOR_CONFIG", str(cfg))
    result = runner.invoke(cli, ["label", "--db", str(db)])
    assert result.exit_code == 2
    assert f"{cfg}: field keys.accept" in result.output and "Traceback" not in result.output


def test_label_help_lists_keys(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["label", "--help"])
    assert result.exit_code == 0 and "--dataset" in result.output and "Backspace undo" in result.output


def test_tui_import_does_not_pull_spacy() -> None:
    code = (
        "import sys, annotator.tui, annotator.tui.app, annotator.commands.label, annotator.bench.ui;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'spacy', 'thinc', 'torch'});"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_only_tui_modules_import_textual() -> None:
    code = (
        "import sys, annotator.config, annotator.commands.label, annotator.bench.synth, annotator.bench.ui,"
        " annotator.tui.session, annotator.tui.editor;"
        "print(sorted(m for m in sys.modules if m.startswith('textual')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
