"""The annotation guidelines of a dataset: the Markdown file named by
``annotator dataset set NAME --guidelines FILE.md``, or else the scheme's label descriptions,
with a version (file name and content hash) stored on every decision made under them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from annotator.models import Dataset, Scheme


@dataclass(frozen=True)
class Guidelines:
    """The text annotators read and the version decisions record."""

    text: str
    version: str
    source: str
    problem: str = ""  # why the named file is not what is shown ("" when it is)


def scheme_markdown(scheme: Scheme) -> str:
    """The scheme's labels and their descriptions as Markdown (when there is no file)."""
    out = [f"# {scheme.name} scheme", "", scheme.description, ""]
    for layer in ("entities", "claims"):
        labels = scheme.labels(layer)
        if not labels:
            continue
        out += [f"## {layer.capitalize()}", ""]
        out += [f"- **{lab.name}** (key {lab.hotkey}): {lab.description or '(no description)'}" for lab in labels]
        out.append("")
    if scheme.relations:
        out += ["## Relations", ""]
        out += [f"- **{r.name}**: {r.head} \u2192 {r.child}. {r.description}" for r in scheme.relations]
    return "\n".join(out).strip() + "\n"


def load_guidelines(dataset: Dataset, scheme: Scheme) -> Guidelines:
    """The dataset's guidelines file, or the scheme's descriptions if it names none or the
    file cannot be read (then the text says so)."""
    named = dataset.meta.get("guidelines") if dataset.meta else None
    if named:
        path = Path(str(named))
        try:
            raw = path.read_bytes()
        except OSError as e:
            problem = f"the guidelines file {path} cannot be read ({e.strerror})"
            text = f"> {problem[0].upper()}{problem[1:]}.\n\n" + scheme_markdown(scheme)
            return Guidelines(text, _version(f"scheme:{scheme.name}", text.encode()), str(path), problem)
        text = raw.decode("utf-8", errors="replace")
        return Guidelines(text, _version(path.name, raw), str(path))
    text = scheme_markdown(scheme)
    return Guidelines(text, _version(f"scheme:{scheme.name}", text.encode()), f"scheme {scheme.name}")


def _version(name: str, content: bytes) -> str:
    """``name@`` and the first 12 hex digits of the content's SHA-256."""
    return f"{name}@{hashlib.sha256(content).hexdigest()[:12]}"
