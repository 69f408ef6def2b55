import json
import tracemalloc
from pathlib import Path

import pytest

from annotator.cli import cli
from annotator.ingest.base import ReadOptions
from annotator.pipeline import import_sources, plan_sources
from annotator.store import open_store

from conftest import SEED, dump_db, query


def run(runner, *args, input=None):
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def unit_texts(db):
    return [r[0] for r in query(db, "SELECT text FROM units ORDER BY id")]


def test_import_seed_twice_adds_nothing(runner, db):
    r = run(runner, "import", str(SEED), "--db", str(db), "--dataset", "seed")
    assert r.exit_code == 0, r.output
    first = unit_texts(db)
    assert len(first) == 18 and first[0].startswith("Seoul Summons Ambassador")
    assert not any("FansLike" in t or "LEAVE A REPLY" in t for t in first)
    r = run(runner, "import", str(SEED), "--db", str(db), "--dataset", "seed")
    assert r.exit_code == 0 and "0 units added" in r.output and "1 duplicate" in r.output
    assert unit_texts(db) == first


def test_import_directory_jsonl_html_and_stdin(runner, db, tmp_path):
    d = tmp_path / "corpus" / "sub"
    d.mkdir(parents=True)
    (d / "a.jsonl").write_text(
        json.dumps({"text": "Kim met Putin. They talked.", "id": "x1", "meta": {"src": "t"}}) + "\n\n"
        + json.dumps({"text": "Seoul said no.", "title": "T"}) + "\n", encoding="utf-8")
    (d / "b.html").write_text(
        "<html><head><title>Big News - Site</title></head><body><nav>Home | World</nav><article>"
        "<h1>Big News</h1><p>The ministry said on Monday that talks would resume in Geneva next week, "
        "according to officials familiar with the matter.</p><p>Officials from both sides are expected "
        "to attend the meeting, which was postponed twice this year because of disagreements.</p>"
        "</article><footer>Copyright 2024</footer></body></html>", encoding="utf-8")
    (d / "notes.pdf").write_bytes(b"%PDF-1.4")
    r = run(runner, "import", str(tmp_path / "corpus"), "--db", str(db))
    assert r.exit_code == 0, r.output
    texts = unit_texts(db)
    assert "Kim met Putin." in texts and "Seoul said no." in texts
    assert any(t.startswith("The ministry said on Monday") for t in texts)
    assert not any("Copyright" in t or "Home | World" in t for t in texts)
    assert "1 files not importable skipped" in r.output
    r = run(runner, "import", "-", "--db", str(db), input="Plain text from stdin. Second one.\n")
    assert r.exit_code == 0, r.output
    assert "Plain text from stdin." in unit_texts(db)


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("bin.txt", b"\x89PNG\x00\x00\x01", "bin.txt:1: binary data"),
        ("latin.txt", "line one\nCaf\xe9 au lait\n".encode("latin-1"), "latin.txt:2: invalid UTF-8"),
        ("bad.jsonl", b'{"text": "fine."}\n{"text": \n', "bad.jsonl:2: not valid JSON"),
        ("notext.jsonl", b'{"text": "fine."}\n{"title": "x"}\n', "notext.jsonl:2: record has no string field 'text'"),
        ("array.jsonl", b'[1, 2]\n', "array.jsonl:1: expected a JSON object"),
        ("empty.txt", b"", "empty.txt: empty file"),
        ("blank.jsonl", b"\n\n", "blank.jsonl: empty file"),
        ("deep.jsonl", b"[" * 100000 + b"]" * 100000 + b"\n", "deep.jsonl:1:"),
    ],
)
def test_bad_input_one_line_error_database_unchanged(runner, db, tmp_path, name, content, message):
    run(runner, "import", str(SEED), "--db", str(db))
    before = dump_db(db)
    bad = tmp_path / name
    bad.write_bytes(content)
    r = runner.invoke(cli, ["import", str(bad), "--db", str(db)])
    assert r.exit_code == 2
    assert r.exception is None or isinstance(r.exception, SystemExit)
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.output, r.output
    assert dump_db(db) == before


def test_missing_path_and_bad_file_in_directory(runner, db, tmp_path):
    r = runner.invoke(cli, ["import", str(tmp_path / "nope.txt"), "--db", str(db)])
    assert r.exit_code == 2 and "nope.txt: no such file or directory" in r.output
    d = tmp_path / "dir"
    d.mkdir()
    (d / "a.txt").write_text("A good article sentence. Another one here.", encoding="utf-8")
    (d / "b.jsonl").write_text('{"text": "One."}\n{"text": "Two."}\nnot json\n', encoding="utf-8")
    r = runner.invoke(cli, ["import", str(d), "--db", str(db)])
    assert r.exit_code == 2 and "b.jsonl:3: not valid JSON" in r.output
    # a.txt (before the bad file) stays; nothing of b.jsonl does
    assert unit_texts(db) == ["A good article sentence.", "Another one here."]


def test_bad_scheme_leaves_no_database_change(runner, db, tmp_path):
    run(runner, "import", str(SEED), "--db", str(db))
    before = dump_db(db)
    r = runner.invoke(cli, ["import", str(SEED), "--db", str(db), "--dataset", "n", "--scheme", "nope"])
    assert r.exit_code == 2 and "unknown scheme" in r.output
    assert dump_db(db) == before


def _articles(tmp_path: Path, n: int) -> Path:
    d = tmp_path / f"articles{n}"
    d.mkdir()
    for i in range(n):
        (d / f"{i:05d}.txt").write_text(
            f"Headline number {i} about the summit\n\nOfficials met in Geneva on Monday, the ministry said. "
            f"Talks on item {i} will resume next week. Mr. Kim was not there.\n\nLEAVE A REPLY\n",
            encoding="utf-8")
    return d


def test_thousand_articles_import_with_flat_memory(tmp_path):
    peaks = {}
    for n in (100, 1000):
        store = open_store(tmp_path / f"m{n}.db", durable=False)
        ds = store.ensure_dataset("d")
        plans, _ = plan_sources([str(_articles(tmp_path, n))])
        tracemalloc.start()
        summary = import_sources(store, plans, ds, options=ReadOptions())
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert summary.documents == n and summary.units == 4 * n
        store.close()
    # ten times the corpus must not take (anywhere near) ten times the memory
    assert peaks[1000] < peaks[100] * 2, peaks


def test_stats_json(runner, db):
    run(runner, "import", str(SEED), "--db", str(db), "--dataset", "seed")
    r = run(runner, "stats", "--db", str(db), "--json")
    data = json.loads(r.output)
    (ds,) = data["datasets"]
    assert ds["name"] == "seed" and ds["documents"] == 1 and ds["units"] == 18
    r = runner.invoke(cli, ["stats", "--db", str(db), "--dataset", "nope"])
    assert r.exit_code != 0 and "no dataset 'nope'" in r.output


def test_progress_bar_in_a_real_terminal(tmp_path):
    """Run the CLI in a pseudo-terminal, as a person would see it."""
    import os
    import pty
    import subprocess
    import sys

    corpus = _articles(tmp_path, 30)
    db = tmp_path / "pty.db"
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "annotator", "import", str(corpus), "--db", str(db), "--no-suggest"],
        stdin=follower, stdout=follower, stderr=follower, close_fds=True,
    )
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    assert proc.wait(timeout=60) == 0
    text = out.decode("utf-8", "replace")
    assert "Importing" in text and "100%" in text, text
    assert "30 files: 30 documents, 120 units added" in text
