"""The ``annotator`` command: a click group whose bare form opens the labelling UI.

Subcommands live one per module in ``annotator/commands/`` and are imported only when
invoked, so ``annotator --help`` and start-up stay fast (no spaCy, no Textual on that path).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from annotator import __version__
from annotator.errors import DatabaseError, UserError

#: command name -> "module:attribute" (imported lazily).
COMMANDS: dict[str, str] = {
    "import": "annotator.commands.importing:import_cmd",
    "stats": "annotator.commands.stats:stats",
    "label": "annotator.commands.label:label",
    "review": "annotator.commands.review:review",
    "suggest": "annotator.commands.suggest:suggest",
    "evaluate": "annotator.commands.evaluate:evaluate",
    "export": "annotator.commands.export:export",
    "agree": "annotator.commands.agree:agree",
    "report": "annotator.commands.report:report",
    "dataset": "annotator.commands.dataset:dataset",
    "train": "annotator.commands.train:train",
    "bench": "annotator.commands.bench:bench",
    "serve": "annotator.commands.serve:serve",
    "db": "annotator.commands.db:db",
}


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    ctx.meta["annotator.db_path"] = value  # for the error message of a damaged database
    return value


def _default_db() -> str:
    return os.environ.get("ANNOTATOR_DB") or "annotator.db"


def db_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--db PATH|URL`` (default ``$ANNOTATOR_DB``, else ``./annotator.db``): a file is SQLite,
    a ``postgresql://`` URL PostgreSQL.

    The environment is read as the default rather than as click's ``envvar`` so that a
    ``--db`` given before the subcommand (see :func:`global_defaults`) outranks it."""
    return click.option(
        "--db",
        "db_path",
        default=_default_db,
        show_default="$ANNOTATOR_DB or annotator.db",
        metavar="PATH|URL",
        help="SQLite database file, or a PostgreSQL database as postgresql://USER@HOST:PORT/NAME.",
        callback=_remember_db,
    )(fn)


def annotator_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--annotator NAME`` (default: ``$USER``)."""
    import getpass

    def default_name() -> str:
        try:
            return getpass.getuser()
        except Exception:
            return "annotator"

    return click.option(
        "--annotator", "annotator_name", default=default_name, show_default="$USER",
        help="Who is labelling.",
    )(fn)


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name != module_name:
                raise  # the module is there but something it imports is not: the real error
            # listed but missing is a broken install: say so, never drop it from --help
            raise click.ClickException(
                f"command {cmd_name!r}: its module {module_name} is missing from this installation") from None
        return getattr(module, attr)

    def invoke(self, ctx: click.Context) -> Any:
        from annotator.store.connection import stop_politely, tell_lock_waits

        try:
            # Ctrl+Z never leaves the write lock held; a write waiting for it says who holds it
            with stop_politely(), tell_lock_waits(lambda line: click.echo(line, err=True)):
                return super().invoke(ctx)
        except UserError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)
        except Exception as e:
            from annotator.store.connection import server_gone_message
            from annotator.store.damage import is_damaged_database

            gone = server_gone_message(e)
            if gone is not None:  # a PostgreSQL server restarted or unreachable half-way through
                from annotator.store.dialect import display_url

                path = display_url(str(ctx.meta.get("annotator.db_path", "the database")))
                click.echo(f"Error: {path}: {gone}", err=True)
                ctx.exit(DatabaseError.exit_code)
            if not is_damaged_database(e):
                raise
            # a database file damaged on disk, met half-way through a command
            path = ctx.meta.get("annotator.db_path", "the database")
            click.echo(f"Error: {path}: the database is damaged and cannot be read ({e}); "
                       f"`sqlite3 {path} 'PRAGMA integrity_check'` shows where", err=True)
            ctx.exit(DatabaseError.exit_code)


def _params_by_flag(cmd: click.Command, flag: str) -> list[click.Parameter]:
    return [p for p in cmd.params if flag in getattr(p, "opts", ())]


def global_defaults(cmd: click.Command, given: dict[str, Any]) -> dict[str, Any]:
    """A click ``default_map`` for ``cmd`` (and, for a group, each of its subcommands) that
    makes each option in ``given`` (flag -> value, as typed before the subcommand) the
    default of the option of the same flag. A value typed after the subcommand still wins."""
    defaults: dict[str, Any] = {}
    for flag, value in given.items():
        for p in _params_by_flag(cmd, flag):
            if p.name:
                defaults[p.name] = value
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            defaults[name] = global_defaults(sub, given)
    return defaults


def _takes(cmd: click.Command, flag: str) -> bool:
    if _params_by_flag(cmd, flag):
        return True
    return isinstance(cmd, click.Group) and any(_takes(sub, flag) for sub in cmd.commands.values())


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="annotator")
@db_option
@click.option("--dataset", default=None, help="Dataset to label (default: the most recent).")
@annotator_option
@click.pass_context
def cli(ctx: click.Context, db_path: str, dataset: str | None, annotator_name: str) -> None:
    """Turn news articles into gold entity and claim labels, in the terminal.

    With no command, opens the labelling UI (same as `annotator label`). --db, --dataset and
    --annotator given before a command apply to it (`annotator --db two.db import FILE`);
    given again after it, the later one wins.
    """
    if ctx.invoked_subcommand is None:
        label = LazyGroup.get_command(cli, ctx, "label")  # type: ignore[arg-type]
        if label is None:
            raise click.UsageError("the labelling UI is not available in this build")
        ctx.invoke(label, db_path=db_path, dataset=dataset, annotator_name=annotator_name)
        return
    typed = {"--db": ("db_path", db_path), "--dataset": ("dataset", dataset), "--annotator": ("annotator_name", annotator_name)}
    given = {flag: value for flag, (name, value) in typed.items()
             if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE}
    if not given:
        return
    sub = LazyGroup.get_command(cli, ctx, ctx.invoked_subcommand)  # type: ignore[arg-type]
    assert sub is not None  # click resolved it before calling us
    for flag in given:
        if not _takes(sub, flag):
            raise click.UsageError(f"{flag} does not apply to `annotator {ctx.invoked_subcommand}`; leave it out")
    ctx.default_map = {ctx.invoked_subcommand: global_defaults(sub, given)}


def main() -> None:
    """Console entry point: user errors become one line on stderr and a non-zero exit."""
    try:
        cli.main(prog_name="annotator", standalone_mode=True)
    except UserError as e:  # raised outside click's invoke (e.g. during parsing callbacks)
        click.echo(f"Error: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
