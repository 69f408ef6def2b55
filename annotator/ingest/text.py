"""Plain-text articles: one file is one document, cleaned of page furniture."""

from __future__ import annotations

from collections.abc import Iterator

from annotator.errors import InputError
from annotator.ingest.base import Parsed, ReadOptions, Source, register
from annotator.ingest.clean import clean_article
from annotator.ingest.segment import build_units
from annotator.models import Document


@register("txt", suffixes=(".txt", ".text"))
def read_txt(source: Source, options: ReadOptions) -> Iterator[Parsed]:
    """Read one saved news page as text: title and story kept, furniture dropped."""
    raw = source.read_text()
    if not raw.strip():
        raise InputError(source.name, "empty file (no text)")
    article = clean_article(raw)
    if not article.paragraphs and not article.title:
        raise InputError(source.name, "no article text found (only page furniture)")
    text = article.text
    stem = source.stem
    doc = Document(
        title=article.title or stem, text=text, source=source.name, external_id=stem,
        meta={"format": "txt"},
    )
    yield Parsed(document=doc, units=build_units(text, options.unit), line=1)
