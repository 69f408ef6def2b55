"""brat reader: PolNeAR layout, annotators from file names, events, fragments, units."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.errors import InputError
from annotator.formats.brat import merge_units, read_brat, write_ann
from annotator.ingest.base import READERS, ReadOptions, Source




def _doc(path: Path, **kw: object):  # type: ignore[no-untyped-def]
    docs = list(read_brat(Source(path), ReadOptions(**kw)))  # type: ignore[arg-type]
    assert len(docs) == 1
    return docs[0]


def _doc_spans(parsed, annotator: str) -> set[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    out = set()
    for l in parsed.labels:
        if l.annotator == annotator:
            base = parsed.units[l.unit_index].start
            out |= {(base + s.start, base + s.end, s.label) for s in l.spans}
    return out


def test_registered_as_directory_format() -> None:
    from annotator.ingest.base import DIRECTORY_FORMATS

    assert READERS["brat"] is read_brat and "brat" in DIRECTORY_FORMATS


def test_polnear_layout_annotators_labels_relations(format_fixtures: Path) -> None:
    p = _doc(format_fixtures / "brat_polnear")
    assert p.document.external_id == "doc1"
    assert {l.annotator for l in p.labels} == {"aa11", "bb22"}
    # every annotator has a decision on every unit
    assert len(p.labels) == 2 * len(p.units)
    for u in p.units:
        assert p.document.text[u.start : u.end] == u.text
    spans = _doc_spans(p, "aa11")
    assert (0, 9, "SOURCE") in spans and (10, 14, "CUE") in spans and (15, 29, "CLAIM") in spans
    assert (10, 14, "Attribution") in spans
    assert (50, 81, "CLAIM") in spans  # the hull of 50-56;68-81
    rels = {(r.head.label, r.child.label, r.label) for l in p.labels if l.annotator == "aa11" for r in l.relations}
    assert ("SOURCE", "CLAIM", "source-of") in rels and ("CUE", "CLAIM", "cue-of") in rels
    assert ("Attribution", "CLAIM", "event:Content") in rels
    assert all(s.layer == "claims" for l in p.labels for s in l.spans)
    frag = [l.meta["brat_fragments"] for l in p.labels if l.meta.get("brat_fragments")]
    assert len(frag) == 1
    assert _doc_spans(p, "bb22") >= {(15, 30, "CLAIM"), (31, 47, "Discuss")}


def test_units_never_cut_a_span_or_relation(format_fixtures: Path) -> None:
    p = _doc(format_fixtures / "brat_polnear")
    for l in p.labels:
        u = p.units[l.unit_index]
        for s in l.spans:
            assert s.end <= len(u.text)
    # "Others, he added, ..." holds a discontinuous claim; its unit is the second paragraph
    assert any(u.text.startswith("Others") for u in p.units)
    assert merge_units([(0, 5), (6, 10), (11, 20)], [(3, 7)]) == [(0, 10), (11, 20)]


def test_export_gives_back_identical_t_lines(format_fixtures: Path) -> None:
    p = _doc(format_fixtures / "brat_polnear")
    for who in ("aa11", "bb22"):
        items = [(p.units[l.unit_index].start, l.spans, l.relations, l.meta) for l in p.labels if l.annotator == who]
        out = write_ann(p.document.text, items)
        orig = (format_fixtures / "brat_polnear" / "attributions" / f"doc1_{who}.ann").read_text()

        def tlines(s: str) -> set[str]:
            return {c.split("\t")[1] for c in s.splitlines() if c.startswith("T")}

        def elines(s: str) -> set[str]:
            return {" ".join(sorted(a.split(":")[0] for a in c.split("\t")[1].split())) for c in s.splitlines() if c.startswith("E")}

        assert tlines(out) == tlines(orig)
        assert elines(out) == elines(orig)


def test_flat_layout_entities_and_r_lines(format_fixtures: Path) -> None:
    p = _doc(format_fixtures / "brat_flat")
    assert {l.annotator for l in p.labels} == {"brat"}
    spans = _doc_spans(p, "brat")
    assert {(0, 13, "PERSON"), (22, 27, "GPE"), (47, 62, "Emmanuel Macron" and "PERSON")} <= spans
    assert all(s.layer == "entities" for l in p.labels for s in l.spans)
    rels = [r for l in p.labels for r in l.relations]
    assert [(r.head.label, r.label) for r in rels] == [("PERSON", "coref")]
    # the coref relation joins both sentences into one unit
    assert len(p.units) == 1


def test_annotator_pattern_is_configurable(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Bob said hi.\n")
    (tmp_path / "a--carol.ann").write_text("T1\tPERSON 0 3\tBob\n")
    p = _doc(tmp_path, brat_annotator_pattern=r"^(?P<doc>.+?)--(?P<annotator>.+)$")
    assert {l.annotator for l in p.labels} == {"carol"}


@pytest.mark.parametrize(
    ("ann", "line", "reason"),
    [
        ("T1\tPERSON 0 99\tBob\n", 1, "outside the text"),
        ("T1\tPERSON 2 2\t\n", 1, "not before end"),
        ("T1\tPERSON 0 3\tBob\nT2\tPERSON 4 8\tsays\n", 2, "does not match"),
        ("T1\tPERSON 0 3\tBob\nE1\tAttribution:T9\n", 2, "T9"),
        ("T1\tPERSON x y\tBob\n", 1, "bad offsets"),
        ("T1\tPERSON 0 3\tBob\nA1\tNegated T1\n", 2, "not supported"),
    ],
)
def test_bad_ann_refused_with_file_and_line(tmp_path: Path, ann: str, line: int, reason: str) -> None:
    (tmp_path / "a.txt").write_text("Bob said hi.\n")
    (tmp_path / "a.ann").write_text(ann)
    with pytest.raises(InputError) as e:
        _doc(tmp_path)
    assert e.value.path.endswith("a.ann") and e.value.line == line and reason in e.value.reason


def test_ann_without_text_refused(format_fixtures: Path, tmp_path: Path) -> None:
    shutil.copytree(format_fixtures / "brat_flat", tmp_path / "b")
    (tmp_path / "b" / "other.ann").write_text("")
    with pytest.raises(InputError, match="no document text"):
        _doc(tmp_path / "b")
