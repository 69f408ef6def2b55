"""HTML articles through trafilatura, a maintained article extractor (boilerplate removal,
main-content detection and metadata are a research problem we should not hand-roll)."""

from __future__ import annotations

from collections.abc import Iterator

from annotator.errors import InputError
from annotator.ingest.base import Parsed, ReadOptions, Source, register
from annotator.ingest.clean import Article, is_furniture, strip_site_suffix
from annotator.ingest.segment import build_units
from annotator.models import Document


def extract_article(html: str) -> tuple[Article, dict[str, str]]:
    """The main article of an HTML page (title, paragraphs) and its metadata."""
    import trafilatura  # heavy: imported only when HTML is read

    doc = trafilatura.bare_extraction(
        html, include_comments=False, include_tables=False, favor_precision=True, with_metadata=True
    )
    if doc is None:
        return Article(title="", paragraphs=[]), {}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    body = data.get("text") or ""
    paragraphs = [p.strip() for p in body.split("\n") if p.strip() and not is_furniture(p)]
    title = strip_site_suffix((data.get("title") or "").strip())
    if paragraphs and title and paragraphs[0] == title:
        paragraphs.pop(0)
    meta = {k: str(data[k]) for k in ("author", "date", "url", "sitename", "hostname") if data.get(k)}
    return Article(title=title, paragraphs=paragraphs), meta


@register("html", suffixes=(".html", ".htm", ".xhtml"))
def read_html(source: Source, options: ReadOptions) -> Iterator[Parsed]:
    """Read one HTML page and keep its article."""
    raw = source.read_text()
    if not raw.strip():
        raise InputError(source.name, "empty file (no text)")
    article, meta = extract_article(raw)
    if not article.paragraphs:
        raise InputError(source.name, "no article text found in the HTML")
    text = article.text
    stem = source.stem
    doc = Document(
        title=article.title or stem, text=text, source=meta.get("url") or source.name,
        external_id=stem, meta={"format": "html", **meta},
    )
    yield Parsed(document=doc, units=build_units(text, options.unit), line=1)
