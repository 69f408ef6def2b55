"""Training in the background (for the labelling UI) and a trained pipeline's suggestions.

:func:`start_training` runs ``annotator train … --suggest-unlabelled --progress-file F`` in a
child process, so the UI stays responsive (training is CPU-bound; a thread would hold the
GIL). The child writes its progress as JSON to ``F``; when done it has saved the pipeline and
stored its suggestions for every unit nobody has labelled yet, under the suggester name
``model:<dir name>``. The child runs at a lower priority (:data:`NICENESS`): on a server where
annotators label, their sessions come first and training takes the CPU time they leave. The
UI polls :meth:`BackgroundTraining.status` (e.g. every second with
``set_interval``) and re-reads suggestions for the next units when the state is ``done``.
The progress file and the child's log live in a folder of their own, removed once a run that
succeeded has been seen to end, or is cancelled; a failed run keeps its log, and its status
says where.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.models import Suggestion, Unit
from annotator.train.corpus import doc_spans, make_doc


#: How much lower than the labelling screen's the training child's CPU priority is (``nice``).
NICENESS = 10


def suggester_name(model_dir: str | Path) -> str:
    """``model:<dir name>``: how a trained pipeline's suggestions are stored."""
    return f"model:{Path(model_dir).name}"


def suggest_with(nlp: Any, units: Iterable[Unit], name: str, version: str = "1") -> list[Suggestion]:
    """The pipeline's spans for each unit, on the unit's own tokens; its claim spans linked
    into attributions (``cue-of``, ``source-of``) by :func:`link_attributions`."""
    from annotator.suggest.claims import link_attributions

    units = list(units)
    docs = [make_doc(nlp.vocab, u.token_list()) for u in units]
    out = []
    for unit, doc in zip(units, nlp.pipe(docs, batch_size=64)):
        spans = doc_spans(doc, unit.token_list(), source=name)
        out.append(Suggestion(unit_id=unit.id, suggester=name, version=version, spans=spans,
                              relations=link_attributions(spans)))
    return out


#: The child's progress (JSON) and its output, in its work folder.
PROGRESS_NAME, LOG_NAME = "progress.json", "train.log"


@dataclass
class BackgroundTraining:
    """A training run in a child process; its progress file and log in ``work``."""

    process: subprocess.Popen[bytes]
    output: Path
    work: Path
    _final: dict[str, Any] | None = field(default=None, init=False, repr=False)

    @property
    def progress_file(self) -> Path:
        return self.work / PROGRESS_NAME

    @property
    def log_file(self) -> Path:
        return self.work / LOG_NAME

    def status(self) -> dict[str, Any]:
        """``{"state": "starting"|"training"|"done"|"failed", ...}`` from the progress file.
        Once the child has ended the answer is final: the work folder is removed after a
        success, and kept after a failure (``log`` says where its log is)."""
        if self._final is not None:
            return dict(self._final)
        code = self.process.poll()  # first: a child seen ended has written all it will
        data: dict[str, Any] = {}
        try:
            data = json.loads(self.progress_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {"state": "starting"}
        if code is not None and code != 0:
            tail = self.log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] \
                if self.log_file.exists() else []
            data = {**data, "state": "failed", "returncode": code, "error": tail[0] if tail else "",
                    "log": str(self.log_file)}
        elif code is None and data.get("state") == "done":
            data = {**data, "state": "training"}  # still storing suggestions
        data["running"] = code is None
        if code is not None:
            self._final = dict(data)
            if code == 0:
                shutil.rmtree(self.work, ignore_errors=True)
        return data

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def cancel(self) -> None:
        """Stop the child process (if it still runs) and remove its work folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def start_training(
    db_path: str | Path,
    dataset: str,
    output: str | Path,
    *,
    layer: str = "both",
    eval_split: float = 0.2,
    base: str | None = None,
    extra_args: Iterable[str] = (),
) -> BackgroundTraining:
    """Start ``annotator train`` for ``dataset`` in a child process that also stores the new
    model's suggestions for unlabelled units when it finishes."""
    output = Path(output)
    work = Path(tempfile.mkdtemp(prefix="annotator-train-"))
    cmd = [sys.executable, "-m", "annotator", "train", "--db", str(db_path), "--dataset", dataset,
           "-o", str(output), "--layer", layer, "--eval-split", str(eval_split), "--quiet",
           "--suggest-unlabelled", "--progress-file", str(work / PROGRESS_NAME), *extra_args]
    if base:
        cmd += ["--base", base]
    with open(work / LOG_NAME, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    _lower_priority(proc.pid)
    return BackgroundTraining(proc, output, work)


def _lower_priority(pid: int) -> None:
    """Give the training child (and the component processes it forks later, which inherit it)
    a priority :data:`NICENESS` lower than this process's. Set from here, not with
    ``preexec_fn``, which is unsafe in a program with threads such as the labelling screen."""
    try:
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, pid, min(19, mine + NICENESS))
    except (AttributeError, OSError):  # not on a POSIX system, or the child already ended
        pass
