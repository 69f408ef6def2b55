"""spaCy ``DocBin`` (``.spacy``): one Doc per decision, for ``spacy train``.

Words are the unit's tokens (explicit or the default tokenizer's), so every span that falls
on token boundaries lands exactly; one that does not is widened to the tokens it touches.
Entities go to ``doc.ents`` (rejected decisions give docs whose entities are all ``O``:
none), claim-layer spans to ``doc.spans["claims"]``; relations, the annotator and the answer
are kept in ``doc.user_data`` (the DocBin stores user data). spaCy is imported here only.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from annotator.formats.records import Item, unit_token_offsets

CLAIMS_KEY = "claims"


def item_to_doc(vocab: object, item: Item) -> object:
    """A spaCy Doc holding one decision."""
    from spacy.tokens import Doc, Span as SpacySpan

    text = item.unit.text
    offsets = unit_token_offsets(item.unit)
    words = [text[a:b] for a, b in offsets]
    spaces = [(offsets[i + 1][0] if i + 1 < len(offsets) else len(text)) > b and text[b:b + 1] == " "
              for i, (_, b) in enumerate(offsets)]
    doc = Doc(vocab, words=words, spaces=spaces)  # type: ignore[arg-type]
    starts = [a for a, _ in offsets]
    ends = [b for _, b in offsets]
    from bisect import bisect_left, bisect_right

    ents = []
    claims = []
    for s in item.spans:
        i = bisect_right(ends, s["start"])
        j = bisect_left(starts, s["end"])
        if j <= i:
            continue
        span = SpacySpan(doc, i, j, label=s["label"])
        (claims if s.get("layer", "entities") == "claims" else ents).append(span)
    if item.answer == "accept":
        ents.sort(key=lambda sp: sp.start)
        kept = []
        last = -1
        for e in ents:
            if e.start >= last:
                kept.append(e)
                last = e.end
        doc.set_ents(kept, default="outside")
    else:
        doc.set_ents([], default="outside")
    doc.spans[CLAIMS_KEY] = claims
    doc.user_data["annotator"] = item.annotator
    doc.user_data["answer"] = item.answer
    doc.user_data["unit_id"] = item.unit.id
    doc.user_data["relations"] = [
        [r["head"]["start"], r["head"]["end"], r["head"]["label"], r["child"]["start"], r["child"]["end"],
         r["child"]["label"], r["label"]]
        for r in item.relations
    ]
    return doc


def write_docbin(items: Iterable[Item], path: Path, docs: object = None) -> int:
    """Write a ``.spacy`` file; returns the number of docs."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    db = DocBin(store_user_data=True)
    n = 0
    for item in items:
        db.add(item_to_doc(nlp.vocab, item))
        n += 1
    db.to_disk(path)
    return n
