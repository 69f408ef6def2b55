import sqlite3
import subprocess
import sys


from annotator.cli import COMMANDS, LazyGroup, cli

from conftest import ROOT, SEED


def test_every_command_loads_and_has_help(runner):
    r = runner.invoke(cli, ["--help"])
    assert r.exit_code == 0
    for name in COMMANDS:
        cmd = LazyGroup.get_command(cli, None, name)  # type: ignore[arg-type]
        assert cmd is not None, f"{name}: listed but not loaded"
        assert cmd.help and cmd.help.strip(), f"{name} has no help text"
        assert name in r.output
        assert runner.invoke(cli, [name, "--help"]).exit_code == 0


def test_a_listed_command_whose_module_is_missing_fails_loudly(runner, monkeypatch):
    monkeypatch.setitem(COMMANDS, "ghost", "annotator.commands.ghost:ghost")
    r = runner.invoke(cli, ["--help"])
    assert r.exit_code != 0
    assert "command 'ghost': its module annotator.commands.ghost is missing" in r.output
    r = runner.invoke(cli, ["ghost"])
    assert r.exit_code != 0 and "annotator.commands.ghost is missing" in r.output


def test_readme_documents_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"annotator {name}" in readme, f"README does not document `annotator {name}`"


def test_cli_start_up_imports_no_spacy_or_textual():
    code = (
        "import sys; from annotator.cli import cli; "
        "from click.testing import CliRunner; CliRunner().invoke(cli, ['--help']); "
        "bad = [m for m in ('spacy', 'textual', 'trafilatura', 'thinc') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# --- options before the subcommand apply to it --------------------------------------------

def _datasets(path):
    return [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM datasets ORDER BY name")]


def test_db_and_dataset_before_import_apply_to_it(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(cli, ["--db", "two.db", "import", str(SEED), "--dataset", "duo", "--no-suggest"])
    assert r.exit_code == 0, r.output
    assert "in two.db" in r.output
    assert not (tmp_path / "annotator.db").exists()
    assert _datasets(tmp_path / "two.db") == ["duo"]
    r = runner.invoke(cli, ["--db", "two.db", "--dataset", "trio", "import", str(SEED), "--no-suggest"])
    assert r.exit_code == 0, r.output
    assert _datasets(tmp_path / "two.db") == ["duo", "trio"]
    assert not (tmp_path / "annotator.db").exists()


def test_db_before_dataset_set_applies_to_it(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(cli, ["import", str(SEED), "--db", "two.db", "--dataset", "duo", "--no-suggest"]).exit_code == 0
    r = runner.invoke(cli, ["--db", "two.db", "dataset", "set", "duo", "--overlap", "2"])
    assert r.exit_code == 0, r.output
    overlap = sqlite3.connect(tmp_path / "two.db").execute("SELECT overlap FROM datasets WHERE name='duo'").fetchone()
    assert overlap == (2,)
    assert not (tmp_path / "annotator.db").exists()


def test_db_before_the_command_outranks_the_environment_and_after_outranks_before(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANNOTATOR_DB", "env.db")
    r = runner.invoke(cli, ["--db", "two.db", "import", str(SEED), "--no-suggest"])
    assert r.exit_code == 0 and "in two.db" in r.output
    r = runner.invoke(cli, ["--db", "two.db", "import", str(SEED), "--no-suggest", "--db", "three.db"])
    assert r.exit_code == 0 and "in three.db" in r.output
    r = runner.invoke(cli, ["import", str(SEED), "--no-suggest"])
    assert r.exit_code == 0 and "in env.db" in r.output
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["env.db", "three.db", "two.db"]


def test_annotator_and_dataset_before_label_apply_to_it(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(cli, ["import", str(SEED), "--db", "two.db", "--dataset", "duo", "--no-suggest"]).exit_code == 0
    seen = {}

    class FakeApp:
        def run(self):
            seen["ran"] = True

    def fake_build_app(store, dataset, annotator_name, config=None):
        seen.update(db=str(store.path), dataset=dataset, annotator=annotator_name)
        return FakeApp()

    import annotator.tui.app

    monkeypatch.setattr(annotator.tui.app, "build_app", fake_build_app)
    r = runner.invoke(cli, ["--db", "two.db", "--annotator", "alice", "--dataset", "duo", "label"])
    assert r.exit_code == 0, r.output
    assert seen == {"db": "two.db", "dataset": "duo", "annotator": "alice", "ran": True}


def test_a_global_option_that_does_not_apply_is_refused(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(cli, ["--dataset", "duo", "dataset", "list"])
    assert r.exit_code == 2
    assert "--dataset does not apply to `annotator dataset`" in r.output
    assert list(tmp_path.iterdir()) == []
