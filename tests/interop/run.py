"""Interop check against the real tools: do Label Studio, doccano, brat's rules, spaCy and
Prodigy's task format accept what `annotator export` writes?

    .venv/bin/python tests/interop/run.py [--only labelstudio,doccano,brat,spacy,prodigy]
                                          [--cache ~/.cache/annotator-interop] [--keep]

It builds its own small project (the seed article, suggestions, two annotators' decisions, a
gold unit), exports it in each format with this checkout's `annotator`, then:

- Label Studio 1.23 and doccano 1.8.4, each in a virtual environment of its own under
  ``--cache`` (created and pip-installed on first use; never a dependency of the project), are
  started on 127.0.0.1 and fed our files through their HTTP APIs; the check compares the tasks,
  annotations, examples and spans they report with what the files hold, and quotes any error.
- brat: every ``.ann`` is checked against the exported ``annotation.conf`` with brat's rules
  (:mod:`interop.brat_conf`; brat itself is not on PyPI).
- spaCy: ``spacy debug data`` and a short ``spacy train`` on the exported DocBin.
- Prodigy (not installable: commercial): every JSONL record is checked against the rules of
  Prodigy's task format (text, tokens, spans with token indices, answer, hashes, relations).

Each check prints one line, PASS or FAIL with the reason; the exit status is the number of
failed checks. The servers are stopped (by process group id) when the check ends.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))  # tests/: interop.brat_conf

LABEL_STUDIO = "label-studio==1.23.2"
DOCCANO = ["doccano==1.8.4", "marshmallow<4", "numpy<2"]  # PEERS.md: without the pins doccano fails
CHECKS = ("prodigy", "brat", "spacy", "labelstudio", "doccano")

results: list[tuple[str, bool, str]] = []


def report(name: str, ok: bool, detail: str) -> None:
    results.append((name, ok, detail))
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)


def step(msg: str) -> None:
    print(f"..    {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- the project


def annotator(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("annotator")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def build_project(work: Path) -> dict[str, Path]:
    """A database with the seed article, two annotators and a gold unit; its exports."""
    from annotator.ingest.base import ReadOptions
    from annotator.models import Annotation, Gold, Span
    from annotator.pipeline import import_sources, plan_sources
    from annotator.schemes import load_scheme
    from annotator.store import open_store
    from annotator.suggest import build_suggesters, suggest_merged

    db_path = work / "interop.db"
    db = open_store(db_path)
    ds = db.ensure_dataset("interop", overlap=2)
    plans, _ = plan_sources([str(ROOT / "seeds")], "auto")
    import_sources(db, plans, ds, options=ReadOptions())
    units = list(db.iter_units("interop"))
    merged = suggest_merged(build_suggesters(load_scheme("news")), units)
    with_spans = [(u, m) for u, m in zip(units, merged) if m.spans]
    for k, (unit, sug) in enumerate(with_spans):
        spans = [Span(**s.model_dump(exclude={"source", "score"})) for s in sug.spans]
        answer = "reject" if k == 5 else "ignore" if k == 6 else "accept"
        db.add_annotation(Annotation(unit_id=unit.id or 0, annotator="alice", answer=answer,  # type: ignore[arg-type]
                                     spans=spans if answer == "accept" else [], relations=sug.relations if answer == "accept" else []))
        if k < 8:  # bob agrees on most, drops the last entity on two units
            mine = spans[:-1] if k in (2, 3) and len(spans) > 1 else spans
            db.add_annotation(Annotation(unit_id=unit.id or 0, annotator="bob", answer="accept", spans=mine,
                                         relations=[r for r in sug.relations if k not in (2, 3)]))
    unit0, sug0 = with_spans[2]
    db.set_gold(Gold(unit_id=unit0.id or 0, spans=[Span(**s.model_dump(exclude={"source", "score"})) for s in sug0.spans],
                     adjudicator="lead", sources=["alice", "bob"]))
    db.close()
    out = work / "exports"
    exports = {
        "jsonl": (out / "interop.jsonl", []),
        "labelstudio": (out / "interop-labelstudio.json", []),
        "brat": (out / "interop-brat", []),
        "doccano": (out / "interop-doccano.jsonl", ["--annotator", "alice"]),
        "spacy": (out / "interop.spacy", ["--gold-or-unanimous"]),
        "spacy-alice": (out / "interop-alice.spacy", ["--annotator", "alice"]),
    }
    paths: dict[str, Path] = {}
    for key, (dest, extra) in exports.items():
        fmt = key.split("-")[0]
        r = annotator("export", "--db", str(db_path), "--dataset", "interop", "--format", fmt, "-o", str(dest),
                      "--force", *extra, cwd=work)
        step(f"export {key}: {(r.stderr or r.stdout).strip().splitlines()[-1] if (r.stderr or r.stdout).strip() else r.returncode}")
        if r.returncode != 0:
            report(f"export {key}", False, r.stderr.strip()[-300:])
            continue
        paths[key] = dest
    return paths


# ----------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, *, token: str | None = None, scheme: str = "Token", body: Any = None,
         files: dict[str, tuple[str, bytes]] | None = None, timeout: float = 600,
         accept: str = "application/json") -> tuple[int, Any]:
    """(status, parsed JSON or text) of one request; no cookies, token header only."""
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"{scheme} {token}"
    data = None
    if files:
        boundary = uuid.uuid4().hex
        parts = []
        for field, (name, content) in files.items():
            parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
                         "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        data = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read().decode("utf-8", "replace")
            status = resp.status
    except urllib.error.HTTPError as e:
        raw = e.read().decode("utf-8", "replace")
        status = e.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def wait_for(url: str, seconds: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}); log {log}: {log.read_text()[-600:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    raise RuntimeError(f"no answer from {url} after {seconds:.0f} s; log {log}")


def start(cmd: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    fh = open(log, "wb")
    return subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """Stop a server this script started, with its children (its own process group)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def venv(cache: Path, name: str, packages: list[str]) -> Path:
    """``cache/name`` with ``packages`` installed (once; a stamp file records what)."""
    env_dir = cache / name
    stamp = env_dir / ".interop-installed"
    want = " ".join(packages)
    if stamp.is_file() and stamp.read_text() == want:
        return env_dir
    step(f"installing {want} into {env_dir} (takes minutes the first time)")
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    *packages], check=True)
    stamp.write_text(want)
    return env_dir


# ----------------------------------------------------------------------------- checks


def check_prodigy(path: Path) -> None:
    """Prodigy's task format (prodigy.readthedocs / prodi.gy docs, "Annotation task formats"):
    ``text`` a string; ``tokens`` with ``text``, ``start``, ``end``, ``id`` (their index) and
    ``ws``; ``spans`` with ``start`` < ``end`` inside the text and ``label``, and where given
    ``token_start``/``token_end`` the tokens that start and end there; ``answer`` one of
    accept/reject/ignore; ``_input_hash``/``_task_hash`` 32-bit signed integers; relations with
    ``head``/``child`` token indices, ``head_span``/``child_span`` and ``label``."""
    problems: list[str] = []
    n = wide = 0
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        rec = json.loads(line)
        n += 1
        where = f"line {line_no}"
        text = rec.get("text")
        if not isinstance(text, str):
            problems.append(f"{where}: no text")
            continue
        toks = rec.get("tokens") or []
        for i, t in enumerate(toks):
            if t.get("id") != i or text[t["start"]:t["end"]] != t["text"] or not isinstance(t.get("ws"), bool):
                problems.append(f"{where}: token {i} does not match the text")
                break
        for s in rec.get("spans", []):
            if not (0 <= s["start"] < s["end"] <= len(text)) or not s.get("label"):
                problems.append(f"{where}: span {s} outside the text or unlabelled")
            ts, te = s.get("token_start"), s.get("token_end")
            if ts is not None and toks and (toks[ts]["start"] > s["start"] or toks[te]["end"] < s["end"]
                                            or toks[ts]["end"] <= s["start"] or toks[te]["start"] >= s["end"]):
                problems.append(f"{where}: span {s['start']}-{s['end']} token indices {ts}-{te} do not cover it")
        if rec.get("answer") not in ("accept", "reject", "ignore"):
            problems.append(f"{where}: answer {rec.get('answer')!r}")
        for key in ("_input_hash", "_task_hash"):
            v = rec.get(key)
            if not isinstance(v, int) or isinstance(v, bool):
                problems.append(f"{where}: {key} {v!r} is not an integer")
            elif not -(2**31) <= v < 2**31:
                wide += 1
        for r in rec.get("relations", []):
            if not {"head", "child", "label", "head_span", "child_span"} <= r.keys():
                problems.append(f"{where}: relation without head/child/label/head_span/child_span")
            elif toks and not (r["head_span"]["token_end"] == r["head"] and r["child_span"]["token_end"] == r["child"]):
                problems.append(f"{where}: relation head/child are not the spans' last tokens")
    report("prodigy task format (jsonl)", not problems and n > 0,
           f"{n} records, " + ("every one follows the task format" if not problems else f"{len(problems)} problems: {problems[:3]}")
           + (f"; note: {wide} hash values are wider than the 32 bits of Prodigy's own set_hashes (integers all the same)"
              if wide else ""))


def check_brat(root: Path) -> None:
    from interop.brat_conf import conf_problems, parse_conf

    conf = parse_conf((root / "annotation.conf").read_text(encoding="utf-8"))
    anns = sorted(root.glob("*.ann"))
    problems = conf_problems(root)
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in anns)
    report("brat .ann against annotation.conf", not problems and bool(anns),
           f"{len(anns)} .ann files, {lines} lines; conf declares {len(conf.get('entities', {}))} entity, "
           f"{len(conf.get('relations', {}))} relation, {len(conf.get('events', {}))} event types; "
           + ("no violation" if not problems else f"{len(problems)} violations: {problems[:3]}"))


def check_spacy(docbin: Path, work: Path) -> None:
    spacy_cmd = [sys.executable, "-m", "spacy"]
    cfg = work / "spacy.cfg"
    r = subprocess.run([*spacy_cmd, "init", "config", str(cfg), "--lang", "en", "--pipeline", "ner", "--optimize",
                        "efficiency", "--force"], capture_output=True, text=True, timeout=300)
    if r.returncode:
        report("spacy init config", False, r.stderr.strip()[-300:])
        return
    paths = ["--paths.train", str(docbin), "--paths.dev", str(docbin)]
    r = subprocess.run([*spacy_cmd, "debug", "data", str(cfg), *paths], capture_output=True, text=True, timeout=600)
    out_lines = [re.sub(r"\x1b\[[0-9;]*m", "", l).strip() for l in r.stdout.splitlines()]
    errors = [l for l in out_lines if l.startswith("✘") and not re.match(r"✘ \d+ errors?$", l)]
    # spaCy calls fewer than 100 examples an error for a new pipeline: the fixture's size, not its format
    format_errors = [l for l in errors if "Low number of examples" not in l]
    docs = next((l for l in out_lines if "training docs" in l), "")
    report("spacy debug data (DocBin)", not format_errors,
           f"exit {r.returncode}; {docs}; errors: {errors or 'none'}"
           + ("; only the fixture's size is flagged" if errors and not format_errors else ""))
    out = work / "spacy-model"
    r = subprocess.run([*spacy_cmd, "train", str(cfg), "--output", str(out), *paths, "--training.max_steps", "60",
                        "--training.eval_frequency", "30"], capture_output=True, text=True, timeout=1200)
    rows = [l for l in r.stdout.splitlines() if l.strip() and l.strip()[0].isdigit()]
    report("spacy train (DocBin, 60 steps)", r.returncode == 0 and (out / "model-last").is_dir(),
           f"exit {r.returncode}; last row: {rows[-1].split() if rows else r.stderr.strip()[-200:]}")


def labelstudio_config() -> str:
    from annotator.schemes import load_scheme

    scheme = load_scheme("news")
    ents = "".join(f'<Label value="{l.name}" background="{l.color}"/>' for l in scheme.entities)
    claims = "".join(f'<Label value="{l.name}" background="{l.color}"/>' for l in scheme.claims)
    rels = "".join(f'<Relation value="{r.name}"/>' for r in scheme.relations)
    return (f'<View><Relations>{rels}</Relations><Labels name="entities" toName="text">{ents}</Labels>'
            f'<Labels name="claims" toName="text">{claims}</Labels><Text name="text" value="$text"/></View>')


def check_labelstudio(path: Path, cache: Path, work: Path) -> None:
    env_dir = venv(cache, "ls-venv", [LABEL_STUDIO])
    tasks = json.loads(path.read_text(encoding="utf-8"))
    want_tasks = len(tasks)
    want_annotations = sum(len(t.get("annotations", [])) for t in tasks)
    want_cancelled = sum(1 for t in tasks for a in t.get("annotations", []) if a.get("was_cancelled"))
    config_file = next(iter(sorted(path.parent.glob(path.stem + "*.xml"))), None)  # written by the export, if it does
    label_config = config_file.read_text(encoding="utf-8") if config_file else labelstudio_config()
    port, token = free_port(), uuid.uuid4().hex
    data = work / "ls-data"
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(data), "DJANGO_DB": "sqlite",
           "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true"}
    log = work / "label-studio.log"
    proc = None
    try:
        t0 = time.monotonic()
        proc = start([str(env_dir / "bin" / "label-studio"), "start", "--no-browser", "--internal-host", "127.0.0.1",
                      "--port", str(port), "--data-dir", str(data), "--username", "interop@example.com",
                      "--password", "interop-pass-1", "--user-token", token, "--enable-legacy-api-token"], env, log)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health", 400, proc, log)
        step(f"Label Studio up in {time.monotonic() - t0:.0f} s")
        status, project = http("POST", f"{base}/api/projects", token=token,
                               body={"title": "annotator interop", "label_config": label_config})
        if status >= 300:
            report("label studio: create project", False, f"HTTP {status}: {str(project)[:300]}")
            return
        pid = project["id"]
        # Label Studio takes completed_by only as a known user: a lead invites the annotators first.
        emails = sorted({a["completed_by"]["email"] for t in tasks for a in t.get("annotations", [])
                         if isinstance(a.get("completed_by"), dict) and "email" in a["completed_by"]})
        for email in emails:
            status, user = http("POST", f"{base}/api/users/", token=token,
                                body={"email": email, "username": email.split("@")[0]})
            if status >= 300:
                report(f"label studio: create user {email}", False, f"HTTP {status}: {str(user)[:300]}")
                return
        step(f"created {len(emails)} Label Studio users for the annotators: {', '.join(emails)}")
        status, answer = http("POST", f"{base}/api/projects/{pid}/import", token=token,
                              files={"file": (path.name, path.read_bytes())})
        if status >= 300:
            report("label studio: import our labelstudio export", False,
                   f"HTTP {status}, Label Studio says: {json.dumps(answer.get('validation_errors', answer) if isinstance(answer, dict) else answer)[:400]}")
            if "completed_by" in json.dumps(answer):
                # what else would it say? the same file with completed_by as Label Studio wants it
                fixed = [{**t, "annotations": [{**a, "completed_by": {"email": "interop@example.com"}}
                                               for a in t.get("annotations", [])]} for t in tasks]
                status, answer = http("POST", f"{base}/api/projects/{pid}/import", token=token,
                                      files={"file": (path.name, json.dumps(fixed).encode())})
                step(f"diagnostic: with completed_by rewritten to the admin's email: HTTP {status}, "
                     f"{json.dumps(answer)[:300]}")
                if status < 300:
                    _, proj = http("GET", f"{base}/api/projects/{pid}", token=token)
                    step(f"diagnostic: Label Studio then holds {proj.get('task_number')} tasks, "
                         f"{proj.get('total_annotations_number')} annotations, {proj.get('skipped_annotations_number')} skipped")
            return
        status, proj = http("GET", f"{base}/api/projects/{pid}", token=token)
        got = (proj.get("task_number"), proj.get("total_annotations_number"), proj.get("skipped_annotations_number"))
        ok = got == (want_tasks, want_annotations - want_cancelled, want_cancelled)
        report("label studio: import our labelstudio export", ok,
               f"HTTP {status}; file has {want_tasks} tasks / {want_annotations} annotations ({want_cancelled} cancelled), "
               f"Label Studio holds {got[0]} tasks / {got[1]} annotations / {got[2]} skipped (import said "
               f"task_count={answer.get('task_count')}, annotation_count={answer.get('annotation_count')})"
               + ("" if config_file else "; labelling config built from the news scheme (the export wrote none)"))
    except (RuntimeError, OSError) as e:
        report("label studio", False, str(e)[:500])
    finally:
        stop(proc)


def check_doccano(path: Path, cache: Path, work: Path) -> None:
    env_dir = venv(cache, "dc-venv", DOCCANO)
    records = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
    want_examples, want_spans = len(records), sum(len(r.get("label", [])) for r in records)
    home = work / "doccano-home"
    home.mkdir(exist_ok=True)
    backend = next((env_dir / "lib").glob("python3*/site-packages/backend"))
    env = {**os.environ, "DOCCANO_HOME": str(home), "STANDALONE": "True", "DEBUG": "False",
           "DJANGO_SETTINGS_MODULE": "config.settings.production", "DATABASE_URL": f"sqlite:///{home}/db.sqlite3",
           "MEDIA_ROOT": str(home / "media"), "PYTHONPATH": str(backend)}
    bin_ = env_dir / "bin"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for args in (["init"], ["createuser", "--username", "interop", "--password", "interop-pass-1"]):
            r = subprocess.run([str(bin_ / "doccano"), *args], env=env, capture_output=True, text=True, timeout=900)
            if r.returncode:
                report(f"doccano {args[0]}", False, (r.stderr or r.stdout).strip()[-400:])
                return
        port = free_port()
        # `doccano webserver` binds 0.0.0.0; its gunicorn app on 127.0.0.1 instead, and the
        # Celery worker that runs imports beside it (PEERS.md)
        procs.append(start([str(bin_ / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--chdir",
                            str(backend), "config.wsgi"], env, work / "doccano-web.log"))
        procs.append(start([str(bin_ / "celery"), "--app=config", f"--workdir={backend}", "worker", "--loglevel=info",
                            "--concurrency=1"], env, work / "doccano-celery.log"))
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/v1/health/", 180, procs[0], work / "doccano-web.log")
        status, login = http("POST", f"{base}/v1/auth/login/", body={"username": "interop", "password": "interop-pass-1"})
        token = login.get("key") if isinstance(login, dict) else None
        if not token:
            report("doccano: login", False, f"HTTP {status}: {str(login)[:300]}")
            return
        status, project = http("POST", f"{base}/v1/projects", token=token, body={
            "name": "annotator interop", "description": "interop check", "project_type": "SequenceLabeling",
            "resourcetype": "SequenceLabelingProject", "guideline": "", "allow_overlapping": True,
        })
        if status >= 300:
            report("doccano: create project", False, f"HTTP {status}: {str(project)[:300]}")
            return
        pid = project["id"]
        status, upload_id = http("POST", f"{base}/v1/fp/process/", token=token, accept="*/*",
                                 files={"filepond": (path.name, path.read_bytes())})
        if status >= 300:
            report("doccano: upload", False, f"HTTP {status}: {str(upload_id)[:300]}")
            return
        status, task = http("POST", f"{base}/v1/projects/{pid}/upload", token=token, body={
            "uploadIds": [str(upload_id).strip()], "format": "JSONL", "task": "SequenceLabeling",
            "column_data": "text", "column_label": "label",
        })
        if status >= 300:
            report("doccano: import", False, f"HTTP {status}: {str(task)[:300]}")
            return
        t0 = time.monotonic()
        result: Any = None
        while time.monotonic() - t0 < 300:
            _, st = http("GET", f"{base}/v1/tasks/status/{task['task_id']}", token=token)
            if isinstance(st, dict) and st.get("ready"):
                result = st.get("result")
                break
            time.sleep(1)
        errors = (result or {}).get("error") if isinstance(result, dict) else result
        _, examples = http("GET", f"{base}/v1/projects/{pid}/examples?limit=1000", token=token)
        got_examples = examples.get("count") if isinstance(examples, dict) else None
        got_spans = 0
        for ex in (examples.get("results", []) if isinstance(examples, dict) else []):
            _, spans = http("GET", f"{base}/v1/projects/{pid}/examples/{ex['id']}/spans", token=token)
            got_spans += len(spans) if isinstance(spans, list) else 0
        ok = result is not None and not errors and (got_examples, got_spans) == (want_examples, want_spans)
        report("doccano: import our doccano export", ok,
               f"file has {want_examples} records / {want_spans} spans, doccano holds {got_examples} examples / "
               f"{got_spans} spans; import errors: {json.dumps(errors)[:300] if errors else 'none'}"
               + ("" if result is not None else " (the import task did not finish in 300 s)"))
    except (RuntimeError, OSError, StopIteration) as e:
        report("doccano", False, str(e)[:500])
    finally:
        for p in procs:
            stop(p)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(CHECKS), help=f"comma-separated: {', '.join(CHECKS)}")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "annotator-interop",
                    help="where the peers' virtual environments live (outside the repository)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (exports, server logs)")
    args = ap.parse_args(argv)
    only = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = set(only) - set(CHECKS)
    if unknown:
        ap.error(f"unknown checks: {', '.join(sorted(unknown))}")
    args.cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="annotator-interop-"))
    t0 = time.monotonic()
    try:
        paths = build_project(work)
        runs: dict[str, Callable[[], None]] = {
            "prodigy": lambda: check_prodigy(paths["jsonl"]),
            "brat": lambda: check_brat(paths["brat"]),
            "spacy": lambda: check_spacy(paths["spacy-alice"], work),
            "labelstudio": lambda: check_labelstudio(paths["labelstudio"], args.cache, work),
            "doccano": lambda: check_doccano(paths["doccano"], args.cache, work),
        }
        for name in only:
            try:
                runs[name]()
            except KeyError as e:
                report(name, False, f"no {e} export to check")
    finally:
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    failed = sum(1 for _, ok, _ in results if not ok)
    print(f"interop: {len(results) - failed} passed, {failed} failed in {time.monotonic() - t0:.0f} s")
    return failed


if __name__ == "__main__":
    sys.exit(main())
