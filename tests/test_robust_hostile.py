"""Hostile input: every importer, fuzzed. Never a traceback; every refusal is an InputError that
names the file, the line (where one applies) and a reason, and leaves the database unchanged.

Inputs are valid samples of each format mutated byte by byte (NUL, invalid UTF-8, a BOM, CRLF,
zero-width and right-to-left characters, truncation) and records built from scratch (spans out
of range, unknown labels and layers, wrong types, deeply nested JSON). They go through
``annotator.pipeline.import_sources``, the code path of ``annotator import``.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.errors import InputError
from annotator.ingest.base import READERS, DIRECTORY_FORMATS, ReadOptions
from annotator.pipeline import SourcePlan, import_sources, load_readers
from annotator.ingest.base import Source
from annotator.store import Store, open_store

load_readers()

HOSTILE = [
    b"\x00", b"\xef\xbb\xbf", b"\r\n", b"\r", b"\xe2\x80\x8b", b"\xe2\x80\x8d", b"\xe2\x80\xae",
    b"\xe2\x81\xa7", b"\xd8\xa7\xd9\x84", b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf0\x9f\x98\x80",
    b"\t", b"\n", b"\n\n", b'"', b"{", b"}", b"[", b"]", b":", b",", b"<", b">", b"&amp;", b"\\u0000",
    b"\\ud800", b"-DOCSTART- -X- -X- O\n", b"B-", b"I-PER", b"T1\t", b"\xe9",
]

SEEDS: dict[str, list[bytes]] = {
    "txt": [
        "Kim Jong Un met officials in Pyongyang on Monday.\n\nThe Ministry said talks would resume, "
        "according to KCNA.\n".encode(),
    ],
    "html": [
        b"<html><head><title>Talks</title></head><body><article><h1>Talks resume</h1><p>Kim met "
        b"officials in Pyongyang on Monday.</p><p>The Ministry said talks would resume.</p></article></body></html>",
    ],
    "jsonl": [
        b'{"text": "Kim met officials in Seoul. They said talks would resume.", "title": "t", "meta": {"id": 1}}\n'
        b'{"text": "Moon spoke on Tuesday."}\n',
        b'{"text": "Kim met Moon.", "spans": [{"start": 0, "end": 3, "label": "PERSON"}], "answer": "accept",'
        b' "_annotator_id": "alice"}\n',
    ],
    "prodigy": [
        b'{"text": "Kim met Moon.", "tokens": [{"text": "Kim", "start": 0, "end": 3, "id": 0}], "spans":'
        b' [{"start": 0, "end": 3, "label": "PERSON", "token_start": 0, "token_end": 0}], "relations": [],'
        b' "answer": "accept", "_annotator_id": "ds-alice"}\n',
    ],
    "doccano": [
        b'{"id": 1, "text": "Kim met Moon in Seoul.", "label": [[0, 3, "PERSON"], [16, 21, "GPE"]]}\n',
        b'{"text": "Kim said it.", "entities": [{"id": 1, "start_offset": 0, "end_offset": 3, "label": "SOURCE"},'
        b' {"id": 2, "start_offset": 4, "end_offset": 8, "label": "CUE"}], "relations": [{"from_id": 2,'
        b' "to_id": 1, "type": "source-of"}]}\n',
    ],
    "labelstudio": [
        b'[{"id": 1, "data": {"text": "Kim met Moon."}, "annotations": [{"completed_by": "alice", "result":'
        b' [{"id": "a", "from_name": "entities", "to_name": "text", "type": "labels", "value": {"start": 0,'
        b' "end": 3, "text": "Kim", "labels": ["PERSON"]}}]}]}]\n',
    ],
    "conll": [
        b"-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n"
        b"call NN I-NP O\n. . O O\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n",
    ],
    "brat": [
        b"Angela Merkel met Emmanuel Macron in Paris.\n"
        b"\x00ANN\x00"
        b"T1\tPERSON 0 13\tAngela Merkel\nT2\tPERSON 18 33\tEmmanuel Macron\nT3\tGPE 37 42\tParis\n"
        b"R1\tcoref Arg1:T1 Arg2:T2\n",
    ],
}
assert set(SEEDS) >= set(READERS), f"no seed for formats {set(READERS) - set(SEEDS)}: add one"

SUFFIX = {"txt": ".txt", "html": ".html", "jsonl": ".jsonl", "prodigy": ".jsonl", "doccano": ".jsonl",
          "labelstudio": ".json", "conll": ".conll", "brat": ""}


def table_counts(path: str) -> dict[str, int]:
    """Rows per table, read through a second connection (what other processes would see)."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def write_source(root: Path, fmt: str, data: bytes) -> tuple[Path, list[Path]]:
    """Write ``data`` as a source of ``fmt`` under ``root``; brat seeds are ``txt\\0ANN\\0ann``."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    if fmt in DIRECTORY_FORMATS:
        txt, _, ann = data.partition(b"\x00ANN\x00")
        (root / "doc.txt").write_bytes(txt)
        (root / "doc.ann").write_bytes(ann)
        return root, [root / "doc.txt", root / "doc.ann"]
    f = root / f"input{SUFFIX[fmt]}"
    f.write_bytes(data)
    return f, [f]


class Harness:
    """Imports one input after another into one database and checks each outcome."""

    def __init__(self, tmp: Path, suggest: bool = False) -> None:
        self.tmp = tmp
        self.db = str(tmp / "fuzz.db")
        self.store: Store = open_store(self.db, durable=False)
        self.dataset = self.store.ensure_dataset("fuzz")
        self.suggesters: list[Any] = []
        if suggest:
            from annotator.schemes import load_scheme
            from annotator.suggest import build_suggesters

            self.suggesters = list(build_suggesters(load_scheme("news")))
        self.outcomes: dict[str, int] = {"imported": 0, "refused": 0}
        self.refusals: dict[str, int] = {}

    def check(self, fmt: str, data: bytes) -> None:
        """Import ``data`` as ``fmt``: success, or an InputError that names file and line."""
        path, files = write_source(self.tmp / "src", fmt, data)
        before = table_counts(self.db)
        try:
            import_sources(self.store, [SourcePlan(Source(path), fmt)], self.dataset,
                           options=ReadOptions(), suggesters=self.suggesters)
        except InputError as e:
            self.outcomes["refused"] += 1
            self.refusals[e.reason[:40]] = self.refusals.get(e.reason[:40], 0) + 1
            assert_good_refusal(e, path, files)
            assert table_counts(self.db) == before, "a refused source changed the database"
        else:
            self.outcomes["imported"] += 1
        # anything else (KeyError, AttributeError, RecursionError ...) propagates: a traceback

    def close(self) -> None:
        assert self.store.integrity_check() == "ok"
        self.store.close()


def assert_good_refusal(e: InputError, path: Path, files: list[Path]) -> None:
    """One line that names the file (one of the source's files), the line when given, a reason."""
    names = {str(path), *map(str, files)}
    assert e.path in names, f"error names {e.path!r}, not the input ({sorted(names)}): {e}"
    assert e.reason and e.reason.strip(), f"no reason: {e!r}"
    assert "\n" not in str(e) and "Traceback" not in str(e), f"not one line: {e!r}"
    if e.line is not None:
        assert isinstance(e.line, int) and e.line >= 1, f"bad line number {e.line!r}"
        target = Path(e.path)
        if target.is_file():
            n_lines = target.read_bytes().count(b"\n") + 1
            assert e.line <= n_lines, f"line {e.line} of a {n_lines}-line file: {e}"
    elif not whole_file_reason(e.reason):
        raise AssertionError(f"a refusal about one place in the file gives no line: {e}")


WHOLE_FILE = ("empty file", "no article text", "no .txt", "expected a JSON array", "binary data",
              "invalid UTF-8", "two .ann files", "no document text", "cannot be read", "entity spans overlap",
              "give brat", "brat needs")


def whole_file_reason(reason: str) -> bool:
    """Reasons that are about the file as a whole, where no single line is to blame."""
    return reason.startswith(WHOLE_FILE)


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> bytes:
    """A seed of ``fmt`` with hostile bytes spliced in, bytes dropped, or cut short."""
    data = bytearray(draw(st.sampled_from(SEEDS[fmt])))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "insert", "delete", "flip", "truncate", "bom"]))
        pos = draw(st.integers(0, len(data)))
        if op == "insert":
            piece = draw(st.one_of(st.sampled_from(HOSTILE), st.binary(min_size=1, max_size=4)))
            data[pos:pos] = piece
        elif op == "delete" and data:
            del data[pos:pos + draw(st.integers(1, 8))]
        elif op == "flip" and pos < len(data):
            data[pos] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[pos:]
        elif op == "bom":
            data[0:0] = b"\xef\xbb\xbf"
    return bytes(data)


HOSTILE_TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(["\u200b", "\u200d", "\u202e", "\u2067", "\ufeff", "\r\n", "\r", "\x00", "\u0301",
                         "\U0001F600", "\u05e9", "\u0627", " ", ".", "\ud800"]),
    ),
    max_size=40,
).map("".join)
LABELS = st.one_of(st.sampled_from(["PERSON", "ORG", "GPE", "CLAIM", "SOURCE", "CUE"]), HOSTILE_TEXT,
                   st.integers(), st.none(), st.lists(st.text(max_size=3), max_size=2))
OFFSET = st.one_of(st.integers(-5, 60), st.integers(), st.floats(allow_nan=True), st.text(max_size=3),
                   st.none(), st.booleans())
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), HOSTILE_TEXT)
JSON_ANY = st.recursive(JSON_LEAF, lambda c: st.one_of(st.lists(c, max_size=3),
                                                       st.dictionaries(st.text(max_size=5), c, max_size=3)),
                        max_leaves=12)


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def span_obj(draw: st.DrawFn) -> Any:
    """A span object as another tool might write it, often wrong."""
    obj = {"start": draw(OFFSET), "end": draw(OFFSET), "label": draw(LABELS)}
    if draw(st.booleans()):
        obj["layer"] = draw(st.one_of(st.sampled_from(["entities", "claims", "other"]), JSON_LEAF))
    if draw(st.booleans()):
        obj["text"] = draw(HOSTILE_TEXT)
    for k in draw(st.lists(st.sampled_from(["token_start", "token_end", "score", "source"]), max_size=2)):
        obj[k] = draw(JSON_ANY)
    return draw(st.one_of(st.just(obj), st.just(obj), st.just(obj), JSON_ANY))


@st.composite
def record(draw: st.DrawFn, fmt: str) -> dict[str, Any] | Any:
    """One record of a JSON-based format with hostile fields."""
    text = draw(st.one_of(HOSTILE_TEXT, HOSTILE_TEXT, JSON_LEAF))
    if fmt in ("jsonl", "prodigy"):
        rec: dict[str, Any] = {"text": text}
        if draw(st.booleans()):
            rec["spans"] = draw(st.one_of(st.lists(span_obj(), max_size=4), JSON_ANY))
        if draw(st.booleans()):
            rec["answer"] = draw(st.one_of(st.sampled_from(["accept", "reject", "ignore", "maybe"]), JSON_LEAF))
        if draw(st.booleans()):
            rec["_annotator_id"] = draw(st.one_of(HOSTILE_TEXT, JSON_LEAF))
        if draw(st.booleans()):
            rec["relations"] = draw(st.one_of(st.lists(st.fixed_dictionaries(
                {"head_span": span_obj(), "child_span": span_obj(), "label": LABELS}), max_size=2), JSON_ANY))
        if draw(st.booleans()):
            rec["tokens"] = draw(st.one_of(st.lists(st.fixed_dictionaries(
                {"text": HOSTILE_TEXT, "start": OFFSET, "end": OFFSET}), max_size=3), JSON_ANY))
        if draw(st.booleans()):
            rec["document"] = draw(st.one_of(st.fixed_dictionaries(
                {"id": JSON_LEAF, "start": OFFSET, "end": OFFSET}), JSON_ANY))
        for k in draw(st.lists(st.sampled_from(["meta", "title", "id", "created", "time_spent"]), max_size=3)):
            rec[k] = draw(JSON_ANY)
    elif fmt == "doccano":
        rec = {"text": text}
        if draw(st.booleans()):
            rec["label"] = draw(st.one_of(st.lists(st.lists(st.one_of(OFFSET, LABELS), max_size=4), max_size=3),
                                          JSON_ANY))
        else:
            rec["entities"] = draw(st.one_of(st.lists(st.one_of(st.fixed_dictionaries(
                {"id": st.integers(0, 3), "start_offset": OFFSET, "end_offset": OFFSET, "label": LABELS}),
                JSON_ANY), max_size=3), JSON_ANY))
            rec["relations"] = draw(st.one_of(st.lists(st.one_of(st.fixed_dictionaries(
                {"from_id": st.integers(0, 3), "to_id": st.integers(0, 3), "type": LABELS}), JSON_ANY),
                max_size=2), JSON_ANY))
        for k in draw(st.lists(st.sampled_from(["annotator", "answer", "id", "meta"]), max_size=2)):
            rec[k] = draw(JSON_ANY)
    else:  # labelstudio task
        result = draw(st.lists(st.one_of(
            st.fixed_dictionaries({"id": st.text(max_size=2), "from_name": st.sampled_from(["entities", "claims", "x"]),
                                   "type": st.just("labels"), "value": st.one_of(st.fixed_dictionaries(
                                       {"start": OFFSET, "end": OFFSET, "labels": st.one_of(st.lists(LABELS, max_size=2),
                                                                                            JSON_ANY)}), JSON_ANY)}),
            st.fixed_dictionaries({"type": st.just("relation"), "from_id": st.text(max_size=2),
                                   "to_id": st.text(max_size=2), "labels": JSON_ANY}),
            JSON_ANY), max_size=3))
        ann = draw(st.one_of(st.fixed_dictionaries(
            {"completed_by": JSON_ANY, "result": st.one_of(st.just(result), JSON_ANY),
             "was_cancelled": JSON_ANY, "created_at": JSON_ANY, "lead_time": JSON_ANY}), JSON_ANY))
        rec = {"id": draw(JSON_LEAF), "data": draw(st.one_of(st.fixed_dictionaries({"text": st.just(text)}), JSON_ANY)),
               "annotations": draw(st.one_of(st.lists(st.just(ann), max_size=2), JSON_ANY))}
    return draw(st.one_of(st.just(rec), st.just(rec), st.just(rec), st.just(rec), JSON_ANY))


@st.composite
def record_file(draw: st.DrawFn, fmt: str) -> bytes:
    """A file of hostile records (JSON lines, or a JSON array for Label Studio)."""
    recs = draw(st.lists(record(fmt), min_size=1, max_size=4))
    lines = [json.dumps(r, ensure_ascii=draw(st.booleans())) for r in recs]
    if draw(st.integers(0, 9)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), deep(draw(st.sampled_from([50, 5_000, 200_000]))))
    if fmt == "labelstudio" and draw(st.booleans()):
        body = "[" + ",\n".join(lines) + "]"
    else:
        body = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    data = body.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


@st.composite
def conll_file(draw: st.DrawFn) -> bytes:
    """CoNLL columns with hostile tokens, tags and column counts."""
    tag = st.one_of(st.sampled_from(["O", "B-PER", "I-PER", "B-ORG", "I-LOC", "B-", "I-", "X-PER", "B-ZZZ"]),
                    st.text(alphabet="BIO-PERLCX", max_size=6))
    token = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Zs", "Cc")), min_size=1,
                    max_size=8) | st.sampled_from(["\u200b", "\u202eabc", "-DOCSTART-", "\ufeff"])
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append("")
        elif kind == 1:
            lines.append("-DOCSTART- -X- -X- O")
        else:
            cols = [draw(token)] + draw(st.lists(st.sampled_from(["NNP", "B-NP", "_"]), max_size=2)) + [draw(tag)]
            lines.append(draw(st.sampled_from([" ", "\t"])).join(cols))
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines).encode("utf-8", "surrogatepass")


@st.composite
def brat_dir(draw: st.DrawFn) -> bytes:
    """A brat document and .ann lines with hostile offsets, labels, references and kinds."""
    text = draw(st.one_of(st.just("Angela Merkel met Emmanuel Macron in Paris.\n"), HOSTILE_TEXT))
    lines = []
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from("TTTTRE#AN"))
        if kind == "T":
            a = draw(st.integers(-2, 50))
            b = draw(st.integers(-2, 50))
            offs = draw(st.sampled_from([f"{a} {b}", f"{a} {b};{b + 1} {b + 4}", f"{a}", "x y", ""]))
            lines.append(f"T{i}\t{draw(LABELS.filter(lambda x: isinstance(x, str)))} {offs}\t{draw(HOSTILE_TEXT)}")
        elif kind == "R":
            lines.append(f"R{i}\t{draw(st.sampled_from(['coref', '']))} Arg1:T{draw(st.integers(0, 7))} "
                         f"Arg2:T{draw(st.integers(0, 7))}")
        elif kind == "E":
            lines.append(f"E{i}\tCUE:T{draw(st.integers(0, 7))} Source:T{draw(st.integers(0, 7))}")
        elif kind == "#":
            lines.append(f"#{i}\tAnnotatorNotes T1\t{draw(HOSTILE_TEXT)}")
        else:
            lines.append(f"{kind}{i}\t{draw(HOSTILE_TEXT)}")
    sep = draw(st.sampled_from(["\n", "\r\n"]))
    return (text.encode("utf-8", "surrogatepass") + b"\x00ANN\x00"
            + sep.join(lines).encode("utf-8", "surrogatepass"))


def structured(fmt: str) -> st.SearchStrategy[bytes]:
    """Inputs built from scratch for ``fmt``."""
    if fmt in ("jsonl", "prodigy", "doccano", "labelstudio"):
        return record_file(fmt)
    if fmt == "conll":
        return conll_file()
    if fmt == "brat":
        return brat_dir()
    text = HOSTILE_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))
    if fmt == "html":
        return text.map(lambda b: b"<html><body><article><p>" + b + b"</p><p>" + b + b"</p></article></body></html>")
    return text


FORMATS = sorted(SEEDS)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(tmp_path)
    yield h
    h.close()


FAST = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])
HEAVY = settings(FAST, max_examples=400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_seed_imports(harness: Harness, fmt: str) -> None:
    """The unmutated samples are valid (else the fuzzing below would only test refusals)."""
    for data in SEEDS[fmt]:
        harness.check(fmt, data)
    assert harness.outcomes["refused"] == 0, harness.refusals


@pytest.mark.parametrize("fmt", FORMATS)
@FAST
@given(data=st.data())
def test_mutated_inputs_fast(harness: Harness, fmt: str, data: st.DataObject) -> None:
    harness.check(fmt, data.draw(mutated(fmt)))


@pytest.mark.parametrize("fmt", FORMATS)
@FAST
@given(data=st.data())
def test_structured_inputs_fast(harness: Harness, fmt: str, data: st.DataObject) -> None:
    harness.check(fmt, data.draw(structured(fmt)))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@HEAVY
@given(data=st.data())
def test_mutated_inputs(harness: Harness, fmt: str, data: st.DataObject) -> None:
    """400 mutated samples per format."""
    harness.check(fmt, data.draw(mutated(fmt)))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@HEAVY
@given(data=st.data())
def test_structured_inputs(harness: Harness, fmt: str, data: st.DataObject) -> None:
    """400 hostile files built from scratch per format."""
    harness.check(fmt, data.draw(structured(fmt)))


@pytest.mark.slow
@settings(FAST, max_examples=150)
@given(text=HOSTILE_TEXT.filter(lambda t: t.strip()))
def test_hostile_text_through_the_suggesters(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    """Zero-width, right-to-left and combining characters reach the rule suggesters unharmed."""
    h = Harness(tmp_path_factory.mktemp("sugg"), suggest=True)
    try:
        rec = json.dumps({"text": f"President Kim Jong Un said {text} in Seoul, according to KCNA."})
        h.check("jsonl", rec.encode("utf-8", "surrogatepass"))
    finally:
        h.close()


# ---------------------------------------------------------------------- named cases


@pytest.mark.parametrize("fmt", ["txt", "jsonl", "conll", "doccano", "labelstudio", "prodigy", "html"])
@pytest.mark.parametrize("bad, reason, line", [
    (b"\x00", "NUL", 2),
    (b"\xff\xfe", "UTF-8", 2),
])
def test_binary_and_invalid_utf8_name_the_line(harness: Harness, fmt: str, bad: bytes, reason: str, line: int) -> None:
    first = SEEDS[fmt][0].split(b"\n")[0]
    data = first + b"\nabc " + bad + b" def\n"
    path, files = write_source(harness.tmp / "src", fmt, data)
    with pytest.raises(InputError) as err:
        import_sources(harness.store, [SourcePlan(Source(path), fmt)], harness.dataset)
    assert err.value.path == str(path)
    assert err.value.line == line, str(err.value)


def test_bom_crlf_zero_width_and_rtl_survive_exactly(harness: Harness) -> None:
    """A BOM is dropped, CRLF ends lines, and invisible characters stay where they were."""
    text = "Kim\u200bJong said \u202ehello\u202c to \u05e9\u05dc\u05d5\u05dd in Seoul."
    rec = {"text": text, "spans": [{"start": 0, "end": 8, "label": "PERSON"}], "_annotator_id": "a"}
    data = b"\xef\xbb\xbf" + json.dumps(rec, ensure_ascii=False).encode() + b"\r\n"
    harness.check("jsonl", data)
    assert harness.outcomes["imported"] == 1
    (unit,) = list(harness.store.iter_units("fuzz"))
    assert unit.text == text
    ann = harness.store.current_annotation(unit.id or 0, "a")
    assert ann is not None and unit.text[ann.spans[0].start:ann.spans[0].end] == "Kim\u200bJong"


@pytest.mark.parametrize("fmt", ["jsonl", "prodigy", "doccano", "labelstudio"])
def test_deeply_nested_json_is_refused_with_its_line(harness: Harness, fmt: str) -> None:
    data = SEEDS[fmt][0].rstrip(b"\n").split(b"\n")[0] + b"\n" + deep(100_000).encode() + b"\n"
    if fmt == "labelstudio":
        data = b'{"data": {"text": "ok"}}\n' + deep(100_000).encode() + b"\n"
    path, files = write_source(harness.tmp / "src", fmt, data)
    with pytest.raises(InputError) as err:
        import_sources(harness.store, [SourcePlan(Source(path), fmt)], harness.dataset)
    assert err.value.line == 2, str(err.value)


@pytest.mark.parametrize("fmt, data, words", [
    ("jsonl", b'{"text": "Kim met Moon.", "spans": [{"start": 4, "end": 99, "label": "PERSON"}]}\n', "outside"),
    ("doccano", b'{"text": "Kim met Moon.", "label": [[-1, 3, "PERSON"]]}\n', "outside"),
    ("labelstudio", b'[{"data": {"text": "Kim"}, "annotations": [{"result": [{"type": "labels", "value":'
                    b' {"start": 0, "end": 30, "labels": ["PERSON"]}}]}]}]', "outside"),
    ("brat", b"Kim met Moon.\x00ANN\x00T1\tPERSON 8 40\tMoon", "outside"),
    ("conll", b"Kim B-PER\nmet O\nMoon Q-PER\n", "tag"),
    ("jsonl", b'{"text": "Kim met Moon.", "spans": [{"start": 0, "end": 3, "label": "PERSON", "layer": "x"}]}\n',
     "layer"),
])
def test_spans_out_of_range_and_unknown_labels_are_refused(harness: Harness, fmt: str, data: bytes, words: str) -> None:
    path, files = write_source(harness.tmp / "src", fmt, data)
    before = table_counts(harness.db)
    with pytest.raises(InputError) as err:
        import_sources(harness.store, [SourcePlan(Source(path), fmt)], harness.dataset)
    assert words in err.value.reason
    assert err.value.line is not None
    assert table_counts(harness.db) == before


ONE_SENTENCE = b"Kim said talks would resume in Seoul "
MANY_SENTENCES = b"Kim said talks would resume. "


@pytest.mark.slow
@pytest.mark.parametrize("fmt, word", [
    *[(f, ONE_SENTENCE) for f in ["txt", "jsonl", "conll", "doccano", "prodigy", "labelstudio", "html"]],
    ("txt", MANY_SENTENCES),  # 1.7 million sentences on one line: every reader shares this segmenter
], ids=lambda v: v if isinstance(v, str) else ("many" if v == MANY_SENTENCES else "one"))
def test_fifty_megabyte_single_line(harness: Harness, fmt: str, word: bytes) -> None:
    """One 50 MB line (one endless sentence, or 1.7 million short ones): imported or refused
    with its line, in bounded time, never a crash."""
    if fmt == "conll":
        word = word.replace(b" ", b"\t")
    body = word * (50_000_000 // len(word) + 1)
    if fmt in ("jsonl", "prodigy", "doccano"):
        data = b'{"text": "' + body + b'"}\n'
    elif fmt == "labelstudio":
        data = b'[{"data": {"text": "' + body + b'"}}]'
    elif fmt == "conll":
        data = body + b"\n"
    elif fmt == "html":
        data = b"<html><body><p>" + body + b"</p></body></html>"
    else:
        data = body
    assert len(data) >= 50_000_000
    t0 = time.perf_counter()
    harness.check(fmt, data)
    elapsed = time.perf_counter() - t0
    assert elapsed < 300, f"{fmt}: {elapsed:.0f} s for one 50 MB line"


# ---------------------------------------------------------------------- bugs the fuzzing found


@pytest.mark.parametrize("fmt, data", [
    # doccano: an entity that is not an object (AttributeError: 'NoneType' object has no attribute 'get')
    ("doccano", b'{"text": "Kim met Moon.", "entities": [null], "relations": []}\n'),
    ("doccano", b'{"text": "Kim met Moon.", "entities": [[0, 3, "PERSON"]]}\n'),
    # labelstudio: a deeply nested array (RecursionError out of json.loads)
    ("labelstudio", b'[{"data": {"text": "ok"}},\n' + deep(100_000).encode() + b"]\n"),
    # labelstudio: an annotation or a result that is not an object (AttributeError)
    ("labelstudio", b'[{"data": {"text": "ok"}, "annotations": [null]}]\n'),
    ("labelstudio", b'[{"data": {"text": "ok"}, "annotations": [{"result": [7]}]}]\n'),
    # jsonl / prodigy: spans or relations that are not lists, labels that are not strings
    ("jsonl", b'{"text": "Kim met Moon.", "spans": [], "relations": true}\n'),
    ("prodigy", b'{"text": "Kim met Moon.", "spans": [{"start": 0, "end": 3, "label": ["PERSON"]}]}\n'),
    ("jsonl", b'{"text": "Kim \\ud800 met Moon.", "spans": []}\n'),
    # labelstudio (JSON array): a lone surrogate escape reaches the store (UnicodeEncodeError)
    ("labelstudio", b'[{"data": {"text": "Kim\\ud800 met Moon."}}]\n'),
    # labelstudio (JSON lines): a lone "\r" counted as a line break, so the error named line 2 of 1
    ("labelstudio", b"\r\xef\xbb\xbf"),
], ids=["doccano-null-entity", "doccano-list-entity", "labelstudio-deep", "labelstudio-null-annotation",
        "labelstudio-int-result", "jsonl-relations-true", "prodigy-list-label", "jsonl-lone-surrogate",
        "labelstudio-lone-surrogate", "labelstudio-lone-cr"])
def test_found_by_fuzzing(harness: Harness, fmt: str, data: bytes) -> None:
    """Each of these once raised something other than InputError."""
    path, files = write_source(harness.tmp / "src", fmt, data)
    with pytest.raises(InputError) as err:
        import_sources(harness.store, [SourcePlan(Source(path), fmt)], harness.dataset)
    assert_good_refusal(err.value, path, files)


def test_one_long_paragraph_splits_in_linear_time() -> None:
    """20,000 sentences on one line: the segmenter once took minutes here (quadratic look-back)."""
    from annotator.ingest.segment import split_units

    text = "Kim said talks would resume. " * 20_000
    t0 = time.perf_counter()
    units = split_units(text)
    elapsed = time.perf_counter() - t0
    assert len(units) == 20_000
    assert elapsed < 5.0, f"{elapsed:.1f} s for 20,000 sentences"
