"""Label schemes: TOML files in ``schemas/`` validated into :class:`Scheme`."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from annotator.errors import SchemeError
from annotator.models import Scheme


def schemas_dir() -> Path:
    """Where the scheme files live: ``schemas/`` of a checkout, or inside the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "schemas", here / "schemas"):
        if (candidate / "news.toml").is_file():
            return candidate
    raise SchemeError(here / "schemas", "the built-in schemes are missing from this install")


def available_schemes() -> list[str]:
    return sorted(p.stem for p in schemas_dir().glob("*.toml"))


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = len(err.errors()) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"field {field}: {first['msg']}{tail}"


def parse_scheme(path: Path) -> Scheme:
    """Read and validate one scheme file; errors name the file and the field."""
    try:
        raw = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise SchemeError(path, "no such scheme file") from None
    except UnicodeDecodeError as e:
        raise SchemeError(path, f"not UTF-8 text (byte {e.start})") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as e:
        line = getattr(e, "lineno", None)
        msg = str(e).split(" (at line")[0]
        raise SchemeError(path, f"not valid TOML: {msg}", line=line) from None
    try:
        return Scheme.model_validate(data)
    except ValidationError as e:
        raise SchemeError(path, _describe(e)) from None


@lru_cache(maxsize=32)
def load_scheme(name_or_path: str) -> Scheme:
    """A scheme by built-in name (``news``, ``conll``) or by path to a ``.toml`` file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return parse_scheme(p)
    candidate = schemas_dir() / f"{name_or_path}.toml"
    if not candidate.is_file():
        known = ", ".join(available_schemes())
        raise SchemeError(name_or_path, f"unknown scheme (built-in: {known}; or give a .toml path)")
    return parse_scheme(candidate)
