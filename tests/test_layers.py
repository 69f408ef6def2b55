"""Guards the layer rules of DESIGN.md by reading every module's imports."""

import ast
from pathlib import Path

from conftest import ROOT

PKG = ROOT / "annotator"


def imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at module level?) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set()
    for node in tree.body:
        for sub in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            top.add(id(sub))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, id(node) in top))
    return out


def modules():
    for p in sorted(PKG.rglob("*.py")):
        yield p.relative_to(PKG).as_posix(), imports(p)


def test_only_tui_imports_textual():
    for rel, imps in modules():
        if rel.startswith("tui/") or rel.startswith("bench/ui") or rel in ("commands/serve.py",):
            continue
        bad = [m for m, _ in imps if m == "textual" or m.startswith("textual.") or m.startswith("textual_serve")]
        assert not bad, f"{rel} imports {bad}"


def test_only_store_speaks_sql():
    for rel, imps in modules():
        if rel.startswith("store/"):
            continue
        bad = [m for m, _ in imps if m in ("sqlite3", "sqlite_utils", "psycopg") or m.startswith(("sqlite_utils.", "psycopg."))]
        assert not bad, f"{rel} imports {bad}"


def test_spacy_is_imported_lazily():
    for rel, imps in modules():
        bad = [m for m, top in imps if top and (m == "spacy" or m.startswith("spacy."))]
        assert not bad, f"{rel} imports spaCy at module level"


def test_lower_layers_do_not_reach_upward():
    lower = ("models.py", "tokens.py", "schemes.py", "errors.py", "metrics.py", "ingest/", "suggest/", "formats/", "agreement/")
    for rel, imps in modules():
        if not rel.startswith(lower):
            continue
        bad = [m for m, _ in imps if m.startswith(("annotator.tui", "annotator.cli", "annotator.commands"))]
        assert not bad, f"{rel} imports {bad}"
