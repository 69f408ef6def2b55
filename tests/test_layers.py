"""Guards the layer rules of DESIGN.md by reading every module's imports.

The allowed ``annotator.*`` imports are a matrix (:data:`MAY_IMPORT`): each module belongs to
one layer (:func:`layer_of`) and may import only the layers its row names. Every import is
checked, at module level or inside a function (a lazy import still couples the layers).
"""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

PKG = ROOT / "annotator"

#: Top-level modules of the contract layer (DESIGN.md: models, tokens, schemes, errors, and
#: the small pure helpers every layer shares). Every other top-level module is a service.
CONTRACT_MODULES = frozenset({"__init__", "models", "tokens", "schemes", "errors", "metrics", "record_parts"})

#: layer -> the layers it may import (its own included). DESIGN.md's "Layers" table.
CONTRACT = frozenset({"contract"})
_BELOW_SERVICES = CONTRACT | {"store", "ingest", "formats", "suggest", "agreement", "train"}
MAY_IMPORT: dict[str, frozenset[str]] = {
    "contract": CONTRACT,
    "store": CONTRACT | {"store"},
    "ingest": CONTRACT | {"ingest"},
    "formats": CONTRACT | {"ingest", "formats"},
    "suggest": CONTRACT | {"suggest"},
    "agreement": CONTRACT | {"agreement"},
    "train": CONTRACT | {"suggest", "train"},
    "services": _BELOW_SERVICES | {"services"},
    "tui": _BELOW_SERVICES | {"services", "tui"},
    "cli": _BELOW_SERVICES | {"services", "tui", "cli", "bench"},
    # the benchmarks drive every layer (including the UI) but no command
    "bench": _BELOW_SERVICES | {"services", "tui", "bench"},
}
PACKAGE_LAYERS = ("store", "ingest", "formats", "suggest", "agreement", "train", "tui", "bench")


def layer_of(module: str) -> str:
    """The layer of a dotted module name under ``annotator`` (``annotator.store.rows`` ->
    ``store``); ``annotator`` itself is the contract (it holds only the version)."""
    parts = module.split(".")
    assert parts[0] == "annotator", module
    if len(parts) == 1:
        return "contract"
    head = parts[1]
    if head in PACKAGE_LAYERS:
        return head
    if head in ("cli", "commands", "__main__"):
        return "cli"
    return "contract" if head in CONTRACT_MODULES else "services"


def module_name(rel: str) -> str:
    """``store/rows.py`` -> ``annotator.store.rows``; ``store/__init__.py`` -> ``annotator.store``."""
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(["annotator", *parts])


def imported_modules(source: str, module: str, is_package: bool = False) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level?) of every import in ``source``. ``from
    annotator import x`` counts as importing ``annotator.x``; relative imports are resolved
    against ``module``."""
    tree = ast.parse(source)
    top = set()
    for node in tree.body:
        for sub in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            top.add(id(sub))
    package = module if is_package else module.rpartition(".")[0]
    out: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "annotator":
                out += [(f"annotator.{a.name}", node.lineno, id(node) in top) for a in node.names]
            else:
                out.append((target, node.lineno, id(node) in top))
    return out


def modules():
    for p in sorted(PKG.rglob("*.py")):
        rel = p.relative_to(PKG).as_posix()
        yield rel, imported_modules(p.read_text(encoding="utf-8"), module_name(rel), p.name == "__init__.py")


def violations(rel: str, source: str) -> list[str]:
    """Imports of ``annotator.*`` that the matrix forbids for the module at ``rel``."""
    module = module_name(rel)
    layer = layer_of(module)
    bad = []
    for target, line, _ in imported_modules(source, module, rel.endswith("__init__.py")):
        if target != "annotator" and not target.startswith("annotator."):
            continue
        other = layer_of(target)
        if other not in MAY_IMPORT[layer]:
            bad.append(f"annotator/{rel}:{line}: {layer} layer imports {target} ({other} layer)")
    return bad


ALL_MODULES = sorted(p.relative_to(PKG).as_posix() for p in PKG.rglob("*.py"))


@pytest.mark.parametrize("rel", ALL_MODULES)
def test_imports_follow_the_layer_matrix(rel: str) -> None:
    bad = violations(rel, (PKG / rel).read_text(encoding="utf-8"))
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("rel", "source"), [
    ("formats/brat.py", "from annotator.store import Store\n"),
    ("formats/brat.py", "def f():\n    from annotator.pipeline import run\n"),
    ("formats/brat.py", "from ..store import rows\n"),
    ("formats/__init__.py", "from . import exporting\nfrom .. import store\n"),
    ("models.py", "from annotator import store\n"),
    ("suggest/rules.py", "import annotator.formats.jsonl\n"),
    ("agreement/fast.py", "from annotator.train import loop\n"),
    ("train/corpus.py", "from annotator.store.rows import iter_decision_rows\n"),
    ("train/targets.py", "from annotator.cli import main\n"),
    ("store/rows.py", "from annotator.ingest import segment\n"),
    ("pipeline.py", "from annotator.tui.app import App\n"),
    ("tui/app.py", "from annotator.commands.label import label\n"),
    ("bench/ui.py", "from annotator.cli import main\n"),
])
def test_the_matrix_catches_an_upward_import(rel: str, source: str) -> None:
    """The matrix really fails: each of these synthetic sources imports a layer it may not."""
    assert violations(rel, source)


@pytest.mark.parametrize(("rel", "source"), [
    ("formats/brat.py", "from annotator.ingest.base import Source\nfrom ..models import Span\n"),
    ("exporting.py", "from annotator.store import Store\nfrom annotator.formats import brat\n"),
    ("train/loop.py", "from annotator.suggest import rules\n"),
    ("commands/export.py", "from annotator.exporting import export\n"),
])
def test_the_matrix_allows_what_design_allows(rel: str, source: str) -> None:
    assert violations(rel, source) == []


def test_layer_of_every_kind_of_module() -> None:
    assert layer_of("annotator.models") == "contract"
    assert layer_of("annotator.record_parts") == "contract"
    assert layer_of("annotator.pipeline") == "services"
    assert layer_of("annotator.exporting") == "services"
    assert layer_of("annotator.store.rows") == "store"
    assert layer_of("annotator.commands.export") == "cli"
    assert layer_of("annotator.__main__") == "cli"


def test_contract_modules_do_not_import_each_other_in_a_cycle() -> None:
    """models and tokens used to import each other; the contract is a tree."""
    graph: dict[str, set[str]] = {}
    for rel, imps in modules():
        mod = module_name(rel)
        if layer_of(mod) != "contract":
            continue
        graph[mod] = {t for t, _, _ in imps if t.startswith("annotator.") and layer_of(t) == "contract"}

    def reaches(a: str, b: str, seen: set[str]) -> bool:
        for nxt in graph.get(a, ()):
            if nxt == b or (nxt not in seen and (seen.add(nxt) or reaches(nxt, b, seen))):
                return True
        return False

    cycles = sorted(m for m in graph if reaches(m, m, set()))
    assert not cycles, f"contract modules in an import cycle: {cycles}"


def test_third_party_imports_are_declared() -> None:
    """Every third-party package imported by annotator/ is a dependency in pyproject.toml."""
    import sys
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(deps: list[str]) -> set[str]:
        return {d.split(";")[0].split("[")[0].split("=")[0].split("<")[0].split(">")[0].strip().lower()
                .replace("-", "_") for d in deps}

    declared = names(project["dependencies"])
    # an optional extra (pip install annotator[gamma]) may be imported, but only lazily, where it
    # is used; pyannote comes with pygamma-agreement, whose intervals it is
    optional = names([d for extra, deps in project.get("optional-dependencies", {}).items()
                      if extra != "test" for d in deps]) | {"pyannote"}
    # import name -> distribution name where they differ
    dist = {"sqlite_utils": "sqlite_utils", "textual_serve": "textual_serve"}
    # parts of a declared package's own API: spaCy's (thinc, srsly…), Textual's renderables
    # (rich), textual-serve's web server (aiohttp)
    provided = {"thinc", "srsly", "catalogue", "confection", "weasel", "wasabi", "rich", "aiohttp", "aiohttp_jinja2"}
    missing = set()
    for rel, imps in modules():
        for target, _, top in imps:
            root = target.split(".")[0]
            if not root or root == "annotator" or root in sys.stdlib_module_names or root == "__future__":
                continue
            if root in provided:
                continue
            if root in optional and not top:
                continue
            if dist.get(root, root).lower() not in declared:
                missing.add(f"{root} (annotator/{rel})")
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_only_tui_imports_textual():
    for rel, imps in modules():
        if rel.startswith("tui/") or rel.startswith("bench/ui") or rel in ("commands/serve.py",):
            continue
        bad = [m for m, _, _ in imps if m == "textual" or m.startswith("textual.") or m.startswith("textual_serve")]
        assert not bad, f"{rel} imports {bad}"


def test_only_store_speaks_sql():
    for rel, imps in modules():
        if rel.startswith("store/"):
            continue
        bad = [m for m, _, _ in imps
               if m in ("sqlite3", "sqlite_utils", "psycopg") or m.startswith(("sqlite_utils.", "psycopg."))]
        assert not bad, f"{rel} imports {bad}"


def test_spacy_is_imported_lazily():
    for rel, imps in modules():
        bad = [m for m, _, top in imps if top and (m == "spacy" or m.startswith("spacy."))]
        assert not bad, f"{rel} imports spaCy at module level"
