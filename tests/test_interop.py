"""The interop check (tests/interop/run.py) as tests.

The offline part (Prodigy's task format, brat's annotation.conf rules, spaCy's ``debug data``
and ``train`` on the DocBin) always runs. The real Label Studio and doccano servers run only
with ``ANNOTATOR_INTEROP=1``: their first install and start take minutes and need PyPI (see
the README, "Interop check").
"""

from __future__ import annotations

import os

import pytest

from interop import run


@pytest.fixture(autouse=True)
def _fresh_results():
    run.results.clear()
    yield
    run.results.clear()


@pytest.mark.slow
def test_offline_interop_checks_pass() -> None:
    failed = run.main(["--only", "prodigy,brat,spacy"])
    assert failed == 0, [r for r in run.results if not r[1]]
    assert {name for name, _, _ in run.results} == {
        "prodigy task format (jsonl)", "brat .ann against annotation.conf", "spacy debug data (DocBin)",
        "spacy train (DocBin, 60 steps)",
    }


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ANNOTATOR_INTEROP") != "1", reason="set ANNOTATOR_INTEROP=1 to run Label Studio and doccano")
def test_peers_accept_our_exports() -> None:
    failed = run.main(["--only", "labelstudio,doccano"])
    assert failed == 0, [r for r in run.results if not r[1]]


def test_prodigy_check_catches_a_bad_record(tmp_path) -> None:
    import json

    good = {"text": "Kim met Putin.", "tokens": [{"text": "Kim", "start": 0, "end": 3, "id": 0, "ws": True}],
            "spans": [{"start": 0, "end": 3, "label": "PERSON", "token_start": 0, "token_end": 0}],
            "answer": "accept", "_input_hash": 1, "_task_hash": 2}
    bad = {**good, "spans": [{"start": 4, "end": 30, "label": "PERSON"}], "answer": "maybe"}
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    run.check_prodigy(path)
    (name, ok, detail), = run.results
    assert not ok and "line 2" in detail and "2 problems" in detail
