"""Label Studio JSON: a list of tasks, one per unit, each annotator's decision an annotation.

Export: ``{"id", "data": {"text", "meta"}, "annotations": [{"completed_by", "result",
"was_cancelled", "created_at", "lead_time"}]}``; spans are ``labels`` results
(``value.start``/``end``/``text``/``labels``, ``from_name`` = the layer) and relations are
``relation`` results (``from_id``/``to_id``/``labels``). Offsets are Python code points, as
Label Studio's text tag counts them. ``completed_by`` is the annotator's name; on import an
``{"email": ...}`` object or a number is accepted too. A rejected decision is a cancelled
annotation (``was_cancelled``) and round-trips through ``meta.answer``. The array is written
streaming, one task at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, TextIO

from annotator.errors import InputError
from annotator.formats.doccano import one_unit_document
from annotator.ingest.jsonl import checked_span
from annotator.formats.records import Item
from annotator.ingest.base import Parsed, ReadOptions, Source, UnitLabels, malformed, register
from annotator.models import Relation, Span

DEFAULT_ANNOTATOR = "labelstudio"


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
        "completed_by": it.annotator, "result": result, "was_cancelled": it.answer != "accept",
        "created_at": _iso(it.created), "lead_time": it.time_spent,
        "meta": {"answer": it.answer, **({"gold": True, "sources": it.sources or []} if it.gold else {})},
    }


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
        task = {"id": u.id, "data": {"text": u.text, "meta": {"document": u.document_id, "position": u.position,
                                                             "start": u.start, "end": u.end}},
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


def _who(value: Any, options: ReadOptions) -> str:
    if isinstance(value, dict):
        value = value.get("email") or value.get("username") or value.get("id")
    if value is None or value == "":
        return options.annotator or DEFAULT_ANNOTATOR
    return str(value)


@register("labelstudio")
def read_labelstudio(source: Source, options: ReadOptions) -> Iterator[Parsed]:
    """Label Studio tasks (a JSON array, or one task per line) with their annotations."""
    raw = source.read_text()
    stripped = raw.lstrip()
    tasks: list[tuple[int, Any]]
    if stripped.startswith("["):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            raise InputError(source.name, f"not valid JSON ({e.msg})", line=e.lineno) from None
        except RecursionError:
            raise InputError(source.name, "JSON nested too deeply", line=1) from None
        # line numbers of each task: where its object starts
        tasks = [(_line_of(raw, t), t) for t in data] if isinstance(data, list) else []
        if not isinstance(data, list):
            raise InputError(source.name, "expected a JSON array of tasks")
    else:
        from annotator.ingest.jsonl import parse_json_line

        # lines end at "\n" only, as everywhere else a line is named (str.splitlines would also
        # break at a lone "\r", U+2028 and other separators and number the lines otherwise)
        tasks = [(n, parse_json_line(source.name, n, line)) for n, line in enumerate(raw.split("\n"), 1)
                 if line.strip()]
    for n, task in tasks:
        with malformed(source.name, n, "task"):
            if not isinstance(task, dict):
                raise InputError(source.name, "a task must be a JSON object", line=n)
            data = task.get("data") or {}
            text = data.get("text") if isinstance(data, dict) else None
            if not isinstance(text, str) or not text:
                raise InputError(source.name, "task has no string data.text", line=n)
            meta = {"format": "labelstudio"}
            doc, units = one_unit_document(source.name, n, text, task.get("id"), meta)
            labels: list[UnitLabels] = []
            for ann in task.get("annotations") or task.get("completions") or []:
                spans: list[Span] = []
                by_id: dict[Any, Span] = {}
                rels: list[tuple[Any, Any, str]] = []
                for res in ann.get("result") or []:
                    if res.get("type") == "relation":
                        for lab in res.get("labels") or ["related"]:
                            rels.append((res.get("from_id"), res.get("to_id"), lab))
                        continue
                    v = res.get("value") or {}
                    layer = res.get("from_name") if res.get("from_name") in ("entities", "claims") else None
                    for lab in v.get("labels") or v.get("hypertextlabels") or []:
                        s = checked_span(source.name, n, text, v.get("start"), v.get("end"),
                                         options.label_map.get(lab, lab), layer, v.get("text"))
                        spans.append(s)
                        by_id.setdefault(res.get("id"), s)
                relations = []
                for h, c, lab in rels:
                    if h not in by_id or c not in by_id:
                        raise InputError(source.name, f"relation {lab!r} points at a result that is not a span", line=n)
                    relations.append(Relation(head=by_id[h].ref, child=by_id[c].ref, label=lab))
                meta_a = ann.get("meta") or {}
                answer = meta_a.get("answer") or ("reject" if ann.get("was_cancelled") else "accept")
                created = None
                if isinstance(ann.get("created_at"), str):
                    try:
                        created = datetime.fromisoformat(ann["created_at"].replace("Z", "+00:00")).timestamp()
                    except ValueError:
                        created = None
                lead = ann.get("lead_time")
                labels.append(UnitLabels(
                    unit_index=0, annotator=_who(ann.get("completed_by"), options), answer=answer,
                    spans=list({s.key: s for s in spans}.values()), relations=relations, created=created,
                    time_spent=float(lead) if isinstance(lead, (int, float)) and lead >= 0 else None,
                ))
        yield Parsed(document=doc, units=units, labels=labels, line=n)


def _line_of(raw: str, task: Any) -> int:
    """Best-effort line of a task in the file (its id's first appearance), for messages."""
    if isinstance(task, dict) and "id" in task:
        pos = raw.find(f'"id": {json.dumps(task["id"])}')
        if pos >= 0:
            return raw.count("\n", 0, pos) + 1
    return 1
