"""The contract: pydantic models every layer speaks (DESIGN.md, "Data model").

Offsets are Python ``str`` code-point offsets into the unit text, end exclusive; token
indices are inclusive at both ends, as in Prodigy. Relations point at spans by their
``(start, end, label)`` so that versions from several annotators merge by set union.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Token is defined with the tokenizer (annotator.tokens, which imports nothing of ours) and
# re-exported here, so the contract imports in one direction only.
from annotator.tokens import Token, tokenize  # noqa: F401

Layer = Literal["entities", "claims"]
Answer = Literal["accept", "reject", "ignore"]
LAYERS: tuple[str, ...] = ("entities", "claims")
ANSWERS: tuple[str, ...] = ("accept", "reject", "ignore")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SpanRef(_Model):
    """A reference to a span by position and label (what a relation points at)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: str


class Span(_Model):
    """A labelled stretch of a unit's text."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: str = Field(min_length=1)
    layer: Layer = "entities"
    token_start: int | None = Field(default=None, ge=0)
    token_end: int | None = Field(default=None, ge=0)
    source: str | None = None
    score: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end <= self.start:
            raise ValueError(f"span end {self.end} must be greater than start {self.start}")
        if (
            self.token_start is not None
            and self.token_end is not None
            and self.token_end < self.token_start
        ):
            raise ValueError("span token_end must not be before token_start")
        return self

    @property
    def ref(self) -> SpanRef:
        return SpanRef(start=self.start, end=self.end, label=self.label)

    @property
    def key(self) -> tuple[int, int, str, str]:
        """Identity of a span regardless of where it came from."""
        return (self.start, self.end, self.label, self.layer)

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]


class Relation(_Model):
    """A labelled link between two spans, e.g. SOURCE --source-of--> CLAIM."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    head: SpanRef
    child: SpanRef
    label: str = Field(min_length=1)

    @property
    def key(self) -> tuple[tuple[int, int, str], tuple[int, int, str], str]:
        return (
            (self.head.start, self.head.end, self.head.label),
            (self.child.start, self.child.end, self.child.label),
            self.label,
        )


def check_spans(text: str, spans: list[Span], relations: list[Relation]) -> None:
    """Raise ValueError when a span does not fit ``text``, entities overlap, or a
    relation points at a span that is not there."""
    n = len(text)
    for s in spans:
        if s.end > n:
            raise ValueError(f"span {s.start}-{s.end} ({s.label}) is past the end of the text ({n})")
    ents = sorted((s for s in spans if s.layer == "entities"), key=lambda s: (s.start, s.end))
    for a, b in zip(ents, ents[1:]):
        if b.start < a.end:
            raise ValueError(
                f"entity spans overlap: {a.start}-{a.end} {a.label} and {b.start}-{b.end} {b.label}"
            )
    refs = {(s.start, s.end, s.label) for s in spans}
    for r in relations:
        for end_name, ref in (("head", r.head), ("child", r.child)):
            if (ref.start, ref.end, ref.label) not in refs:
                raise ValueError(
                    f"relation {r.label} {end_name} {ref.start}-{ref.end} {ref.label} matches no span"
                )


def input_hash(text: str) -> int:
    """A stable signed 64-bit hash of a unit's text (Prodigy's ``_input_hash`` role)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def task_hash(in_hash: int, spans: list[Span], relations: list[Relation]) -> int:
    """A stable hash of a unit together with a set of spans (Prodigy's ``_task_hash``)."""
    payload = json.dumps(
        [in_hash, sorted(s.key for s in spans), sorted(r.key for r in relations)],
        separators=(",", ":"),
    )
    digest = hashlib.blake2b(payload.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def content_hash(text: str) -> str:
    """Hex digest identifying a document's cleaned text (re-import skips it)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class Dataset(_Model):
    id: int | None = None
    name: str = Field(min_length=1)
    scheme: str = "news"
    overlap: int = Field(default=1, ge=0, description="annotators per unit; 0 means everyone")
    created: float | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class Document(_Model):
    """One article: its cleaned text and where it came from."""

    id: int | None = None
    dataset: str | None = None
    title: str = ""
    text: str
    source: str = ""
    external_id: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)


class Unit(_Model):
    """What is shown at once: a sentence of a document, with its offsets there."""

    id: int | None = None
    document_id: int | None = None
    dataset: str | None = None
    position: int = Field(default=0, ge=0)
    text: str
    start: int = Field(default=0, ge=0)
    end: int = Field(default=0, ge=0)
    tokens: list[Token] | None = Field(
        default=None, description="explicit tokens; None means the default tokenizer's"
    )
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def input_hash(self) -> int:
        return input_hash(self.text)

    def token_list(self) -> list[Token]:
        if self.tokens is not None:
            return self.tokens
        return tokenize(self.text)


class Suggestion(_Model):
    """Spans and relations proposed for a unit by one suggester; never gold."""

    unit_id: int | None = None
    suggester: str
    version: str = "1"
    spans: list[Span] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)


class Annotation(_Model):
    """One annotator's decision on one unit. Rows are never changed or deleted."""

    id: int | None = None
    unit_id: int
    annotator: str = Field(min_length=1)
    answer: Answer
    spans: list[Span] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    created: float | None = None
    time_spent: float | None = Field(default=None, ge=0)
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("annotator")
    @classmethod
    def _clean_name(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("annotator name is empty")
        return v


class Gold(_Model):
    """The adjudicated version of a unit and who adjudicated it."""

    id: int | None = None
    unit_id: int
    answer: Answer = "accept"
    spans: list[Span] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    adjudicator: str = Field(min_length=1)
    sources: list[str] = Field(default_factory=list, description="annotators whose versions it came from")
    created: float | None = None


#: Keys a label may take in a scheme: the digits, then the letters the labelling screen leaves
#: free (a accept, x reject, c layer, l link, v overlay, q quit). The screen binds each of them.
LABEL_KEYS: str = "1234567890bdefghijkmnoprstuwyz"


class Label(_Model):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")
    hotkey: str = Field(min_length=1, max_length=1)

    @field_validator("hotkey")
    @classmethod
    def _bindable(cls, key: str) -> str:
        if key not in LABEL_KEYS:
            raise ValueError(f"hotkey {key!r} is not a label key (a digit, or one of {LABEL_KEYS[10:]})")
        return key

    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    description: str = ""


class RelationLabel(_Model):
    name: str = Field(min_length=1)
    head: str = Field(description="label of the head span")
    child: str = Field(description="label of the child span")
    description: str = ""


class Scheme(_Model):
    """A label scheme: labels per layer and the relation labels between them."""

    name: str = Field(min_length=1)
    description: str = ""
    entities: list[Label] = Field(min_length=1)
    claims: list[Label] = Field(default_factory=list)
    relations: list[RelationLabel] = Field(default_factory=list)
    maps: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="other scheme's name -> its entity label -> this scheme's label ('' drops it)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Scheme:
        for layer in ("entities", "claims"):
            labels: list[Label] = getattr(self, layer)
            names = [l.name for l in labels]
            dup = {n for n in names if names.count(n) > 1}
            if dup:
                raise ValueError(f"{layer}: duplicate label {sorted(dup)[0]}")
            keys = [l.hotkey for l in labels]
            dupk = {k for k in keys if keys.count(k) > 1}
            if dupk:
                raise ValueError(f"{layer}: hotkey {sorted(dupk)[0]!r} is used twice")
        entity_names = {l.name for l in self.entities}
        for other, mapping in self.maps.items():
            for src, dst in mapping.items():
                if dst and dst not in entity_names:
                    raise ValueError(f"maps.{other}.{src}: {dst} is not an entities label")
        claim_names = {l.name for l in self.claims}
        for rel in self.relations:
            for end in (rel.head, rel.child):
                if end not in claim_names:
                    raise ValueError(f"relation {rel.name}: {end} is not a claims label")
        return self

    def labels(self, layer: str) -> list[Label]:
        return list(self.entities if layer == "entities" else self.claims)

    def label_names(self, layer: str) -> list[str]:
        return [l.name for l in self.labels(layer)]

    def layer_of(self, label: str) -> str | None:
        for layer in ("entities", "claims"):
            if label in self.label_names(layer):
                return layer
        return None

    def color_of(self, label: str) -> str:
        for l in (*self.entities, *self.claims):
            if l.name == label:
                return l.color
        return "#888888"
