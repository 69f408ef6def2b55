"""Patterns: JSONL phrase and token patterns; bad files are refused with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.errors import InputError
from annotator.models import Unit, check_spans
from annotator.schemes import load_scheme
from annotator.suggest.patterns import PatternSuggester, read_patterns


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_phrase_and_token_patterns(tmp_path: Path) -> None:
    f = _write(tmp_path / "p.jsonl", [
        {"label": "ORG", "pattern": "Bank of Korea"},
        {"label": "PERSON", "pattern": [{"LOWER": "kim"}, {"IS_TITLE": True}]},
        {"label": "CUE", "pattern": [{"LOWER": "according"}, {"LOWER": "to"}]},
        {"label": "WIDGET", "pattern": "Seoul"},
    ])
    sug = PatternSuggester(load_scheme("news"), f)
    text = "According to the Bank of Korea, Kim Jong-un's rival Kim Yo left Seoul."
    out = sug.suggest([Unit(id=4, text=text)])[0]
    check_spans(text, out.spans, out.relations)
    got = {(text[s.start : s.end], s.label, s.layer) for s in out.spans}
    assert ("Bank of Korea", "ORG", "entities") in got
    assert ("According to", "CUE", "claims") in got
    assert ("Kim Yo", "PERSON", "entities") in got
    assert not any(label == "WIDGET" for _, label, _ in got)  # not a label of the scheme
    assert out.unit_id == 4 and out.suggester == "patterns" and out.version.startswith("1-")
    assert all(s.source == "patterns" and s.token_start is not None for s in out.spans)


@pytest.mark.parametrize(
    "rows, line, reason",
    [
        (['{"label": "ORG", "pattern": "A"}', "{not json"], 2, "not a JSON object"),
        (['{"pattern": "A"}'], 1, '"label"'),
        (['{"label": "ORG", "pattern": 5}'], 1, '"pattern"'),
        (['{"label": "ORG", "pattern": []}'], 1, '"pattern"'),
    ],
)
def test_bad_pattern_files_name_the_line(tmp_path: Path, rows: list[str], line: int, reason: str) -> None:
    f = _write(tmp_path / "bad.jsonl", rows)
    with pytest.raises(InputError) as err:
        read_patterns(f)
    assert err.value.line == line and reason in err.value.reason and err.value.path == str(f)
