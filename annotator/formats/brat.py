"""brat standoff: ``<doc>.txt`` with one ``.ann`` per annotator, as in PolNeAR.

Layouts read: a directory with ``text/<doc>.txt`` and ``attributions/<doc>_<annotator>.ann``
(PolNeAR), or a flat directory with ``<doc>.txt`` beside ``<doc>.ann`` or
``<doc>_<annotator>.ann``. The annotator comes from the ``.ann`` file name through
``ReadOptions.brat_annotator_pattern`` (groups ``doc`` and ``annotator``); a file that does not
match it belongs to ``<doc>`` and to ``ReadOptions.annotator`` (default ``brat``).

What becomes what:

- ``T`` lines become spans. PolNeAR's Source/Cue/Content become SOURCE/CUE/CLAIM on the
  ``claims`` layer; its other labels (Attribution, Attribution-no-source, Discuss, Discard)
  stay as they are on the ``claims`` layer; any other label is an entity. A discontinuous
  span (``0 5;9 14``) is stored as its hull (``0 14``) and its pieces are recorded in the
  annotation's ``meta["brat_fragments"]`` (``[start, end, label, [[a, b], ...]]`` in unit
  offsets) so the ``.ann`` export writes the same pieces back; two discontinuous T-lines with
  the same hull stay one span with two recorded piece lists, written back as two T-lines
  (relations point at the first). Duplicate T-lines (same label and offsets) become one span.
- ``E`` lines (PolNeAR: ``Attribution:T4 Content:T3 Cue:T2 Source:T1``) become one relation
  ``event:<Role>`` from the trigger to each argument (``event:`` to itself when there is
  none), plus the plain relations ``source-of`` (SOURCE -> CLAIM) and ``cue-of`` (CUE -> CLAIM)
  for every content argument. ``R`` lines become a relation named by their type.
- ``#`` notes are kept in ``meta["brat_notes"]``; other lines (attributes ``A``/``M``,
  normalisations ``N``, ``*`` equivalences) are refused, not silently dropped.

Decisions: brat has no place for a unit's answer, nor for a unit nobody labelled, so the
export writes them beside the ``.ann`` files in :data:`DECISIONS_FILE` (one JSON object a
line: the ``.ann`` file, its annotator, the unit's document offsets and the answer; brat
ignores files that are not ``.txt``/``.ann``/``.conf``). When that file is there, the reader
makes those offsets units, gives each annotator exactly the decisions it lists (reject and
ignore included), and leaves every other unit undecided (a unit with spans in the ``.ann``
but not in the file is an accept: someone labelled it in brat after the export). Without it
(PolNeAR and other brat data) every unit of a document is an accept by each annotator whose
``.ann`` covers the document.

The export also writes ``annotation.conf``: every entity type, relation type (with the
types of its two arguments) and event type (with its roles) that its ``.ann`` files use, and
an ``<OVERLAP>`` rule allowing any overlap (claim spans overlap entities). Relations are R
lines; E lines only for relations that came in as brat events (``event:<Role>``).

Units: the document is split into sentences (or paragraphs) by ``annotator.ingest.segment``,
then neighbouring units are merged until no span and no relation (its two spans) of any
annotator crosses a unit boundary, so nothing is ever clipped or lost; a unit's ``start``/``end`` are its offsets in the
``.txt``, so ``unit.start + span.start`` is the span's original document offset and the
``.ann`` export gives back identical offsets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.errors import InputError
from annotator.ingest.base import Parsed, ReadOptions, Source, UnitLabels, decode_text, register
from annotator.models import Document, Relation, Span, Unit, content_hash

if TYPE_CHECKING:
    from annotator.formats.records import Item

#: PolNeAR label -> this project's claim label.
POLNEAR_LABELS: dict[str, str] = {"Source": "SOURCE", "Cue": "CUE", "Content": "CLAIM"}
#: Labels kept as they are on the claims layer.
CLAIM_LAYER_LABELS: frozenset[str] = frozenset(
    {"SOURCE", "CUE", "CLAIM", "Attribution", "Attribution-no-source", "Discuss", "Discard"}
)
DEFAULT_ANNOTATOR = "brat"
EVENT_PREFIX = "event:"
#: The export's sidecar of decisions (answers and which units were decided), see above.
DECISIONS_FILE = "decisions.jsonl"
CONF_FILE = "annotation.conf"


@dataclass
class _Decided:
    """What :data:`DECISIONS_FILE` says about one ``.ann`` file."""

    annotator: str
    document: str | None = None  # the <document>.txt it belongs to
    units: dict[tuple[int, int], str] = field(default_factory=dict)  # document offsets -> answer


def read_decisions(path: Path) -> dict[str, _Decided]:
    """``.ann`` file name -> its recorded decisions; bad lines raise InputError (file, line)."""
    import json

    out: dict[str, _Decided] = {}
    name = str(path)
    for n, line in enumerate(decode_text(name, path.read_bytes()).split("\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            ann, who, start, end, answer = rec["ann"], rec["annotator"], rec["start"], rec["end"], rec["answer"]
        except (ValueError, KeyError, TypeError):
            raise InputError(name, "expected a JSON object with ann, annotator, start, end, answer", line=n) from None
        if answer not in ("accept", "reject", "ignore"):
            raise InputError(name, f"answer {answer!r} is not accept, reject or ignore", line=n)
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
            raise InputError(name, f"bad unit offsets {start!r}-{end!r}", line=n)
        doc = rec.get("document")
        got = out.setdefault(str(ann), _Decided(annotator=str(who), document=None if doc is None else str(doc)))
        if got.annotator != str(who):
            raise InputError(name, f"{ann} is given two annotators ({got.annotator!r}, {who!r})", line=n)
        got.units[(start, end)] = answer
    return out

_ID = re.compile(r"^([TERAMN*#])(\d*)\t")


@dataclass
class _TextSpan:
    """One T-line: label, pieces in document offsets (in file order), where it was."""

    label: str
    pieces: list[tuple[int, int]]
    line: int

    @property
    def hull(self) -> tuple[int, int]:
        return min(a for a, _ in self.pieces), max(b for _, b in self.pieces)


@dataclass
class _Ann:
    """One parsed .ann file (document offsets)."""

    annotator: str
    path: str
    spans: dict[str, _TextSpan] = field(default_factory=dict)
    relations: list[tuple[str, str, str]] = field(default_factory=list)  # (head id, child id, label)
    notes: list[str] = field(default_factory=list)


def _label(raw: str, options: ReadOptions) -> tuple[str, str]:
    """(label, layer) of a brat type."""
    label = options.label_map.get(raw, POLNEAR_LABELS.get(raw, raw))
    return label, "claims" if label in CLAIM_LAYER_LABELS or raw in CLAIM_LAYER_LABELS else "entities"


def parse_ann(path: Path, text: str, annotator: str) -> _Ann:
    """Parse one .ann file against its document text; bad lines raise InputError."""
    name = str(path)
    content = decode_text(name, path.read_bytes())
    ann = _Ann(annotator=annotator, path=name)
    last_t: tuple[str, int, list[str]] | None = None  # id, line, text lines (continuations)
    texts: dict[str, tuple[int, str]] = {}
    events: list[tuple[int, list[tuple[str, str]]]] = []

    for n, raw in enumerate(content.split("\n"), 1):
        line = raw.rstrip("\r")
        m = _ID.match(line)
        if not m:
            if not line.strip() and last_t is None:
                continue
            if last_t is not None:  # a T text that runs over a newline (seen in PolNeAR)
                last_t[2].append(line)
                continue
            raise InputError(name, "not a brat annotation line (expected T, E, R or # with a tab)", line=n)
        if last_t is not None:
            texts[last_t[0]] = (last_t[1], "\n".join(last_t[2]))
            last_t = None
        kind = m.group(1)
        ident = kind + m.group(2)
        cols = line.split("\t")
        if kind == "#":
            ann.notes.append(line)
            continue
        if len(cols) < 2:
            raise InputError(name, f"{ident}: missing fields", line=n)
        if kind == "T":
            label, _, offs = cols[1].partition(" ")
            pieces: list[tuple[int, int]] = []
            try:
                for piece in offs.split(";"):
                    a, b = piece.split()
                    pieces.append((int(a), int(b)))
            except ValueError:
                raise InputError(name, f"{ident}: bad offsets {offs!r}", line=n) from None
            if not label:
                raise InputError(name, f"{ident}: no label", line=n)
            for a, b in pieces:
                if a < 0 or b > len(text):
                    raise InputError(name, f"{ident}: span {a}-{b} is outside the text ({len(text)} characters)", line=n)
                if a >= b:
                    raise InputError(name, f"{ident}: span start {a} is not before end {b}", line=n)
            if ident in ann.spans:
                raise InputError(name, f"{ident}: defined twice", line=n)
            ann.spans[ident] = _TextSpan(label=label, pieces=pieces, line=n)
            last_t = (ident, n, ["\t".join(cols[2:])])
        elif kind == "E":
            args: list[tuple[str, str]] = []
            for arg in cols[1].split():
                role, sep, ref = arg.partition(":")
                if not sep or not ref:
                    raise InputError(name, f"{ident}: bad argument {arg!r}", line=n)
                args.append((role, ref))
            if not args:
                raise InputError(name, f"{ident}: no trigger", line=n)
            events.append((n, args))
        elif kind == "R":
            parts = cols[1].split()
            if len(parts) != 3:
                raise InputError(name, f"{ident}: expected 'Type Arg1:T1 Arg2:T2'", line=n)
            heads = [p.partition(":")[2] for p in parts[1:]]
            for ref in heads:
                if ref not in ann.spans:
                    raise InputError(name, f"{ident}: {ref} is not a text-bound annotation defined before it", line=n)
            ann.relations.append((heads[0], heads[1], parts[0]))
        else:
            raise InputError(name, f"{ident}: {kind}-lines are not supported (only T, E, R and #)", line=n)
    if last_t is not None:
        texts[last_t[0]] = (last_t[1], "\n".join(last_t[2]))

    for ident, (n, given) in texts.items():
        ts = ann.spans[ident]
        expected = " ".join(text[a:b] for a, b in ts.pieces)
        if given and _squash(given) != _squash(expected):
            raise InputError(name, f"{ident}: text {given[:40]!r} does not match the document there "
                             f"({expected[:40]!r})", line=n)
    for n, args in events:
        trigger = args[0][1]
        for _, ref in args:
            if ref not in ann.spans:
                raise InputError(name, f"event argument {ref} is not a defined T-line", line=n)
        roles = args[1:]
        if not roles:
            ann.relations.append((trigger, trigger, EVENT_PREFIX))
        for role, ref in roles:
            ann.relations.append((trigger, ref, EVENT_PREFIX + role))
        contents = [ref for role, ref in roles if role.startswith("Content")]
        for role, ref in roles:
            derived = {"Source": "source-of", "Cue": "cue-of"}.get(role)
            if derived:
                for c in contents:
                    ann.relations.append((ref, c, derived))
    return ann


def _squash(s: str) -> str:
    """Text with white space runs made single spaces (brat joins pieces with a space)."""
    return " ".join(s.split())


def merge_units(bounds: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge unit intervals so that every span interval lies inside one unit."""
    intervals = sorted([*bounds, *spans])
    out: list[list[int]] = []
    for a, b in intervals:
        if out and a < out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _units_around(text: str, fixed: list[tuple[int, int]], unit: str) -> list[tuple[int, int]]:
    """``fixed`` intervals as units, the text between them segmented as usual."""
    from annotator.ingest.segment import split_units

    out: list[tuple[int, int]] = []
    pos = 0
    for a, b in sorted(set(fixed)) + [(len(text), len(text))]:
        if a > pos:
            out += [(pos + x, pos + y) for x, y in split_units(text[pos:a], unit)]
        if b > a:
            out.append((a, b))
        pos = max(pos, b)
    return out


def build_document(doc_name: str, txt_path: Path, text: str, anns: list[_Ann], options: ReadOptions,
                   decided: dict[str, _Decided] | None = None) -> Parsed:
    """Units and every annotator's labels for one document; ``decided`` (``.ann`` file name
    -> recorded decisions, from :data:`DECISIONS_FILE`) makes only those units decided."""
    from annotator.ingest.segment import split_units

    all_hulls = [ts.hull for ann in anns for ts in ann.spans.values()]
    for ann in anns:  # a relation's two spans must share a unit too
        for head, child, _ in ann.relations:
            (a1, b1), (a2, b2) = ann.spans[head].hull, ann.spans[child].hull
            all_hulls.append((min(a1, a2), max(b1, b2)))
    recorded = {ann.annotator: decided[Path(ann.path).name] for ann in anns
                if decided is not None and Path(ann.path).name in decided}
    for rec in recorded.values():
        for a, b in rec.units:
            if b > len(text):
                raise InputError(str(txt_path), f"{DECISIONS_FILE} has a unit {a}-{b} beyond the text "
                                 f"({len(text)} characters)")
    fixed = [iv for rec in recorded.values() for iv in rec.units]
    segments = _units_around(text, fixed, options.unit) if fixed else split_units(text, options.unit)
    bounds = merge_units(segments, all_hulls)
    units = [Unit(position=i, text=text[a:b], start=a, end=b) for i, (a, b) in enumerate(bounds)]
    starts = [a for a, _ in bounds]
    from bisect import bisect_right

    where_unit = {iv: i for i, iv in enumerate(bounds)}
    labels: list[UnitLabels] = []
    for ann in anns:
        per_unit_spans: dict[int, dict[tuple[int, int, str, str], Span]] = defaultdict(dict)
        per_unit_rel: dict[int, dict[tuple, Relation]] = defaultdict(dict)
        fragments: dict[int, list[list]] = defaultdict(list)
        where: dict[str, tuple[int, Span]] = {}
        for ident, ts in ann.spans.items():
            a, b = ts.hull
            ui = bisect_right(starts, a) - 1
            base = bounds[ui][0]
            label, layer = _label(ts.label, options)
            span = Span(start=a - base, end=b - base, label=label, layer=layer)
            per_unit_spans[ui].setdefault(span.key, span)
            where[ident] = (ui, span)
            if len(ts.pieces) > 1:
                frag = [span.start, span.end, label, [[p - base, q - base] for p, q in ts.pieces]]
                if frag not in fragments[ui]:
                    fragments[ui].append(frag)
        for head, child, rel in ann.relations:
            hu, hs = where[head]
            cu, cs = where[child]
            assert hu == cu, "units are merged over every relation"
            r = Relation(head=hs.ref, child=cs.ref, label=rel)
            per_unit_rel[hu].setdefault(r.key, r)
        rec = recorded.get(ann.annotator)
        notes_at = 0
        if rec is not None:
            answers = {where_unit[iv]: answer for iv, answer in rec.units.items() if iv in where_unit}
            if len(answers) != len(rec.units):
                missing = next(iv for iv in rec.units if iv not in bounds)
                raise InputError(ann.path, f"unit {missing[0]}-{missing[1]} of {DECISIONS_FILE} is cut by a span "
                                 "or relation of this file")
            notes_at = min(answers, default=0)
        for ui in range(len(units)):
            if rec is None:
                answer = "accept"
            elif ui in answers:
                answer = answers[ui]
            elif per_unit_spans[ui] or per_unit_rel[ui]:
                answer = "accept"  # labelled in brat after the export
            else:
                continue  # nobody decided this unit
            spans = sorted(per_unit_spans[ui].values(), key=lambda s: (s.start, s.end, s.label))
            meta: dict = {}
            if fragments[ui]:
                meta["brat_fragments"] = fragments[ui]
            if ui == notes_at and ann.notes:
                meta["brat_notes"] = ann.notes
            _check_entities(ann, spans)
            labels.append(UnitLabels(unit_index=ui, annotator=ann.annotator, answer=answer, spans=spans,
                                     relations=list(per_unit_rel[ui].values()), meta=meta))
    doc = Document(title=doc_name, text=text, source=str(txt_path), external_id=doc_name,
                   meta={"format": "brat"})
    return Parsed(document=doc, units=units, labels=labels)


def _check_entities(ann: _Ann, spans: list[Span]) -> None:
    """Entity-layer spans must not overlap (DESIGN.md); say which lines do."""
    ents = [s for s in spans if s.layer == "entities"]
    for x, y in zip(ents, ents[1:]):
        if y.start < x.end:
            raise InputError(ann.path, f"entity spans overlap: {x.label} and {y.label} "
                             "(map one to a claims label with a label map)")


def _find_documents(root: Path) -> dict[str, Path]:
    """Document name -> .txt path (PolNeAR ``text/`` or flat)."""
    text_dir = root / "text" if (root / "text").is_dir() else root
    return {p.stem: p for p in sorted(text_dir.glob("*.txt"))}


def _find_anns(root: Path, docs: dict[str, Path], options: ReadOptions, strict: bool = True,
               decided: dict[str, _Decided] | None = None) -> dict[str, list[tuple[Path, str]]]:
    """Document name -> [(ann path, annotator)]; ``strict`` refuses .ann files with no text;
    ``decided`` (the export's record) names the document and annotator of the files it lists."""
    ann_dir = root / "attributions" if (root / "attributions").is_dir() else root
    ann_paths = sorted(ann_dir.glob("*.ann"))
    if ann_dir != root:
        ann_paths += sorted(root.glob("*.ann"))
    pattern = re.compile(options.brat_annotator_pattern)
    out: dict[str, list[tuple[Path, str]]] = defaultdict(list)
    default = options.annotator or DEFAULT_ANNOTATOR
    for p in ann_paths:
        stem = p.stem
        rec = (decided or {}).get(p.name)
        if rec is not None and rec.document in docs:
            out[rec.document].append((p, rec.annotator))  # type: ignore[index]
            continue
        if stem in docs:
            out[stem].append((p, default))
            continue
        m = pattern.match(stem)
        if m and m.group("doc") in docs:
            out[m.group("doc")].append((p, m.group("annotator")))
            continue
        if not strict:
            continue
        raise InputError(str(p), f"no document text for this annotation file (looked for {stem}.txt"
                         + (f" and {m.group('doc')}.txt" if m else "") + ")")
    return out


def _decisions_in(root: Path) -> dict[str, _Decided] | None:
    """The export's :data:`DECISIONS_FILE` in ``root``, if there is one."""
    path = root / DECISIONS_FILE
    return read_decisions(path) if path.is_file() else None


@register("brat", suffixes=(".ann",), directory=True)
def read_brat(source: Source, options: ReadOptions) -> Iterator[Parsed]:
    """Documents of a brat directory (or one ``.txt``/``.ann`` file), every annotator's labels."""
    if source.is_stdin:
        raise InputError(source.name, "brat needs a directory (text and .ann files), not stdin")
    path = Path(source.path)
    if path.is_file():
        if path.suffix != ".txt":
            raise InputError(source.name, "give brat a directory or a document's .txt file")
        root = path.parent.parent if path.parent.name == "text" else path.parent
        decided = _decisions_in(root)
        docs = {path.stem: path}
        anns = _find_anns(root, docs, options, strict=False, decided=decided)
    elif path.is_dir():
        decided = _decisions_in(path)
        docs = _find_documents(path)
        if not docs:
            raise InputError(source.name, "no .txt documents here (expected <doc>.txt or text/<doc>.txt)")
        anns = _find_anns(path, docs, options, decided=decided)
    else:
        raise InputError(source.name, "no such file or directory")
    # Documents with identical text (PolNeAR has a pair) become one document: the store keys
    # documents by text, so their annotators' labels share one set of units; the other names
    # are kept in document.meta["brat_names"] (annotator -> document name) for the export.
    groups: dict[str, list[str]] = {}
    for doc_name, txt in docs.items():
        groups.setdefault(content_hash(txt.read_bytes().decode("utf-8", "replace")), []).append(doc_name)
    for names in groups.values():
        lead = names[0]
        txt = docs[lead]
        text = decode_text(str(txt), txt.read_bytes())
        parsed: list[_Ann] = []
        aliases: dict[str, str] = {}
        for doc_name in names:
            for p, who in anns.get(doc_name, []):
                parsed.append(parse_ann(p, text, who))
                if doc_name != lead:
                    aliases[who] = doc_name
        who_all = [a.annotator for a in parsed]
        dup = sorted({x for x in who_all if who_all.count(x) > 1})
        if dup:
            raise InputError(str(txt), f"two .ann files for annotator {dup[0]!r}"
                             + (f" (identical texts: {', '.join(names)})" if len(names) > 1 else ""))
        result = build_document(lead, txt, text, parsed, options, decided)
        if len(names) > 1:
            result.document.meta["brat_names"] = aliases
            result.document.meta["brat_duplicates"] = names[1:]
        yield result


# ---------------------------------------------------------------------- writing


def _inverse_label(label: str) -> str:
    for k, v in POLNEAR_LABELS.items():
        if v == label:
            return k
    return label


@dataclass
class BratConf:
    """The types an export's ``.ann`` files use, for its ``annotation.conf``."""

    entities: set[str] = field(default_factory=set)
    relations: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    events: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    triggers: set[str] = field(default_factory=set)

    def relation(self, label: str, arg1: str, arg2: str) -> None:
        a, b = self.relations.setdefault(label, (set(), set()))
        a.add(arg1)
        b.add(arg2)

    def event(self, label: str, roles: list[tuple[str, str]]) -> None:
        got = self.events.setdefault(label, {})
        for role, type_ in roles:
            got.setdefault(role.rstrip("0123456789"), set()).add(type_)

    def text(self) -> str:
        """``annotation.conf``: entity types that are only triggers are listed as events."""
        def types(ts: set[str]) -> str:
            return "|".join(sorted(ts))

        lines = ["# written by annotator export: the types its .ann files use", "[entities]"]
        lines += sorted(self.entities - (self.triggers & set(self.events)))
        lines.append("[relations]")
        lines += [f"{lab}\tArg1:{types(a)}, Arg2:{types(b)}" for lab, (a, b) in sorted(self.relations.items())]
        lines.append("<OVERLAP>\tArg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:<ANY>")
        lines.append("[events]")
        for lab, roles in sorted(self.events.items()):
            args = ", ".join(f"{role}*:{types(ts)}" for role, ts in sorted(roles.items()))
            lines.append(f"{lab}\t{args}" if args else lab)
        lines.append("[attributes]")
        return "\n".join(lines) + "\n"


def write_ann(text: str, items: list[tuple[int, list[Span], list[Relation], dict]], conf: BratConf | None = None) -> str:
    """The .ann file for one annotator: ``items`` are (unit start in the document, spans,
    relations, annotation meta) of that annotator's units; ``conf`` collects the types used."""
    conf = conf if conf is not None else BratConf()
    lines: list[str] = []
    n_t = n_e = n_r = 0
    relation_lines: list[str] = []
    for base, spans, relations, meta in items:
        frags: dict[tuple[int, int, str], list[list[list[int]]]] = defaultdict(list)
        for f in meta.get("brat_fragments", []):
            if f[0] <= min(p[0] for p in f[3]) and max(p[1] for p in f[3]) <= f[1]:
                frags[(f[0], f[1], f[2])].append(f[3])
        local: dict[tuple[int, int, str], str] = {}
        for s in spans:
            key = (s.start, s.end, s.label)
            for pieces in frags.get(key) or [[[s.start, s.end]]]:
                n_t += 1
                tid = f"T{n_t}"
                local.setdefault(key, tid)
                offs = ";".join(f"{base + a} {base + b}" for a, b in pieces)
                body = " ".join(text[base + a : base + b] for a, b in pieces)
                body = body.replace("\r", " ").replace("\n", " ")
                lines.append(f"{tid}\t{_inverse_label(s.label)} {offs}\t{body}")
                conf.entities.add(_inverse_label(s.label))
        events: dict[tuple[int, int, str], list[tuple[str, tuple[int, int, str]]]] = defaultdict(list)
        for r in relations:
            if r.label.startswith(EVENT_PREFIX):
                h = (r.head.start, r.head.end, r.head.label)
                role = r.label[len(EVENT_PREFIX):]
                events[h]
                if role:
                    events[h].append((role, (r.child.start, r.child.end, r.child.label)))
        derived: set[tuple] = set()
        for trig, args in events.items():
            contents = [ref for role, ref in args if role.startswith("Content")]
            for role, ref in args:
                lab = {"Source": "source-of", "Cue": "cue-of"}.get(role)
                if lab:
                    derived.update((ref, c, lab) for c in contents)
        bare = {(r.head.start, r.head.end, r.head.label) for r in relations if r.label == EVENT_PREFIX}
        for trig, args in events.items():
            if trig not in local:
                continue
            if trig in bare and args:  # an event of its own with no arguments on the same trigger
                n_e += 1
                relation_lines.append(f"E{n_e}\t{_inverse_label(trig[2])}:{local[trig]}")
            n_e += 1
            parts = [f"{_inverse_label(trig[2])}:{local[trig]}"] + [f"{role}:{local[ref]}" for role, ref in args if ref in local]
            relation_lines.append(f"E{n_e}\t" + " ".join(parts))
            conf.triggers.add(_inverse_label(trig[2]))
            conf.event(_inverse_label(trig[2]), [(role, _inverse_label(ref[2])) for role, ref in args if ref in local])
        for r in relations:
            if r.label.startswith(EVENT_PREFIX):
                continue
            h = (r.head.start, r.head.end, r.head.label)
            c = (r.child.start, r.child.end, r.child.label)
            if (h, c, r.label) in derived or h not in local or c not in local:
                continue
            n_r += 1
            relation_lines.append(f"R{n_r}\t{r.label} Arg1:{local[h]} Arg2:{local[c]}")
            conf.relation(r.label, _inverse_label(h[2]), _inverse_label(c[2]))
    return "\n".join(lines + relation_lines) + ("\n" if lines or relation_lines else "")




_UNSAFE = re.compile(r"[^\w.\-]+")


def _file_name(doc: dict, doc_id: int | None) -> str:
    name = _UNSAFE.sub("_", str(doc.get("external_id") or "")).strip("._")
    return name or f"doc-{doc_id}"


def write_brat(items: Iterable[Item], root: Path, docs: object) -> int:
    """One ``<doc>.txt`` per document and one ``<doc>_<annotator>.ann`` per annotator (gold:
    ``<doc>.ann``), flat in ``root``, with :data:`DECISIONS_FILE` and ``annotation.conf``;
    documents that had several names on import get each annotator's file back under its own
    name."""
    import json

    n = 0
    current: int | None = None
    group: list[Item] = []
    used: set[str] = set()
    conf = BratConf()
    decisions = open(root / DECISIONS_FILE, "w", encoding="utf-8", newline="\n")

    def flush() -> None:
        if not group:
            return
        doc_id = group[0].unit.document_id
        doc = docs.get(doc_id) or {}  # type: ignore[attr-defined]
        text = doc.get("text", "")
        name = _file_name(doc, doc_id)
        while name in used:
            name += f"-{doc_id}"
        used.add(name)
        aliases = (doc.get("meta") or {}).get("brat_names", {})
        for extra in {*aliases.values()}:
            (root / f"{extra}.txt").write_text(text, encoding="utf-8", newline="")
        (root / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
        per: dict[str, list[tuple[int, list[Span], list[Relation], dict]]] = defaultdict(list)
        for it in group:
            spans = [Span.model_validate(s) for s in it.spans]
            rels = [Relation.model_validate(r) for r in it.relations]
            who = "" if it.gold else it.annotator
            per[who].append((it.unit.start, spans, rels, it.meta))
            base = aliases.get(who, name)
            fname = f"{base}.ann" if not who else f"{base}_{who}.ann"
            rec = {"ann": fname, "document": base, "annotator": it.annotator, "start": it.unit.start, "end": it.unit.end,
                   "answer": it.answer, **({"gold": True} if it.gold else {})}
            decisions.write(json.dumps(rec, ensure_ascii=False) + "\n")
        for who, rows in per.items():
            base = aliases.get(who, name)
            fname = f"{base}.ann" if not who else f"{base}_{who}.ann"
            (root / fname).write_text(write_ann(text, rows, conf), encoding="utf-8", newline="")

    try:
        for item in items:
            if item.unit.document_id != current:
                flush()
                group = []
                current = item.unit.document_id
            group.append(item)
            n += 1
        flush()
    finally:
        decisions.close()
    (root / CONF_FILE).write_text(conf.text(), encoding="utf-8", newline="\n")
    return n


__all__ = ["BratConf", "merge_units", "parse_ann", "read_brat", "read_decisions", "write_ann", "write_brat"]
