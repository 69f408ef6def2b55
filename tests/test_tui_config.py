"""User config: key remapping and theme from TOML; bad files give one line naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.config import Config, load_config
from annotator.errors import InputError
from annotator.tui.app import binding_ids, build_app

from test_tui_app import make_db


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "nope.toml") == Config()


def test_keys_and_theme_are_read(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, 'theme = "gruvbox"\n[keys]\naccept = "y,enter"\nquit = "ctrl+q"\n'))
    assert cfg.theme == "gruvbox"
    assert cfg.keys == {"accept": "y,enter", "quit": "ctrl+q"}
    assert cfg.path and cfg.path.endswith("config.toml")


def test_env_variable_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = write(tmp_path, '[keys]\nreject = "d"\n')
    monkeypatch.setenv("ANNOTATOR_CONFIG", str(p))
    assert load_config().keys == {"reject": "d"}
    monkeypatch.setenv("ANNOTATOR_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(InputError, match="missing.toml: config file not found"):
        load_config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[keys\naccept = 1", r"config.toml:1: not valid TOML"),
        ("[keys]\naccept = 3\n", r"config.toml: field keys.accept: Input should be a valid string"),
        ('[keys]\naccept = "a b"\n', r"config.toml: field keys: accept: 'a b' is not a comma-separated"),
        ('colour = "red"\n', r"config.toml: field colour: Extra inputs are not permitted"),
    ],
)
def test_bad_file_is_one_line_naming_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        load_config(write(tmp_path, text))
    assert "\n" not in str(err.value)


def test_unknown_binding_id_and_theme_are_rejected(tmp_path: Path) -> None:
    store = make_db(tmp_path / "c.db")
    cfg = load_config(write(tmp_path, '[keys]\naccpet = "y"\n'))
    with pytest.raises(InputError, match=r"config.toml: field keys.accpet: unknown binding id"):
        build_app(store, None, "alice", config=cfg)
    cfg = load_config(write(tmp_path, 'theme = "no-such-theme"\n'))
    with pytest.raises(InputError, match=r"config.toml: field theme: unknown theme 'no-such-theme'"):
        build_app(store, None, "alice", config=cfg)


def test_every_documented_binding_id_exists() -> None:
    import annotator.config as config_module

    ids = binding_ids()
    for ident in ("accept", "reject", "ignore", "undo", "cursor-left", "select-right", "label-0",
                  "delete-span", "next-span", "toggle-layer", "link", "help", "quit", "help-close"):
        assert ident in ids
        assert ident in (config_module.__doc__ or "")
