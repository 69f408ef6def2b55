"""Map the news labels the suggesters emit onto a scheme's labels."""

from __future__ import annotations

from annotator.models import Scheme

#: Every label a rule suggester may emit (OntoNotes names, as in the news scheme).
NEWS_LABELS: tuple[str, ...] = (
    "PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "DATE", "TIME",
    "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL", "PRODUCT", "WORK_OF_ART", "LANGUAGE",
)

#: News (OntoNotes) label -> CoNLL-2003 label; dates and numbers have no CoNLL label.
NEWS_TO_CONLL: dict[str, str] = {
    "PERSON": "PER", "PER": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
    "NORP": "MISC", "EVENT": "MISC", "LAW": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC",
    "LANGUAGE": "MISC", "MISC": "MISC",
}

#: Labels a scheme without them can still show as the closest one it has.
FALLBACKS: dict[str, str] = {"MONEY": "CARDINAL", "PERCENT": "CARDINAL", "QUANTITY": "CARDINAL", "TIME": "DATE"}


def entity_label_map(scheme: Scheme) -> dict[str, str]:
    """Emitted label -> the scheme's label; labels missing from the map are dropped."""
    names = set(scheme.label_names("entities"))
    out: dict[str, str] = {}
    conll_like = "PER" in names and "PERSON" not in names
    for label in NEWS_LABELS:
        if label in names:
            out[label] = label
        elif conll_like and NEWS_TO_CONLL.get(label) in names:
            out[label] = NEWS_TO_CONLL[label]
        elif FALLBACKS.get(label) in names:
            out[label] = FALLBACKS[label]
    for label in names:  # labels a pattern file or model may emit verbatim
        out.setdefault(label, label)
    if conll_like:
        for src, dst in NEWS_TO_CONLL.items():
            if dst in names:
                out.setdefault(src, dst)
    return out
