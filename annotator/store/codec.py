"""How spans, relations and tokens are kept in their JSON text columns."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import TypeAdapter

from annotator.models import Relation, Span, Token

SPANS = TypeAdapter(list[Span])
RELATIONS = TypeAdapter(list[Relation])
TOKENS = TypeAdapter(list[Token])


def dump_spans(spans: Sequence[Span]) -> str:
    return SPANS.dump_json(list(spans), exclude_none=True).decode()


def dump_relations(relations: Sequence[Relation]) -> str:
    return RELATIONS.dump_json(list(relations)).decode()


def load_spans(raw: str | None) -> list[Span]:
    return SPANS.validate_json(raw) if raw and raw != "[]" else []


def load_relations(raw: str | None) -> list[Relation]:
    return RELATIONS.validate_json(raw) if raw and raw != "[]" else []
