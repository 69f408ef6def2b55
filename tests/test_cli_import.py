import json
import sqlite3
import tracemalloc
from pathlib import Path

import pytest

from annotator.cli import cli
from annotator.ingest.base import ReadOptions
from annotator.pipeline import import_sources, plan_sources
from annotator.store import open_store
from annotator.store.suggestions import SUGGESTION_SHORTHAND

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
        ("cut.jsonl", b'{"text": "fine."}\n{"text": "cut off\n',
         "cut.jsonl:2: not valid JSON (Unterminated string starting at column 10)"),
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


# --- a directory: every good file in, every bad one named ----------------------------------

def test_directory_imports_every_good_file_and_reports_every_bad_one(runner, db_path, tmp_path):
    d = tmp_path / "mixed"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("A good article sentence. Another one here.", encoding="utf-8")
    (d / "b.jsonl").write_text('{"text": "One."}\n{"text": "Two."}\nnot json\n', encoding="utf-8")
    (d / "c.txt").write_text("A later good file. It comes after the bad one.", encoding="utf-8")
    (d / "sub" / "d.jsonl").write_text('{"title": "no text"}\n', encoding="utf-8")
    (d / "notes.pdf").write_bytes(b"%PDF-1.4")
    (d / "sub" / "draft.docx").write_bytes(b"PK\x03\x04")
    r = runner.invoke(cli, ["import", str(d), "--db", str(db_path), "--no-suggest"])
    assert r.exit_code == 2, r.output
    assert f"Error: {d / 'b.jsonl'}:3: not valid JSON" in r.output
    assert f"Error: {d / 'sub' / 'd.jsonl'}:1: record has no string field 'text'" in r.output
    skipped = [ln for ln in r.output.splitlines() if ln.startswith("Skipped")]
    assert len(skipped) == 1 and "notes.pdf" in skipped[0] and "draft.docx" in skipped[0], r.output
    assert "2 files: 2 documents, 4 units added" in r.output and "2 files failed" in r.output
    assert "Traceback" not in r.output
    # the good files are in, whole; nothing of the bad ones
    assert unit_texts(db_path) == ["A good article sentence.", "Another one here.",
                                   "A later good file.", "It comes after the bad one."]


def test_same_file_name_in_two_folders_gets_two_external_ids(runner, db_path, tmp_path):
    page = ("<html><head><title>{t}</title></head><body><article><h1>{t}</h1><p>The ministry said on "
            "Monday that talks about {t} would resume in Geneva next week, according to officials.</p>"
            "<p>Officials from both sides are expected to attend the meeting about {t}, which was "
            "postponed twice this year because of disagreements.</p></article></body></html>")
    for folder in ("a", "b"):
        (tmp_path / "site" / folder).mkdir(parents=True)
        (tmp_path / "site" / folder / "index.html").write_text(page.format(t=f"Story {folder}"), encoding="utf-8")
    r = run(runner, "import", str(tmp_path / "site"), "--db", str(db_path), "--no-suggest")
    assert r.exit_code == 0, r.output
    ids = [r[0] for r in sqlite3.connect(db_path).execute("SELECT external_id FROM documents ORDER BY id")]
    assert ids == ["a/index", "b/index"]


def test_import_refuses_to_change_an_existing_datasets_overlap_or_scheme(runner, db_path):
    assert run(runner, "import", str(SEED), "--db", str(db_path), "--dataset", "d", "--no-suggest").exit_code == 0
    before = dump_db(db_path)
    r = runner.invoke(cli, ["import", str(SEED), "--db", str(db_path), "--dataset", "d", "--overlap", "3"])
    assert r.exit_code == 1
    assert r.output.strip() == ("Error: dataset 'd' already has overlap 1, not 3; "
                                "change it with `annotator dataset set d --overlap 3`")
    r = runner.invoke(cli, ["import", str(SEED), "--db", str(db_path), "--dataset", "d", "--scheme", "conll"])
    assert r.exit_code == 1
    assert r.output.strip() == ("Error: dataset 'd' already uses scheme 'news', not 'conll'; "
                                "import into a new --dataset to use another scheme")
    assert dump_db(db_path) == before
    # the same settings again are no change, and are accepted
    r = runner.invoke(cli, ["import", str(SEED), "--db", str(db_path), "--dataset", "d", "--overlap", "1",
                            "--scheme", "news", "--no-suggest"])
    assert r.exit_code == 0 and "1 duplicate" in r.output


# --- pre-annotations as suggestions; one record, one unit; documents back together ----------

def _doccano_file(tmp_path):
    f = tmp_path / "pre.jsonl"
    f.write_text(
        json.dumps({"text": "Kim met Moon in Seoul. They talked.", "label": [[0, 3, "PERSON"], [16, 21, "GPE"]]}) + "\n"
        + json.dumps({"text": "Moon said no.", "label": [[0, 4, "PERSON"]]}) + "\n", encoding="utf-8")
    return f


def test_import_as_suggestions_makes_no_decisions(runner, db_path, tmp_path):
    f = _doccano_file(tmp_path)
    r = run(runner, "import", str(f), "--format", "doccano", "--as", "suggestions", "--no-suggest", "--db", str(db_path))
    assert r.exit_code == 0, r.output
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM annotations").fetchone() == (0,)
    rows = con.execute("SELECT u.text, s.suggester, s.spans FROM suggestions s JOIN units u ON u.id = s.unit_id "
                       "ORDER BY u.id").fetchall()
    assert [(t, name) for t, name, _ in rows] == [("Kim met Moon in Seoul. They talked.", "import:pre.jsonl"),
                                                  ("Moon said no.", "import:pre.jsonl")]
    spans = json.loads(SUGGESTION_SHORTHAND.expand_text(rows[0][2]))  # kept compact
    assert [(s["start"], s["end"], s["label"]) for s in spans] == [(0, 3, "PERSON"), (16, 21, "GPE")]
    (ds,) = json.loads(run(runner, "stats", "--db", str(db_path), "--json").output)["datasets"]
    assert ds["units"] == 2
    r = run(runner, "stats", "--db", str(db_path))
    assert "0 decided" in r.output, r.output
    # the default is still decisions
    r = run(runner, "import", str(f), "--format", "doccano", "--no-suggest", "--db", str(db_path), "--dataset", "dec")
    assert r.exit_code == 0 and "2 annotations" in r.output


def test_import_as_suggestions_from_jsonl_with_spans(runner, db_path, tmp_path):
    f = tmp_path / "spans.jsonl"
    f.write_text(json.dumps({"text": "Kim met Moon.", "spans": [{"start": 0, "end": 3, "label": "PERSON"}],
                             "answer": "accept"}) + "\n"
                 + json.dumps({"text": "Nobody came.", "spans": [{"start": 0, "end": 6, "label": "PERSON"}],
                               "answer": "reject"}) + "\n", encoding="utf-8")
    r = run(runner, "import", str(f), "--as", "suggestions", "--no-suggest", "--db", str(db_path))
    assert r.exit_code == 0, r.output
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM annotations").fetchone() == (0,)
    # a rejected decision's spans are not offered as a suggestion
    assert con.execute("SELECT u.text, s.suggester FROM suggestions s JOIN units u ON u.id = s.unit_id").fetchall() \
        == [("Kim met Moon.", "import:spans.jsonl")]


def test_unit_record_keeps_each_record_whole(runner, db_path, tmp_path):
    f = tmp_path / "lines.jsonl"
    f.write_text(json.dumps({"text": "Mr. Kim met Moon. They talked in Seoul."}) + "\n"
                 + json.dumps({"text": "One more. And another."}) + "\n", encoding="utf-8")
    r = run(runner, "import", str(f), "--unit", "record", "--no-suggest", "--db", str(db_path))
    assert r.exit_code == 0, r.output
    assert unit_texts(db_path) == ["Mr. Kim met Moon. They talked in Seoul.", "One more. And another."]
    r = run(runner, "import", str(f), "--no-suggest", "--db", str(db_path), "--dataset", "split")
    assert "4 units added" in r.output  # sentences by default
    t = tmp_path / "lines.txt"
    t.write_text("First line. Still the first.\nSecond line here.\n", encoding="utf-8")
    r = run(runner, "import", str(t), "--unit", "record", "--no-suggest", "--db", str(db_path), "--dataset", "txt")
    assert r.exit_code == 0 and "2 units added" in r.output, r.output
    help_text = " ".join(run(runner, "import", "--help").output.split())
    assert "Text is split into sentences by default" in help_text and "[default: decisions]" in help_text


def test_doccano_export_reimports_as_one_document(runner, db_path, tmp_path):
    assert run(runner, "import", str(SEED), "--db", str(db_path), "--dataset", "seed", "--no-suggest").exit_code == 0
    from annotator.models import Annotation, Span

    store = open_store(db_path)
    for u in store.document_units(1)[:8]:
        store.add_annotation(Annotation(unit_id=u.id or 0, annotator="alice", answer="accept",
                                        spans=[Span(start=0, end=min(4, len(u.text)), label="ORG")]))
    store.close()
    out = tmp_path / "seed.jsonl"
    r = run(runner, "export", "--db", str(db_path), "--dataset", "seed", "--format", "doccano", "-o", str(out))
    assert r.exit_code == 0, r.output
    r = run(runner, "import", str(out), "--format", "doccano", "--db", str(db_path), "--dataset", "back", "--no-suggest")
    assert r.exit_code == 0, r.output
    assert "1 documents, 8 units added" in r.output
    con = sqlite3.connect(db_path)
    (doc_id,) = con.execute("SELECT d.id FROM documents d JOIN datasets s ON s.id = d.dataset_id WHERE s.name='back'").fetchone()
    assert con.execute(f"SELECT start, end, text FROM units WHERE document_id = {doc_id} ORDER BY position").fetchall() \
        == con.execute("SELECT start, end, text FROM units WHERE document_id = 1 ORDER BY position LIMIT 8").fetchall()
