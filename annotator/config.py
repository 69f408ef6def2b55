"""User configuration: key remapping and theme, from a TOML file.

The file is ``$ANNOTATOR_CONFIG`` or ``~/.config/annotator/config.toml``; a missing file means
defaults. Example::

    theme = "gruvbox"

    [keys]              # binding id = key(s), comma-separated; see `?` in the UI for the ids
    accept = "a,enter"
    reject = "d"
    toggle-layer = "tab"

Binding ids of the labelling screen: accept, reject, ignore, undo, cursor-left, cursor-right,
select-left, select-right, cursor-home, cursor-end, label-1 … label-9, label-0, delete-span,
next-span, previous-span, toggle-layer, link, toggle-overlay, clear-selection, guidelines, history, help, quit; and
help-close on the help screen. A bad file is reported in one line naming the file and field.
A theme chosen in the labelling UI (command palette) is written back to this file.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from annotator.errors import InputError

_KEY_RE = re.compile(r"^[A-Za-z0-9_+\-]+$")


class Config(BaseModel):
    """What a user may set in the config file."""

    model_config = ConfigDict(extra="forbid")

    theme: str | None = Field(default=None, description="Textual theme name, e.g. 'textual-dark', 'gruvbox'.")
    """Textual theme to start with (None keeps Textual's default)."""
    keys: dict[str, str] = Field(default_factory=dict, description="binding id -> comma-separated keys")
    """Key remapping: binding id to Textual key names, comma-separated (``"a,enter"``)."""
    path: str | None = Field(default=None, exclude=True, description="where it was read from")
    """Where this configuration was read from (set by :func:`load_config`, not by the file)."""

    @field_validator("keys")
    @classmethod
    def _keys_well_formed(cls, keys: dict[str, str]) -> dict[str, str]:
        for ident, value in keys.items():
            parts = [p.strip() for p in value.split(",")]
            if not value.strip() or not all(p and _KEY_RE.match(p) for p in parts):
                raise ValueError(f"{ident}: {value!r} is not a comma-separated list of key names")
        return keys


def config_path() -> Path:
    """``$ANNOTATOR_CONFIG`` or ``~/.config/annotator/config.toml``."""
    env = os.environ.get("ANNOTATOR_CONFIG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "annotator" / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read the config file (defaults when it does not exist); errors name file and field."""
    path = path or config_path()
    if not path.is_file():
        if os.environ.get("ANNOTATOR_CONFIG") and path == config_path():
            raise InputError(path, "config file not found ($ANNOTATOR_CONFIG)")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 text (byte {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        where = re.search(r"\(at line (\d+)", str(e))
        raise InputError(path, f"not valid TOML: {str(e).split(' (at line')[0]}",
                         line=int(where.group(1)) if where else None) from None
    if isinstance(data, dict) and "path" in data:
        raise InputError(path, "field path: not a setting (unknown field)")
    try:
        config = Config.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        msg = first["msg"].removeprefix("Value error, ")
        raise InputError(path, f"field {field}: {msg}") from None
    config.path = str(path)
    return config


def save_theme(theme: str, path: Path | None = None) -> Path:
    """Remember ``theme`` in the config file (created if missing), keeping everything else in
    it: the ``theme = …`` line is replaced, or added at the top."""
    path = path or config_path()
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    line = f'theme = "{theme}"'
    body, n = re.subn(r'(?m)^theme\s*=.*$', line, text, count=1)
    if not n:
        body = line + "\n" + text
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, path)
    return path
