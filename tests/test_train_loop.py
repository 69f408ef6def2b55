"""Train tiny pipelines on data the tests write, load them back and suggest with them."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from train_fixtures import TINY, fill, sentence

from annotator.store import open_store
from annotator.gold import gold_records, undecided_units
from annotator.train.background import suggester_name
from annotator.train.loop import TrainOptions, TrainResult, train
from annotator.train.uncertainty import least_sure_first
from annotator.training import apply_model, least_sure_unit_ids


def _records(db: Path) -> list:  # type: ignore[type-arg]
    """The gold records of the fixture's dataset."""
    store = open_store(db)
    try:
        return gold_records(store, "news")
    finally:
        store.close()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, TrainResult]:
    """A database with 12 labelled and 3 unlabelled units and a pipeline trained on it."""
    tmp = tmp_path_factory.mktemp("train")
    db = tmp / "t.db"
    store = open_store(db)
    fill(store)
    records = gold_records(store, "news")
    result = train(records, records, tmp / "model",
                   TrainOptions(layer="both", epochs=40, patience=40, hyper=TINY, processes=True))
    store.close()
    return db, tmp / "model", result


def test_training_learns_every_label_and_saves_a_pipeline(trained: tuple[Path, Path, TrainResult]) -> None:
    _, model, result = trained
    assert result.scores is not None
    table = result.scores.as_dict()
    assert set(table["entities"]) == {"PERSON", "ORG", "GPE"}
    assert set(table["claims"]) == {"CLAIM", "CUE", "SOURCE"}
    # 12 sentences, seen 40 times: the tiny model must have learnt them
    assert result.scores.total("exact", "entities").f1 >= 0.9
    assert result.scores.total("exact", "claims", ["CUE", "SOURCE"]).f1 >= 0.9
    assert result.scores.total("overlap", "claims", ["CLAIM"]).f1 >= 0.9
    assert (model / "config.cfg").exists() and (model / "meta.json").exists()
    meta = json.loads((model / "meta.json").read_text())
    assert meta["annotator"]["components"]["claims_parts"]["labels"] == ["CUE", "SOURCE"]
    assert result.components == ["claims_content", "claims_parts", "ner"]


def test_the_saved_pipeline_scores_what_training_reported(trained: tuple[Path, Path, TrainResult]) -> None:
    from annotator.train.config import plan_components
    from annotator.train.loop import evaluate, labels_seen, load_trained

    db, model, result = trained
    records = _records(db)
    plans = plan_components("both", labels_seen(records))
    again = evaluate(load_trained(model), records, plans)
    assert result.scores is not None
    assert again.as_dict() == result.scores.as_dict()


def test_spacy_load_works_in_a_fresh_process(trained: tuple[Path, Path, TrainResult]) -> None:
    _, model, _ = trained
    code = (
        "import annotator, spacy, json, sys\n"
        f"nlp = spacy.load({str(model)!r})\n"
        "doc = nlp('Bob Jones said the plan 6 will work.')\n"
        "print(json.dumps({'pipes': nlp.pipe_names, 'ents': [(e.text, e.label_) for e in doc.ents],"
        " 'claims': [(s.text, s.label_) for s in doc.spans['claims']]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["pipes"] == ["claim_rules", "claims_content", "claims_content_spans", "claims_parts",
                            "claims_parts_spans", "claims_completion", "lexicon", "ner"]
    assert ["Bob Jones", "PERSON"] in got["ents"]
    assert ["said", "CUE"] in got["claims"] and ["Bob Jones", "SOURCE"] in got["claims"]
    assert not any(label in ("CUE", "SOURCE", "CLAIM") for _, label in got["ents"])


def test_apply_model_suggests_for_unlabelled_units_only(trained: tuple[Path, Path, TrainResult]) -> None:
    db, model, _ = trained
    store = open_store(db)
    try:
        n = apply_model(store, "news", model)
        assert n == 3
        units = list(store.iter_units("news"))
        name = suggester_name(model)
        assert name == "model:model"
        with_model = [u.id for u in units if any(s.suggester == name for s in store.get_suggestions(u.id or 0))]
        assert with_model == [u.id for u in units[-3:]]
        sugg = next(s for s in store.get_suggestions(units[-1].id or 0) if s.suggester == name)
        text = units[-1].text
        found = {(text[s.start : s.end], s.label, s.layer) for s in sugg.spans}
        assert ("Bob Jones", "PERSON", "entities") in found or ("Bob Jones", "SOURCE", "claims") in found
        assert all(s.source == name for s in sugg.spans)
    finally:
        store.close()


def test_least_sure_first_orders_undecided_units(trained: tuple[Path, Path, TrainResult]) -> None:
    db, model, _ = trained
    store = open_store(db)
    try:
        ranked = least_sure_first(model, undecided_units(store, "news"))
        units = list(store.iter_units("news"))
        assert sorted(r.unit_id for r in ranked) == [u.id for u in units[-3:]]
        values = [r.uncertainty for r in ranked]
        assert values == sorted(values, reverse=True)
        assert all(0.0 <= v <= 1.0 for v in values)
        assert least_sure_unit_ids(store, "news", model, limit=2) == [r.unit_id for r in ranked[:2]]
        assert sorted(least_sure_unit_ids(store, "news", model, pool=2)) == [u.id for u in units[-3:-1]]
        # a labelled unit scores too when asked about explicitly, and a nonsense one is less sure
        from annotator.models import Unit

        known = units[0]
        odd = Unit(id=999, text="zq xv said wk the of 7 plan plan")
        scored = {r.unit_id: r.uncertainty for r in least_sure_first(model, [known, odd])}
        assert scored[999] >= scored[known.id]
    finally:
        store.close()


def test_model_suggester_from_the_suggest_package_uses_the_pipeline(trained: tuple[Path, Path, TrainResult]) -> None:
    model_mod = pytest.importorskip("annotator.suggest.model")
    from annotator.models import Unit
    from annotator.schemes import load_scheme

    db, model, _ = trained
    suggester = model_mod.ModelSuggester(load_scheme("news"), str(model))
    text, _ = sentence(6)
    (sugg,) = suggester.suggest([Unit(id=1, text=text)])
    found = {(text[s.start : s.end], s.label) for s in sugg.spans}
    assert ("Bob Jones", "PERSON") in found


def test_base_model_continues_training(trained: tuple[Path, Path, TrainResult], tmp_path: Path) -> None:
    db, model, _ = trained
    records = _records(db)
    result = train(records, records, tmp_path / "next",
                   TrainOptions(layer="entities", base=str(model), epochs=2, patience=2, hyper=TINY))
    assert result.scores is not None
    # it starts from a model that already knows the data (epoch 0: the base before training)
    assert result.history[0]["epoch"] == 0 and result.history[0]["score"] >= 0.9
    assert result.components == ["ner"]
    assert (tmp_path / "next" / "config.cfg").exists()


def test_eval_every_scores_only_every_n_epochs_and_after_the_last(trained: tuple[Path, Path, TrainResult], tmp_path: Path) -> None:
    db, _, _ = trained
    records = _records(db)
    result = train(records, records[:4], tmp_path / "m",
                   TrainOptions(layer="entities", epochs=5, patience=50, eval_every=2, hyper=TINY))
    assert [h["score"] is not None for h in result.history] == [False, True, False, True, True]
    assert result.epochs == 5 and result.scores is not None


def test_labelling_queue_shows_least_sure_units_first(trained: tuple[Path, Path, TrainResult], tmp_path: Path) -> None:
    """The order `annotator label --least-sure MODEL` uses reaches the labelling session."""
    import shutil

    from annotator.tui.session import LabelSession

    db, model, _ = trained
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    store = open_store(copy)
    try:
        order = least_sure_unit_ids(store, "news", model, annotator="ann")
        session = LabelSession(store, store.require_dataset("news"), "ann")
        session.set_priority(order)
        shown = [session.advance().unit.id]
        for _ in order[1:]:
            session.decide("accept", [], [])
            shown.append(session.current.unit.id)
        assert shown == order  # the least sure first, then the next
    finally:
        store.close()


def test_the_pipeline_serves_linked_attributions(trained: tuple[Path, Path, TrainResult], tmp_path: Path) -> None:
    """Its claim spans come back as attributions: in stored suggestions, and when evaluated alone."""
    import shutil

    from click.testing import CliRunner

    from annotator.cli import cli
    from annotator.train.background import suggest_with
    from annotator.train.loop import load_trained

    db, model, _ = trained
    text, _ = sentence(13)
    from annotator.models import Unit

    (sugg,) = suggest_with(load_trained(model), [Unit(id=1, text=text)], "model:model")
    rels = {(r.label, text[r.head.start : r.head.end], text[r.child.start : r.child.end]) for r in sugg.relations}
    assert ("cue-of", "said", "the plan 13 will work") in rels
    assert ("source-of", "Acme Corp", "the plan 13 will work") in rels
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    res = CliRunner().invoke(cli, ["evaluate", "--dataset", "news", "--db", str(copy), "--model", str(model),
                                   "--model-only", "--json", "--labels", "CLAIM,CUE,SOURCE"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["units"] == 12 and rep["attribution"]["gold"] == 12
    assert rep["attribution"]["exact"]["f1"] >= 0.9


def test_an_epoch_takes_every_unit_with_spans_and_a_share_of_the_rest() -> None:
    import random
    from types import SimpleNamespace

    from annotator.train.loop import _epoch_examples, _epoch_size

    def ex(n: int) -> SimpleNamespace:
        return SimpleNamespace(reference=SimpleNamespace(ents=[object()] * n))

    examples = [ex(1) for _ in range(10)] + [ex(0) for _ in range(1000)]
    rng = random.Random(0)
    assert sorted(map(id, _epoch_examples(examples, 1.0, rng))) == sorted(map(id, examples))
    assert [len(e.reference.ents) for e in _epoch_examples(examples, 0.0, rng)] == [1] * 10
    some = _epoch_examples(examples, 0.3, rng)
    assert sum(1 for e in some if e.reference.ents) == 10
    assert 230 <= len(some) - 10 <= 370  # about 300 of the 1,000 without spans
    assert _epoch_size(examples, 0.3) == 310 and _epoch_size(examples, 1.0) == 1010


def test_a_trained_claims_pipeline_replaces_the_attribution_rules(trained: tuple[Path, Path, TrainResult], tmp_path: Path) -> None:
    """With --model, the claims come from the pipeline alone (it saw the rules as a feature):
    merged suggestions hold no span of the rules' suggester on the claims layer."""
    from annotator.models import Unit
    from annotator.schemes import load_scheme
    from annotator.suggest import build_suggesters, suggest_merged

    _, model, _ = trained
    names = [s.name for s in build_suggesters(load_scheme("news"), model=str(model))]
    assert names[0] == "model:model" and "claims" not in names
    assert "claims" in [s.name for s in build_suggesters(load_scheme("news"))]
    text = 'Acme Corp said the plan 3 will work. "It is fine," Bob Jones told reporters.'
    (merged,) = suggest_merged(build_suggesters(load_scheme("news"), model=str(model)), [Unit(id=1, text=text)])
    assert {s.source for s in merged.spans if s.layer == "claims"} == {"model:model"}


def test_a_curve_shares_its_time_budget_by_data_size(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from annotator.train import curve

    budgets: list[tuple[int, float | None]] = []

    def fake_train(records, eval_records, target, options, **kw):  # type: ignore[no-untyped-def]
        budgets.append((len(records), options.max_seconds))
        return TrainResult(output=target, scores=None, components=[], labels={}, n_train=len(records),
                           n_eval=0, epochs=1, seconds=0.0)

    monkeypatch.setattr(curve, "train", fake_train)
    records = list(range(40))
    curve.learning_curve(records, [], tmp_path / "m", TrainOptions(max_seconds=1000.0))  # type: ignore[arg-type]
    assert budgets == [(10, 100.0), (20, 200.0), (30, 300.0), (40, 400.0)]
    budgets.clear()
    curve.learning_curve(records, [], tmp_path / "m", TrainOptions(max_seconds=None))  # type: ignore[arg-type]
    assert [b for _, b in budgets] == [None] * 4


def test_each_component_trains_in_a_process_of_its_own(trained: tuple[Path, Path, TrainResult]) -> None:
    """The fixture trained its three components in three forked processes: each keeps its own
    history, the parts are put together into one pipeline, and no part is left behind."""
    _, model, result = trained
    by_component: dict[str, list[int]] = {}
    for h in result.history:
        by_component.setdefault(h["component"], []).append(h["epoch"])
    assert sorted(by_component) == ["claims_content", "claims_parts", "ner"]
    assert all(epochs == list(range(1, len(epochs) + 1)) for epochs in by_component.values())
    assert result.epochs == max(len(e) for e in by_component.values())
    assert sorted(p.name for p in model.parent.iterdir() if p.name.startswith("model")) == ["model"]
    assert result.cpu_seconds > 0


def test_components_in_one_process_train_the_same_pipeline(trained: tuple[Path, Path, TrainResult], tmp_path: Path) -> None:
    """processes=False: the components take turns in this process; the same pipes, in order."""
    from annotator.train.loop import load_trained

    db, model, _ = trained
    records = _records(db)
    result = train(records, records, tmp_path / "one",
                   TrainOptions(layer="both", epochs=3, patience=3, hyper=TINY, processes=False))
    assert all("component" not in h for h in result.history) and len(result.history) == 3
    assert load_trained(tmp_path / "one").pipe_names == load_trained(model).pipe_names


def test_a_component_that_fails_in_its_process_is_a_one_line_error(
    trained: tuple[Path, Path, TrainResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.errors import UserError
    from annotator.train import loop

    db, _, _ = trained
    records = _records(db)
    real = loop.ner_example

    def broken(nlp, record, labels, layer, doc):  # type: ignore[no-untyped-def]
        if "CUE" in labels:
            raise ValueError("no memory left\nsecond line")
        return real(nlp, record, labels, layer, doc)

    monkeypatch.setattr(loop, "ner_example", broken)  # the forked children inherit it
    with pytest.raises(UserError, match=r"^training claims_parts failed: no memory left$"):
        train(records, records, tmp_path / "m", TrainOptions(layer="claims", epochs=2, hyper=TINY, processes=True))
    assert not any(tmp_path.iterdir())  # neither the pipeline nor a part of it


def test_a_component_process_dies_at_once_on_sigterm_while_its_parent_reads_no_more(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent stops reading the components' queue on the first error and terminates the
    others. A component forked while the parent's SIGTERM handler was set (it raises
    SystemExit, for a cancelled training) inherited it: SystemExit raised mid-way through a
    put, and Python's exit then waited on the queue for good (seen in CI: the suite hung in
    the failing-component test). A component must die of the signal itself."""
    import multiprocessing
    import signal

    from annotator.train import loop

    def chatty(*args, progress, **kwargs):  # type: ignore[no-untyped-def]
        while True:  # progress faster than anyone reads it: the pipe fills, puts wait
            progress(loop.Progress(1, 1, 1, 1, {"loss": 1.0}, None, None, 0.0))

    monkeypatch.setattr(loop, "train", chatty)
    ctx = multiprocessing.get_context("fork")
    inbox = ctx.Queue()
    before = signal.signal(signal.SIGTERM, loop._exit_on_sigterm)  # as _train_in_processes sets it
    try:
        proc = ctx.Process(target=loop._component_process, args=(inbox, "ner", [], [], None, None, None),
                           daemon=True)
        proc.start()
    finally:
        signal.signal(signal.SIGTERM, before)
    try:
        time.sleep(1.0)
        proc.terminate()
        proc.join(10)
        assert not proc.is_alive(), "the component did not end within 10 s of SIGTERM"
        assert proc.exitcode == -signal.SIGTERM
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join()


def test_progress_of_components_in_processes_goes_as_far_as_the_slowest() -> None:
    from annotator.train.loop import Progress, _combined

    def at(epoch: int, step: int, steps: int) -> Progress:
        return Progress(epoch, 30, step, steps, {f"loss{steps}": 1.0}, None, None, 0.0)

    mid = _combined([at(2, 50, 100), at(3, 10, 300)], 12.0)  # 1.5 and 2.03 epochs done
    assert (mid.epoch, mid.step, mid.steps_per_epoch, mid.seconds) == (2, 200, 400, 12.0)
    assert set(mid.losses) == {"loss100", "loss300"}
    end = _combined([at(2, 100, 100), at(3, 30, 300)], 20.0)  # the slower one just ended epoch 2
    assert (end.epoch, end.step, end.steps_per_epoch) == (2, 400, 400)
    start = _combined([at(1, 0, 100), at(1, 30, 300)], 1.0)
    assert (start.epoch, start.step) == (1, 0)


def test_progress_in_processes_goes_on_after_a_component_stops_early(trained: tuple[Path, Path, TrainResult], tmp_path: Path) -> None:
    """A component that stops early (here: a perfect score) no longer holds the progress of
    the others back: every epoch's end is told once, in order, up to the last one."""
    from annotator.train.loop import Progress

    db, _, _ = trained
    records = _records(db)
    seen: list[Progress] = []
    result = train(records, records, tmp_path / "m", TrainOptions(layer="both", epochs=40, patience=40, hyper=TINY,
                                                                  processes=True), progress=seen.append)
    stopped = {h["component"]: h["epoch"] for h in result.history}  # the last epoch of each
    assert min(stopped.values()) < max(stopped.values()) == result.epochs  # they stop apart
    ends = [p.epoch for p in seen if p.step == p.steps_per_epoch]
    assert ends == list(range(1, result.epochs + 1))  # the last one with the score of the whole
    assert seen[-1].epoch == result.epochs and seen[-1].score == result.main is not None


def test_a_base_pipeline_that_writes_tags_and_lemmas_runs_before_the_features(tmp_path: Path) -> None:
    """A base such as en_core_web_sm tags, lemmatises and maps attributes; the word-list and
    attribution-rule features live in ``token.lemma_`` and ``token.tag_``, so they must be
    written after those components, or the recognisers see part-of-speech tags and lemmas at
    prediction where training showed them the features."""
    import spacy

    from annotator.models import Unit
    from annotator.train.config import FEATURE_PIPES
    from annotator.train.corpus import make_doc
    from annotator.train.loop import load_trained

    base = spacy.blank("en")
    ruler = base.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": {"IN": ["said", "plan", "work"]}}]], {"TAG": "VBD", "LEMMA": "say"})
    base.to_disk(tmp_path / "base")
    db = tmp_path / "t.db"
    store = open_store(db)
    fill(store)
    records = gold_records(store, "news")
    store.close()
    train(records, records, tmp_path / "next",
          TrainOptions(layer="both", base=str(tmp_path / "base"), epochs=1, patience=1, hyper=TINY))
    nlp = load_trained(tmp_path / "next")
    pipes = nlp.pipe_names
    assert pipes.index("attribute_ruler") < min(pipes.index(p) for p in FEATURE_PIPES)
    text, _ = sentence(1)
    tokens = Unit(id=1, text=text).token_list()
    whole = nlp(make_doc(nlp.vocab, tokens))
    features = make_doc(nlp.vocab, tokens)
    for name in FEATURE_PIPES:
        features = nlp.get_pipe(name)(features)
    # what the recognisers read at prediction is what training gave them
    assert [t.tag_ for t in whole] == [t.tag_ for t in features]
    assert [t.lemma_ for t in whole] == [t.lemma_ for t in features]
    said = [t for t in whole if t.text == "said"][0]
    assert said.tag_ != "VBD" and said.lemma_ != "say"
