"""Label Studio JSON: a list of tasks, one per unit, each annotator's decision an annotation.

Export: ``{"id", "data": {"text", "meta": {"document": {...}}}, "annotations": [{"completed_by",
"result", "was_cancelled", "created_at", "lead_time", "meta"}]}``; spans are ``labels`` results
(``value.start``/``end``/``text``/``labels``, ``from_name`` = the layer, ``to_name`` = "text")
and relations are ``relation`` results (``from_id``/``to_id``/``labels``). Offsets are Python
code points, as Label Studio's text tag counts them. Label Studio 1.23 takes as
``completed_by`` only a user id or ``{"email": ...}``: we write
``{"email": "<name>@annotator.local"}`` and keep the name itself in the annotation's
``meta.annotator``, which import reads first. A rejected decision is a cancelled annotation
(``was_cancelled``) and round-trips through ``meta.answer``. ``data.meta.document`` (id,
external id, title, offsets) lets import put the units of a document back together. The
labelling config (:func:`labelstudio_config`) is written beside the export.

Import: ``annotations`` (or ``completions``) become decisions, ``predictions`` (Label
Studio's pre-annotations) become suggestions named by their ``model_version`` with their
score. The array is read streaming, one task at a time, with line numbers counted as it goes.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, TextIO
from xml.sax.saxutils import quoteattr

from annotator.errors import InputError
from annotator.formats.records import Item
from annotator.ingest.base import (
    Parsed, Prefixed, ReadOptions, Source, UnitLabels, UnitSuggestions, iter_lines, malformed, register,
)
from annotator.ingest.grouping import UnitRecord, document_key, group_records
from annotator.ingest.jsonl import checked_span
from annotator.models import Relation, Scheme, Span

DEFAULT_ANNOTATOR = "labelstudio"
#: ``completed_by`` is ``{"email": NAME + EMAIL_DOMAIN}``; import takes the name back.
EMAIL_DOMAIN = "@annotator.local"


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


def _annotation(it: Item) -> dict[str, Any]:
    result: list[dict[str, Any]] = []
    ids: dict[tuple[int, int, str], str] = {}
    for k, s in enumerate(it.spans):
        rid = f"s{k}"
        ids[(s["start"], s["end"], s["label"])] = rid
        result.append({
            "id": rid, "from_name": s.get("layer", "entities"), "to_name": "text", "type": "labels",
            "value": {"start": s["start"], "end": s["end"], "text": it.unit.text[s["start"]:s["end"]],
                      "labels": [s["label"]]},
        })
    for r in it.relations:
        h = ids.get((r["head"]["start"], r["head"]["end"], r["head"]["label"]))
        c = ids.get((r["child"]["start"], r["child"]["end"], r["child"]["label"]))
        if h and c:
            result.append({"from_id": h, "to_id": c, "type": "relation", "direction": "right", "labels": [r["label"]]})
    return {
        "completed_by": {"email": annotator_email(it.annotator)}, "result": result,
        "was_cancelled": it.answer != "accept", "created_at": _iso(it.created), "lead_time": it.time_spent,
        "meta": {"annotator": it.annotator, "answer": it.answer,
                 **({"gold": True, "sources": it.sources or []} if it.gold else {})},
    }


def annotator_email(name: str) -> str:
    """The e-mail Label Studio is given for an annotator (it accepts a user id or an e-mail,
    not a name): the name made address-safe, at :data:`EMAIL_DOMAIN`."""
    local = re.sub(r"[^A-Za-z0-9._+-]", "_", name).strip(".") or "annotator"
    return local + EMAIL_DOMAIN


def write_labelstudio(items: Iterable[Item], out: TextIO, docs: object = None) -> int:
    """A JSON array of tasks (one per unit); returns the number of decisions written."""
    n = 0
    first = True
    out.write("[")
    group: list[Item] = []

    def flush() -> None:
        nonlocal first
        if not group:
            return
        u = group[0].unit
        ext = getattr(u, "doc_external_id", None)
        title = getattr(u, "doc_title", None)
        if ext is None and title is None and hasattr(docs, "get") and u.document_id is not None:
            d = docs.get(u.document_id, {})  # type: ignore[union-attr]
            ext, title = d.get("external_id"), d.get("title")
        document = {"id": u.document_id, "external_id": ext, "title": title or "", "position": u.position,
                    "start": u.start, "end": u.end}
        task = {"id": u.id, "data": {"text": u.text, "meta": {"document": document}},
                "annotations": [_annotation(i) for i in group]}
        out.write("\n" if first else ",\n")
        out.write(json.dumps(task, ensure_ascii=False))
        first = False

    for it in items:
        if group and group[0].unit.id != it.unit.id:
            flush()
            group = []
        group.append(it)
        n += 1
    flush()
    out.write("\n]\n")
    return n


def labelstudio_config(scheme: Scheme) -> str:
    """The labelling config Label Studio needs for our tasks: one ``<Labels>`` per layer
    (``name`` = the layer, as our results' ``from_name``; ``toName="text"``), the relation
    labels, and the ``<Text>`` they point at."""
    lines = ["<View>"]
    for layer in ("entities", "claims"):
        labels = scheme.labels(layer)
        if not labels:
            continue
        lines.append(f'  <Labels name="{layer}" toName="text">')
        lines += [f"    <Label value={quoteattr(lab.name)} background={quoteattr(lab.color)}/>" for lab in labels]
        lines.append("  </Labels>")
    if scheme.relations:
        lines.append("  <Relations>")
        lines += [f"    <Relation value={quoteattr(name)}/>" for name in dict.fromkeys(r.name for r in scheme.relations)]
        lines.append("  </Relations>")
    lines += ['  <Text name="text" value="$text"/>', "</View>", ""]
    return "\n".join(lines)


def config_path(export_path: Path) -> Path:
    """Where the labelling config goes beside an export: ``NAME.json`` -> ``NAME.config.xml``."""
    return export_path.with_name(export_path.stem + ".config.xml")


def write_labelstudio_config(scheme: Scheme, export_path: Path) -> Path:
    """Write :func:`labelstudio_config` beside ``export_path``; returns where."""
    path = config_path(export_path)
    path.write_text(labelstudio_config(scheme), encoding="utf-8")
    return path


def _who(value: Any, options: ReadOptions) -> str:
    if isinstance(value, dict):
        value = value.get("email") or value.get("username") or value.get("id")
    if value is None or value == "":
        return options.annotator or DEFAULT_ANNOTATOR
    value = str(value)
    return value.removesuffix(EMAIL_DOMAIN) if value.endswith(EMAIL_DOMAIN) else value


_CHUNK = 1 << 20  # characters read at a time from a task array
_DECODER = json.JSONDecoder()


class _Text:
    """A binary stream decoded strictly as UTF-8, chunk by chunk (BOM dropped), with the
    line of a NUL byte or a bad byte in the error."""

    def __init__(self, name: str, fh: BinaryIO, head: bytes) -> None:
        self.name = name
        self.fh = fh
        self.head = head
        self.lines = 1  # line at the start of the next bytes decoded
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")

    def read(self, size: int) -> str:
        raw, self.head = (self.head + self.fh.read(size)) if self.head else self.fh.read(size), b""
        nul = raw.find(b"\x00")
        if nul >= 0:
            raise InputError(self.name, "binary data (NUL byte); not a text file",
                             line=self.lines + raw.count(b"\n", 0, nul))
        pending = len(self.decoder.getstate()[0])
        try:
            text = self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as e:
            raise InputError(self.name, "invalid UTF-8",
                             line=self.lines + raw.count(b"\n", 0, max(0, e.start - pending))) from None
        self.lines += raw.count(b"\n")
        return text


def iter_array(name: str, text: _Text) -> Iterator[tuple[int, Any]]:
    """(line, value) of each element of a top-level JSON array, streaming: one element is
    parsed at a time by the C decoder and lines are counted once, as the reading goes."""
    buf = text.read(_CHUNK).removeprefix("\ufeff")
    eof = not buf
    pos = 0
    line = 1  # the line of buf[pos]

    def more() -> None:
        nonlocal buf, pos, eof
        buf = buf[pos:]
        pos = 0
        new = text.read(max(_CHUNK, len(buf)))  # doubles the buffer for a task longer than it
        eof = not new
        buf += new

    def skip_space() -> str:
        """The next significant character ('' at the end of the file)."""
        nonlocal pos, line
        while True:
            m = _SPACE.match(buf, pos)
            line += buf.count("\n", pos, m.end())
            pos = m.end()
            if pos < len(buf) or eof:
                return buf[pos : pos + 1]
            more()

    def error(reason: str, at: int | None = None) -> InputError:
        return InputError(name, reason, line=line + (buf.count("\n", pos, at) if at is not None else 0))

    if skip_space() != "[":
        raise error("expected a JSON array of tasks")
    pos += 1
    first = True
    while True:
        c = skip_space()
        if c == "]":
            pos += 1
            break
        if not first:
            if c != ",":
                raise error("not valid JSON (expected ',' or ']' between tasks)" if c else "not valid JSON (the array is not closed)")
            pos += 1
            c = skip_space()
        if not c:
            raise error("not valid JSON (the array is not closed)")
        while True:
            try:
                value, end = _DECODER.raw_decode(buf, pos)
            except json.JSONDecodeError as e:
                if eof:
                    raise error(f"not valid JSON ({e.msg})", e.pos) from None
                more()
                continue
            except RecursionError:
                raise error("JSON nested too deeply") from None
            if end == len(buf) and not eof:  # a number or literal may go on in the next chunk
                more()
                continue
            break
        yield line, value
        line += buf.count("\n", pos, end)
        pos = end
        first = False
    if skip_space():
        raise error("not valid JSON (something after the array of tasks)")


_SPACE = re.compile(r"[ \t\n\r]*")


def _iter_tasks(source: Source) -> Iterator[tuple[int, Any]]:
    """(line, task) of a JSON array of tasks or of one task per line, streaming."""
    with source.open_binary() as fh:
        head = fh.read(4096)
        while head.lstrip(b"\xef\xbb\xbf \t\r\n") == b"" and len(head) < (1 << 20):
            more = fh.read(4096)
            if not more:
                break
            head += more
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
            yield from iter_array(source.name, _Text(source.name, fh, head))
            return
        from annotator.ingest.jsonl import parse_json_line

        for n, line in iter_lines(source.name, io.BufferedReader(Prefixed(head, fh))):
            if line.strip():
                yield n, parse_json_line(source.name, n, line)


def _results(name: str, n: int, text: str, results: Any, options: ReadOptions, score: Any = None
             ) -> tuple[list[Span], list[Relation]]:
    """The spans and relations of one annotation's or prediction's ``result`` list."""
    spans: list[Span] = []
    by_id: dict[Any, Span] = {}
    rels: list[tuple[Any, Any, str]] = []
    for res in results or []:
        if res.get("type") == "relation":
            for lab in res.get("labels") or ["related"]:
                rels.append((res.get("from_id"), res.get("to_id"), lab))
            continue
        v = res.get("value") or {}
        layer = res.get("from_name") if res.get("from_name") in ("entities", "claims") else None
        s_score = res.get("score", score)
        s_score = float(s_score) if isinstance(s_score, (int, float)) and not isinstance(s_score, bool) else None
        for lab in v.get("labels") or v.get("hypertextlabels") or []:
            s = checked_span(name, n, text, v.get("start"), v.get("end"), options.label_map.get(lab, lab), layer,
                             v.get("text"), score=s_score)
            spans.append(s)
            by_id.setdefault(res.get("id"), s)
    relations = []
    for h, c, lab in rels:
        if h not in by_id or c not in by_id:
            raise InputError(name, f"relation {lab!r} points at a result that is not a span", line=n)
        relations.append(Relation(head=by_id[h].ref, child=by_id[c].ref, label=lab))
    return list({s.key: s for s in spans}.values()), relations


def _task_record(name: str, n: int, task: Any, options: ReadOptions) -> UnitRecord:
    if not isinstance(task, dict):
        raise InputError(name, "a task must be a JSON object", line=n)
    data = task.get("data") or {}
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text:
        raise InputError(name, "task has no string data.text", line=n)
    labels: list[UnitLabels] = []
    for ann in task.get("annotations") or task.get("completions") or []:
        spans, relations = _results(name, n, text, ann.get("result"), options)
        meta_a = ann.get("meta") if isinstance(ann.get("meta"), dict) else {}
        answer = meta_a.get("answer") or ("reject" if ann.get("was_cancelled") else "accept")
        who = meta_a.get("annotator") if isinstance(meta_a.get("annotator"), str) and meta_a.get("annotator") \
            else _who(ann.get("completed_by"), options)
        created = None
        if isinstance(ann.get("created_at"), str):
            try:
                created = datetime.fromisoformat(ann["created_at"].replace("Z", "+00:00")).timestamp()
            except ValueError:
                created = None
        lead = ann.get("lead_time")
        labels.append(UnitLabels(
            unit_index=0, annotator=who, answer=answer,
            spans=spans, relations=relations, created=created,
            time_spent=float(lead) if isinstance(lead, (int, float)) and lead >= 0 else None,
        ))
    suggestions: list[UnitSuggestions] = []
    for k, pred in enumerate(task.get("predictions") or []):
        if not isinstance(pred, dict):  # Label Studio's plain export gives prediction ids only
            raise InputError(name, "a prediction must be an object with a result (export predictions "
                             "in full: serialization_options.predictions.only_id = false)", line=n)
        spans, relations = _results(name, n, text, pred.get("result"), options, pred.get("score"))
        model = pred.get("model_version")
        suggestions.append(UnitSuggestions(
            unit_index=0, suggester=str(model) if model not in (None, "") else f"labelstudio-prediction-{k + 1}",
            version=str(model or ""), spans=spans, relations=relations))
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    d = meta.get("document")
    if not isinstance(d, dict):  # this project's exports before 0.2: the id, offsets beside it
        d = {"id": d, "start": meta.get("start"), "end": meta.get("end")} if d is not None else None
    found = document_key(d)
    rec = UnitRecord(line=n, text=text, labels=labels, suggestions=suggestions,
                     external_id=None if task.get("id") is None else str(task["id"]),
                     doc_meta={"format": "labelstudio"})
    if found:
        rec.document, rec.start, rec.end, rec.doc_external_id, rec.doc_title = found
    return rec


@register("labelstudio")
def read_labelstudio(source: Source, options: ReadOptions) -> Iterator[Parsed]:
    """Label Studio tasks (a JSON array, or one task per line): annotations become
    decisions, predictions become suggestions; streaming, one task at a time."""

    def records() -> Iterator[UnitRecord]:
        for n, task in _iter_tasks(source):
            with malformed(source.name, n, "task"):
                rec = _task_record(source.name, n, task, options)
            yield rec

    yield from group_records(source.name, records())
