"""The pipeline a training run builds, in code: which components, which labels, which model.

CPU only, no pretrained vectors (none can be downloaded here). Each component is a spaCy
``ner`` with its own small CNN tok2vec, so components train independently on their own
truth:

- ``ner`` — the entities layer, written to ``doc.ents``;
- ``claims_content`` — CLAIM (the attributed content), then ``claims_content_spans`` moves it
  into ``doc.spans["claims"]``;
- ``claims_parts`` — SOURCE, CUE and any other claims label, moved the same way.

Claim contents nest with the sources and cues of the attributions inside them, so they get a
component of their own; within a component overlapping spans keep the longest. The claims
components run first and the entity recogniser last, so ``doc.ents`` ends with entities.
With both claims components and the rules' feature, ``claims_completion`` follows them: a cue
found without content gets the content the rules found (see ``ClaimCompletion``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Claims labels that hold attributed content (long spans that contain sources and cues).
CONTENT_LABELS: frozenset[str] = frozenset({"CLAIM"})
ENTITY_PIPE = "ner"
CONTENT_PIPE = "claims_content"
PARTS_PIPE = "claims_parts"
LAYER_CHOICES: tuple[str, ...] = ("entities", "claims", "both")


@dataclass
class Hyper:
    """Model and optimiser settings (defaults tuned on CoNLL-2003 and PolNeAR on 2 cores)."""

    width: int = 128
    depth: int = 4
    window: int = 1
    embed_rows: int = 5000
    hidden_width: int = 64
    maxout_pieces: int = 2
    dropout: float = 0.1
    learn_rate: float = 0.002
    batch_start: int = 4
    batch_stop: int = 32
    attrs: tuple[str, ...] = ("NORM", "PREFIX", "SUFFIX", "SHAPE")
    lexicon: bool = True  # the entity recogniser also sees word-list classes (token.lemma_)
    rules: bool = False  # the recogniser also sees the attribution rules' spans (token.tag_)
    claim_rules: bool = True  # whether the claims components get ``rules``

    def for_content(self) -> Hyper:
        """Claim contents are long: a wider window of context; the rules' spans as a feature."""
        return Hyper(**{**self.__dict__, "window": max(2, self.window), "lexicon": False, "rules": self.claim_rules})

    def for_parts(self) -> Hyper:
        """Sources and cues: no word-list classes; the rules' spans as a feature."""
        return Hyper(**{**self.__dict__, "lexicon": False, "rules": self.claim_rules})


@dataclass
class ComponentPlan:
    """One ``ner`` component to train: its pipe name, layer and labels."""

    name: str
    layer: str
    labels: list[str]
    hyper: Hyper = field(default_factory=Hyper)

    @property
    def to_spans(self) -> bool:
        """Whether its output is moved into ``doc.spans['claims']``."""
        return self.layer == "claims"


def plan_components(layer: str, labels: dict[str, Iterable[str]], hyper: Hyper | None = None) -> list[ComponentPlan]:
    """The components for ``layer`` ('entities', 'claims' or 'both') given the labels seen
    per layer; claims components first."""
    hyper = hyper or Hyper()
    plans: list[ComponentPlan] = []
    if layer in ("claims", "both"):
        claims = sorted(set(labels.get("claims", ())))
        content = [l for l in claims if l in CONTENT_LABELS]
        parts = [l for l in claims if l not in CONTENT_LABELS]
        if content:
            plans.append(ComponentPlan(CONTENT_PIPE, "claims", content, hyper.for_content()))
        if parts:
            plans.append(ComponentPlan(PARTS_PIPE, "claims", parts, hyper.for_parts()))
    if layer in ("entities", "both"):
        ents = sorted(set(labels.get("entities", ())))
        if ents:
            plans.append(ComponentPlan(ENTITY_PIPE, "entities", ents, hyper))
    return plans


def ner_model_config(h: Hyper) -> dict[str, Any]:
    """The thinc model config of one ``ner``: a transition parser on its own CNN tok2vec."""
    rows = {"NORM": h.embed_rows, "LOWER": h.embed_rows, "ORTH": h.embed_rows,
            "PREFIX": h.embed_rows // 5, "SUFFIX": h.embed_rows // 2, "SHAPE": h.embed_rows // 2, "LEMMA": 64,
            "TAG": 128}
    attrs = list(h.attrs) + (["LEMMA"] if h.lexicon and "LEMMA" not in h.attrs else [])
    attrs += ["TAG"] if h.rules and "TAG" not in attrs else []
    return {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": h.hidden_width,
        "maxout_pieces": h.maxout_pieces,
        "use_upper": True,
        "nO": None,
        "tok2vec": {
            "@architectures": "spacy.Tok2Vec.v2",
            "embed": {
                "@architectures": "spacy.MultiHashEmbed.v2",
                "width": h.width,
                "attrs": attrs,
                "rows": [rows.get(a, h.embed_rows) for a in attrs],
                "include_static_vectors": False,
            },
            "encode": {
                "@architectures": "spacy.MaxoutWindowEncoder.v2",
                "width": h.width,
                "depth": h.depth,
                "window_size": h.window,
                "maxout_pieces": 3,
            },
        },
    }


def optimizer_config(h: Hyper) -> dict[str, Any]:
    """Adam with spaCy's usual settings and parameter averaging."""
    return {
        "@optimizers": "Adam.v1", "beta1": 0.9, "beta2": 0.999, "L2_is_weight_decay": True,
        "L2": 0.01, "grad_clip": 1.0, "use_averages": True, "eps": 1e-8, "learn_rate": h.learn_rate,
    }


def spans_pipe_name(component: str) -> str:
    """Name of the mover that follows the claims component called ``component``."""
    return f"{component}_spans"


LEXICON_PIPE = "lexicon"
CLAIM_RULES_PIPE = "claim_rules"
COMPLETION_PIPE = "claims_completion"
#: Components that only write features (no model): run over the inputs before training.
FEATURE_PIPES: tuple[str, ...] = (LEXICON_PIPE, CLAIM_RULES_PIPE)


def add_component(nlp: Any, plan: ComponentPlan) -> Any:
    """Add ``plan``'s ``ner`` (and its span mover for claims, and the feature pipes it reads
    just before it) to ``nlp``; returns the ner.

    The feature pipes write ``token.lemma_`` and ``token.tag_``: they go after any component
    of a base pipeline (a tagger, a lemmatizer, an attribute ruler) that would otherwise
    overwrite them between the feature pipe and the recogniser reading it."""
    from annotator.train.components import CLAIM_RULES_FACTORY, FACTORY, LEXICON_FACTORY, register

    register()
    if plan.name in nlp.pipe_names:
        ner = nlp.get_pipe(plan.name)
    else:
        before = ENTITY_PIPE if plan.layer == "claims" and ENTITY_PIPE in nlp.pipe_names else None
        ner = nlp.add_pipe("ner", name=plan.name, config={"model": ner_model_config(plan.hyper)}, before=before)
    if plan.hyper.lexicon and LEXICON_PIPE not in nlp.pipe_names:
        nlp.add_pipe(LEXICON_FACTORY, name=LEXICON_PIPE, before=plan.name)
    if plan.hyper.rules and CLAIM_RULES_PIPE not in nlp.pipe_names:
        nlp.add_pipe(CLAIM_RULES_FACTORY, name=CLAIM_RULES_PIPE, before=plan.name)
    if plan.to_spans and spans_pipe_name(plan.name) not in nlp.pipe_names:
        nlp.add_pipe(FACTORY, name=spans_pipe_name(plan.name), after=plan.name, config={"spans_key": "claims"})
    for label in plan.labels:
        ner.add_label(label)
    add_claims_completion(nlp)
    return ner


def add_claims_completion(nlp: Any) -> None:
    """Add ``claims_completion`` after the claims components' span movers once ``nlp`` has
    both claims components and the rules' feature (and does not have it yet)."""
    from annotator.train.components import COMPLETION_FACTORY

    movers = [spans_pipe_name(CONTENT_PIPE), spans_pipe_name(PARTS_PIPE)]
    if COMPLETION_PIPE in nlp.pipe_names or not all(p in nlp.pipe_names for p in [*movers, CLAIM_RULES_PIPE]):
        return
    last = max(nlp.pipe_names.index(p) for p in movers)
    nlp.add_pipe(COMPLETION_FACTORY, name=COMPLETION_PIPE, after=nlp.pipe_names[last])


def blank_pipeline(plans: Iterable[ComponentPlan], lang: str = "en") -> Any:
    """A fresh spaCy pipeline with the planned components."""
    import spacy

    from annotator.train.components import TOKENIZER, register_tokenizer

    register_tokenizer()
    nlp = spacy.blank(lang, config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    for plan in plans:
        add_component(nlp, plan)
    return nlp
