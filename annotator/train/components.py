"""The custom spaCy pieces a trained pipeline uses: a span mover and annotator's tokenizer.

``annotator.Tokenizer.v1`` makes ``nlp(text)`` split text exactly as the labelling tool does
(:func:`annotator.tokens.tokenize`), so a pipeline sees at prediction the tokens it was
trained on; runs of white space become white-space tokens, so ``doc.text == text``.

A claims recogniser is a plain spaCy ``ner`` trained on CLAIM/SOURCE/CUE; right after it,
``annotator_ents_to_spans`` appends what it found to ``doc.spans["claims"]`` and clears
``doc.ents`` so the entity recogniser that runs later starts from nothing.

spaCy finds both through the ``spacy_factories`` and ``spacy_tokenizers`` entry points in
``pyproject.toml`` (so ``spacy.load(DIR)`` works in any process where annotator is
installed); :func:`register` does the same by hand. spaCy is imported only when the factory
is asked for (module ``__getattr__``), never when this module is imported.
"""

from __future__ import annotations

from typing import Any

FACTORY = "annotator_ents_to_spans"
TOKENIZER = "annotator.Tokenizer.v1"
DEFAULT_SPANS_KEY = "claims"

_registered: Any = None
_tokenizer_registered: Any = None


class AnnotatorTokenizer:
    """A spaCy tokenizer that splits like :func:`annotator.tokens.tokenize`."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Any:
        """The Doc of ``text`` (white-space runs kept as tokens, as spaCy does)."""
        from spacy.tokens import Doc

        from annotator.tokens import tokenize

        words: list[str] = []
        spaces: list[bool] = []
        pos = 0
        for tok in tokenize(text):
            _gap(text[pos : tok.start], words, spaces)
            words.append(tok.text)
            spaces.append(False)
            pos = tok.end
        _gap(text[pos:], words, spaces)
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Any, batch_size: int = 1000) -> Any:
        """Tokenize a stream of texts."""
        for text in texts:
            yield self(text)

    def to_disk(self, path: Any, exclude: Any = ()) -> None:
        """Nothing to save: the rules live in annotator.tokens."""

    def from_disk(self, path: Any, exclude: Any = ()) -> AnnotatorTokenizer:
        """Nothing to load."""
        return self

    def to_bytes(self, exclude: Any = ()) -> bytes:
        """Nothing to serialise."""
        return b""

    def from_bytes(self, data: bytes, exclude: Any = ()) -> AnnotatorTokenizer:
        """Nothing to deserialise."""
        return self


def _gap(gap: str, words: list[str], spaces: list[bool]) -> None:
    """Account for the white space between two tokens: one space is the previous token's
    trailing space, anything more becomes a white-space token."""
    if not gap:
        return
    if words and not spaces[-1] and gap[0] == " ":
        spaces[-1] = True
        gap = gap[1:]
    if gap:
        words.append(gap)
        spaces.append(False)


def create_tokenizer() -> Any:
    """The ``annotator.Tokenizer.v1`` registry function: nlp -> :class:`AnnotatorTokenizer`."""

    def make(nlp: Any) -> AnnotatorTokenizer:
        return AnnotatorTokenizer(nlp.vocab)

    return make


def register_tokenizer() -> None:
    """Register ``annotator.Tokenizer.v1`` with spaCy in this process."""
    global _tokenizer_registered
    if _tokenizer_registered:
        return
    from spacy.util import registry

    registry.tokenizers.register(TOKENIZER, func=create_tokenizer)
    _tokenizer_registered = True


class EntsToSpans:
    """Append the doc's entities to ``doc.spans[spans_key]`` and reset ``doc.ents``."""

    def __init__(self, name: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Any) -> Any:
        """Move the entities of ``doc`` into its span group."""
        ents = list(doc.ents)
        group = list(doc.spans[self.spans_key]) if self.spans_key in doc.spans else []
        doc.spans[self.spans_key] = group + ents
        doc.set_ents([], default="missing")
        return doc

    def to_disk(self, path: Any, exclude: Any = ()) -> None:
        """Nothing to save: the component is its config."""

    def from_disk(self, path: Any, exclude: Any = ()) -> EntsToSpans:
        """Nothing to load: the component is its config."""
        return self

    def to_bytes(self, exclude: Any = ()) -> bytes:
        """Nothing to serialise."""
        return b""

    def from_bytes(self, data: bytes, exclude: Any = ()) -> EntsToSpans:
        """Nothing to deserialise."""
        return self


def register() -> Any:
    """Register the ``annotator_ents_to_spans`` factory and the tokenizer with spaCy (idempotent)."""
    global _registered
    register_tokenizer()
    if _registered is not None:
        return _registered
    from spacy.language import Language

    if Language.has_factory(FACTORY):
        _registered = Language.get_factory_meta(FACTORY).factory
        return _registered

    @Language.factory(FACTORY, default_config={"spans_key": DEFAULT_SPANS_KEY})
    def make_ents_to_spans(nlp: Any, name: str, spans_key: str) -> EntsToSpans:
        return EntsToSpans(name, spans_key)

    _registered = make_ents_to_spans
    return _registered


def __getattr__(name: str) -> Any:
    """``ents_to_spans`` (the entry point's target) registers the factory on first access."""
    if name == "ents_to_spans":
        return register()
    raise AttributeError(name)
