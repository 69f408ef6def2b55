import subprocess
import sys

from annotator.cli import COMMANDS, LazyGroup, cli

from conftest import ROOT


def test_every_built_command_has_help(runner):
    r = runner.invoke(cli, ["--help"])
    assert r.exit_code == 0
    for name in COMMANDS:
        cmd = LazyGroup.get_command(cli, None, name)  # type: ignore[arg-type]
        if cmd is None:
            continue  # a command whose module is not written yet
        assert cmd.help and cmd.help.strip(), f"{name} has no help text"
        assert name in r.output
        assert runner.invoke(cli, [name, "--help"]).exit_code == 0


def test_readme_documents_every_built_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        if LazyGroup.get_command(cli, None, name) is not None:  # type: ignore[arg-type]
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
