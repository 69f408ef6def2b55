"""The training loop: records in, a saved spaCy pipeline and per-label scores out.

Each planned ``ner`` component learns from its own Examples (its layer's spans as
``doc.ents``) with its own tok2vec; an Adam optimiser with parameter averaging updates it.
After every epoch the pipeline is scored on the held-out records and saved when it is the
best so far; training stops after ``epochs``, after ``patience`` epochs without improvement,
or when ``max_seconds`` have passed.

The components share nothing, and spaCy trains on one core. So with two or more components
and as many cores, each component trains in a process of its own (forked: the records are
not copied) and keeps its own best epoch by its own score; the parent then puts the saved
components together into one pipeline, scores it on the held-out records and saves it.
On one core (or with ``processes=False``, or from a ``base`` pipeline) the components take
turns in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from annotator.errors import UserError
from annotator.train.config import (
    ComponentPlan,
    Hyper,
    FEATURE_PIPES,
    add_claims_completion,
    add_component,
    blank_pipeline,
    optimizer_config,
    plan_components,
)
from annotator.train.corpus import Record, doc_spans, label_ranges, make_doc, ner_example
from annotator.train.scoring import PRF, Scores


@dataclass
class TrainOptions:
    """What to train and for how long."""

    layer: str = "both"
    base: str | None = None
    epochs: int = 30
    patience: int = 5
    max_seconds: float | None = None
    seed: int = 0
    eval_every: int = 1  # score (and maybe save) every N epochs, and always after the last
    hyper: Hyper = field(default_factory=Hyper)
    labels: dict[str, list[str]] | None = None  # restrict labels per layer (None: all seen)
    negatives: float = 1.0  # share of a component's units without any of its spans used per epoch
    processes: bool | None = None  # each component in a process of its own (None: when there are 2+ cores)
    components: tuple[str, ...] | None = None  # train only these planned components (None: all)


@dataclass
class Progress:
    """One step of training, for a progress bar or a status line."""

    epoch: int
    epochs: int
    step: int
    steps_per_epoch: int
    losses: dict[str, float]
    score: float | None = None
    best: float | None = None
    seconds: float = 0.0


@dataclass
class TrainResult:
    """What a run produced: where, how good, how long."""

    output: Path
    scores: Scores | None
    components: list[str]
    labels: dict[str, list[str]]
    n_train: int
    n_eval: int
    epochs: int
    seconds: float
    history: list[dict[str, Any]] = field(default_factory=list)
    cpu_seconds: float = 0.0

    @property
    def main(self) -> float | None:
        """The score the best epoch was picked by (None without held-out data)."""
        return self.scores.main() if self.scores else None


ProgressFn = Callable[[Progress], None]


def labels_seen(records: Sequence[Record]) -> dict[str, list[str]]:
    """Labels per layer that occur in the records."""
    out: dict[str, set[str]] = {"entities": set(), "claims": set()}
    for r in records:
        for s in r.spans:
            out.setdefault(s.layer, set()).add(s.label)
    return {k: sorted(v) for k, v in out.items()}


def _restrict(seen: dict[str, list[str]], wanted: dict[str, list[str]] | None) -> dict[str, list[str]]:
    if not wanted:
        return seen
    return {lay: [l for l in labs if lay not in wanted or l in wanted[lay]] for lay, labs in seen.items()}


def predict(nlp: Any, records: Sequence[Record], batch_size: int = 64) -> list[list[tuple[int, int, str, str]]]:
    """Predicted token spans (start, end exclusive, label, layer) for each record."""
    docs = (make_doc(nlp.vocab, r.tokens) for r in records)
    out = []
    for doc, r in zip(nlp.pipe(docs, batch_size=batch_size), records):
        spans = doc_spans(doc, r.tokens)
        out.append([(s.token_start or 0, (s.token_end or 0) + 1, s.label, s.layer) for s in spans])
    return out


def truth(record: Record, plans: Sequence[ComponentPlan]) -> list[tuple[int, int, str, str]]:
    """The record's true token spans for the planned labels (overlaps kept)."""
    out = []
    for p in plans:
        out += [(s, e, lab, p.layer) for s, e, lab in label_ranges(record, p.labels, p.layer)]
    return out


def evaluate(nlp: Any, records: Sequence[Record], plans: Sequence[ComponentPlan]) -> Scores:
    """Score ``nlp`` on ``records`` for the planned labels."""
    wanted = {(p.layer, l) for p in plans for l in p.labels}
    scores = Scores()
    for key in wanted:  # every trained label gets a row, even with no support in ``records``
        scores.exact[key] = PRF()
        scores.overlap[key] = PRF()
    for pred, r in zip(predict(nlp, records), records):
        scores.add([s for s in pred if (s[3], s[2]) in wanted], truth(r, plans))
    return scores


def train(
    train_records: Sequence[Record],
    eval_records: Sequence[Record],
    output: Path,
    options: TrainOptions | None = None,
    progress: ProgressFn | None = None,
    meta: dict[str, Any] | None = None,
) -> TrainResult:
    """Train the planned components on ``train_records``, keep the best epoch on
    ``eval_records`` and save the pipeline to ``output``."""
    from spacy.util import fix_random_seed
    from thinc.api import registry

    opts = options or TrainOptions()
    started = time.monotonic()
    cpu_started = time.process_time()
    fix_random_seed(opts.seed)
    labels = _restrict(labels_seen(train_records), opts.labels)
    plans = plan_components(opts.layer, labels, opts.hyper)
    if opts.components is not None:
        plans = [p for p in plans if p.name in opts.components]
    if not plans:
        raise UserError(f"no {opts.layer} labels in the training data: label some units (or pick another --layer)")
    if not opts.base and len(plans) > 1 and _in_processes(opts):
        return _train_in_processes(train_records, eval_records, Path(output), opts, plans, labels, progress, meta,
                                   started, cpu_started)
    if opts.base:
        nlp = load_trained(opts.base)
        fresh = [p for p in plans if p.name not in nlp.pipe_names]
        for p in plans:
            if p not in fresh and _listens(nlp.get_pipe(p.name)):
                raise UserError(
                    f"base model {opts.base!r}: its {p.name!r} shares a tok2vec with other components;"
                    " start from a pipeline trained by annotator (or none)"
                )
    else:
        nlp = blank_pipeline([])
        fresh = plans
    for plan in plans:
        add_component(nlp, plan)
    inputs = input_docs(nlp, train_records)
    examples: dict[str, list[Any]] = {}
    for plan in plans:
        ner = nlp.get_pipe(plan.name)
        examples[plan.name] = [ner_example(nlp, r, plan.labels, plan.layer, doc) for r, doc in zip(train_records, inputs)]
        if plan in fresh:
            ner.initialize(lambda name=plan.name: examples[name], nlp=nlp, labels=None)
            for label in plan.labels:
                ner.add_label(label)
    optimizer = registry.resolve({"o": optimizer_config(opts.hyper)})["o"]
    rng = random.Random(opts.seed)
    n_batches = sum(len(_batch_sizes(_epoch_size(v, opts.negatives), opts.hyper)) for v in examples.values())
    best: float | None = None
    best_epoch = 0
    history: list[dict[str, Any]] = []
    output = Path(output)
    saved = False
    if opts.base and eval_records and not fresh:
        start_score = evaluate(nlp, eval_records, plans).main()
        history.append({"epoch": 0, "losses": {}, "score": round(start_score, 4), "seconds": 0.0})
    epoch = 0
    best_scores: Scores | None = None

    def out_of_time() -> bool:
        return opts.max_seconds is not None and time.monotonic() - started >= opts.max_seconds

    for epoch in range(1, opts.epochs + 1):
        losses: dict[str, float] = {}
        step = 0
        stop = False
        for plan in plans:
            batch = _epoch_examples(examples[plan.name], opts.negatives, rng)
            ner = nlp.get_pipe(plan.name)
            pos = 0
            for size in _batch_sizes(len(batch), opts.hyper):
                chunk = batch[pos : pos + size]
                pos += size
                ner.update(chunk, drop=opts.hyper.dropout, sgd=optimizer, losses=losses)
                step += 1
                if progress and step % 5 == 0 and step < n_batches:
                    progress(Progress(epoch, opts.epochs, step, n_batches, dict(losses), None, best,
                                      time.monotonic() - started))
                if out_of_time():  # the time budget ends mid-epoch: score and keep what we have
                    stop = True
                    break
            if stop:
                break
        score = None
        last = stop or out_of_time() or epoch == opts.epochs
        if last or not eval_records or epoch % opts.eval_every == 0:
            with nlp.use_params(optimizer.averages):
                scores = evaluate(nlp, eval_records, plans) if eval_records else None
                score = scores.main() if scores else None
                if score is None or best is None or score > best:
                    best, best_epoch, best_scores = score, epoch, scores
                    _save(nlp, output, plans, labels, meta, score)
                    saved = True
        history.append({"epoch": epoch, "losses": {k: round(v, 2) for k, v in losses.items()},
                        "score": None if score is None else round(score, 4),
                        "seconds": round(time.monotonic() - started, 1)})
        if progress:
            progress(Progress(epoch, opts.epochs, n_batches, n_batches, dict(losses), score, best,
                              time.monotonic() - started))
        if last or (score is not None and score >= 1.0):
            break
        if eval_records and epoch - best_epoch >= opts.patience * opts.eval_every:
            break
    if not saved:
        with nlp.use_params(optimizer.averages):
            _save(nlp, output, plans, labels, meta, None)
    final_scores = best_scores  # the saved pipeline's scores (averaged parameters, best epoch)
    return TrainResult(
        output=output, scores=final_scores, components=[p.name for p in plans],
        labels={p.name: p.labels for p in plans}, n_train=len(train_records), n_eval=len(eval_records),
        epochs=epoch, seconds=time.monotonic() - started, history=history,
        cpu_seconds=time.process_time() - cpu_started,
    )


def _in_processes(opts: TrainOptions) -> bool:
    """Whether the components train in processes of their own: as asked, else when this
    process may use two cores or more."""
    if opts.processes is not None:
        return opts.processes
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores >= 2


def _train_in_processes(
    train_records: Sequence[Record], eval_records: Sequence[Record], output: Path, opts: TrainOptions,
    plans: Sequence[ComponentPlan], labels: dict[str, list[str]], progress: ProgressFn | None,
    meta: dict[str, Any] | None, started: float, cpu_started: float,
) -> TrainResult:
    """Train each planned component in a forked process of its own, then put the saved
    components together into one pipeline at ``output`` (see the module doc)."""
    ctx = multiprocessing.get_context("fork")
    inbox: Any = ctx.Queue()
    parts = {p.name: output.with_name(f"{output.name}.part-{p.name}") for p in plans}
    left = None if opts.max_seconds is None else max(0.0, opts.max_seconds - (time.monotonic() - started))
    procs = {}
    for plan in plans:
        sub = replace(opts, processes=False, components=(plan.name,), max_seconds=left)
        procs[plan.name] = ctx.Process(target=_component_process, name=f"train-{plan.name}", daemon=True,
                                       args=(inbox, plan.name, train_records, eval_records, parts[plan.name], sub, meta))
    latest: dict[str, Progress] = {}
    results: dict[str, dict[str, Any]] = {}
    ended = 0  # the last epoch every component has ended
    held: Progress | None = None  # its end, not told yet
    # Stopped by SIGTERM (the labelling screen cancels a background training so), still stop
    # the children and remove the parts: the ``finally`` below runs for SystemExit.
    on_main = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, _exit_on_sigterm) if on_main else None
    try:
        for proc in procs.values():
            proc.start()
        while len(results) < len(procs):
            try:
                kind, name, body = inbox.get(timeout=1.0)
            except queue.Empty:
                for name, proc in procs.items():
                    if name not in results and not proc.is_alive():
                        raise UserError(f"training {name} stopped without a result (exit code {proc.exitcode})")
                continue
            if kind == "error":
                raise UserError(f"training {name} failed: {body}")
            if kind == "done":  # a component that stopped early holds the others' progress back no more
                results[name] = body
                latest.pop(name, None)
            else:
                latest[name] = body
            if progress is not None and latest and len(latest) == len(procs) - len(results):
                step = _combined(latest.values(), time.monotonic() - started)
                if step.step == step.steps_per_epoch and step.epoch <= ended:
                    continue  # an epoch's end is told once
                if held is not None:
                    progress(held)
                    held = None
                if step.step == step.steps_per_epoch:  # held back: it may be the last, told below with the score
                    ended, held = step.epoch, step
                else:
                    progress(step)
        for proc in procs.values():
            proc.join()
        nlp = _assemble(plans, parts)
        scores = evaluate(nlp, eval_records, plans) if eval_records else None
        _save(nlp, output, plans, labels, meta, scores.main() if scores else None)
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, before)
        for proc in procs.values():
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for part in parts.values():
            shutil.rmtree(part, ignore_errors=True)
            shutil.rmtree(part.with_name(part.name + ".tmp-save"), ignore_errors=True)
    history = [{**h, "component": name} for name in procs for h in results[name]["history"]]
    seconds = time.monotonic() - started
    epochs = max(r["epochs"] for r in results.values())
    main = scores.main() if scores else None
    if progress is not None:
        if held is not None and held.epoch < epochs:
            progress(held)
        progress(Progress(epochs, opts.epochs, 1, 1, {}, main, main, seconds))
    return TrainResult(
        output=output, scores=scores, components=[p.name for p in plans],
        labels={p.name: p.labels for p in plans}, n_train=len(train_records), n_eval=len(eval_records),
        epochs=epochs, seconds=seconds, history=history,
        cpu_seconds=time.process_time() - cpu_started + sum(r["cpu_seconds"] for r in results.values()),
    )


def _component_process(inbox: Any, name: str, train_records: Sequence[Record], eval_records: Sequence[Record],
                       output: Path, opts: TrainOptions, meta: dict[str, Any] | None) -> None:
    """A forked child: train one component, report progress and the result to the parent.
    It ends itself within a second of its parent's end, however the parent ended, and dies of
    SIGTERM at once: the parent's handler, which it inherits, would raise SystemExit wherever
    it stands (in the middle of a put to the queue), and Python's exit would then wait for
    the queue to drain into a parent that reads it no more."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _exit_with(os.getppid())
    try:
        result = train(train_records, eval_records, output, opts,
                       progress=lambda p: inbox.put(("progress", name, p)), meta=meta)
        inbox.put(("done", name, {"history": result.history, "epochs": result.epochs,
                                  "cpu_seconds": result.cpu_seconds}))
    except Exception as exc:  # reported by the parent as a one-line error
        inbox.put(("error", name, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    finally:
        inbox.close()
        inbox.join_thread()


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _exit_with(parent: int) -> None:
    """Watch ``parent`` from a thread and end this process when it is gone (a child whose
    parent was killed is handed to another parent)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _combined(latest: Iterable[Progress], seconds: float) -> Progress:
    """One progress step from the components' latest: as far as the slowest of them (an
    epoch ends when every component has ended it), the steps of all summed."""
    ps = list(latest)
    losses: dict[str, float] = {}
    for p in ps:
        losses.update(p.losses)
    total = sum(p.steps_per_epoch for p in ps)
    done = min((p.epoch - 1) + p.step / max(1, p.steps_per_epoch) for p in ps)  # epochs, fractional
    whole = int(done)
    if done == whole and whole >= 1:  # the last component just ended epoch ``whole``
        return Progress(whole, ps[0].epochs, total, total, losses, None, None, seconds)
    return Progress(whole + 1, ps[0].epochs, min(total - 1, round((done - whole) * total)), total, losses,
                    None, None, seconds)


def _assemble(plans: Sequence[ComponentPlan], parts: dict[str, Path]) -> Any:
    """One pipeline from the components saved in ``parts``, in the order training in one
    process gives (:func:`add_component`): each planned component (with its span mover) in
    plan order, the feature pipes it reads just before the first that reads them, and the
    claims completion."""
    nlp = blank_pipeline([])
    for plan in plans:
        part = load_trained(parts[plan.name])
        for pipe in part.pipe_names:
            if pipe not in nlp.pipe_names and pipe not in FEATURE_PIPES:
                nlp.add_pipe(pipe, source=part)
        for pipe in FEATURE_PIPES:
            if pipe in part.pipe_names and pipe not in nlp.pipe_names:
                nlp.add_pipe(pipe, source=part, before=plan.name)
    add_claims_completion(nlp)
    return nlp


def _epoch_examples(examples: Sequence[Any], negatives: float, rng: random.Random) -> list[Any]:
    """One epoch's examples, shuffled: all with spans, and a ``negatives`` share (drawn anew
    each epoch) of those without any."""
    if negatives >= 1.0:
        out = list(examples)
    else:
        out = [ex for ex in examples if len(ex.reference.ents) or rng.random() < negatives]
    rng.shuffle(out)
    return out


def _epoch_size(examples: Sequence[Any], negatives: float) -> int:
    """How many examples an epoch uses (on average, when negatives are drawn)."""
    if negatives >= 1.0:
        return len(examples)
    pos = sum(1 for ex in examples if len(ex.reference.ents))
    return pos + round((len(examples) - pos) * negatives)


def _listens(component: Any) -> bool:
    """Whether a component's model listens to a shared tok2vec (not trainable on its own here)."""
    model = getattr(component, "model", None)
    if model is None:
        return False
    return any("listener" in node.name for node in model.walk())


def input_docs(nlp: Any, records: Sequence[Record]) -> list[Any]:
    """The records' Docs after the pipeline's feature components (those without a model)."""
    docs = [make_doc(nlp.vocab, r.tokens) for r in records]
    for name in FEATURE_PIPES:
        if name in nlp.pipe_names:
            tagger = nlp.get_pipe(name)
            docs = [tagger(d) for d in docs]
    return docs


def _batch_sizes(n: int, h: Hyper) -> list[int]:
    """Compounding batch sizes from ``batch_start`` to ``batch_stop`` covering ``n`` items."""
    sizes: list[int] = []
    size = float(h.batch_start)
    total = 0
    while total < n:
        s = min(int(size), n - total)
        sizes.append(s)
        total += s
        size = min(size * 1.001 ** s, float(h.batch_stop)) if h.batch_stop > h.batch_start else size
    return sizes


def _save(nlp: Any, output: Path, plans: Sequence[ComponentPlan], labels: dict[str, list[str]],
          meta: dict[str, Any] | None, score: float | None) -> None:
    """Write the pipeline to ``output`` (replacing a previous save atomically enough)."""
    nlp.meta["name"] = output.name  # the suggester is then called model:<dir name>
    nlp.meta["description"] = "Trained by annotator from gold labels"
    nlp.meta["annotator"] = {
        **(meta or {}), "components": {p.name: {"layer": p.layer, "labels": p.labels} for p in plans},
        "claims_spans_key": "claims", "score": score,
    }
    tmp = output.with_name(output.name + ".tmp-save")
    if tmp.exists():
        shutil.rmtree(tmp)
    nlp.to_disk(tmp)
    if output.exists():
        shutil.rmtree(output)
    tmp.rename(output)


def load_trained(path: str | Path) -> Any:
    """Load a pipeline trained here (or any spaCy pipeline, by path or package name: a
    ``--base``) with annotator's factories registered; a one-line error when it cannot be."""
    from annotator.suggest.model import load_pipeline
    from annotator.train.components import register

    register()
    return load_pipeline(str(path))
