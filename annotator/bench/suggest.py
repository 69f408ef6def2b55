"""Suggester throughput: sentences per second through every rule suggester and the merge.

Budget (DESIGN.md): import + suggest >= 5,000 sentences/s on a 2-core machine, so the rule
suggesters alone must be well above that. Units are generated news-like sentences (each a
fresh object and a distinct text, so no cache flatters the figure) or given by the caller.
Run directly::

    .venv/bin/python -m annotator.bench.suggest 20000
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from typing import Any

from annotator.models import Unit

_TEMPLATES = [
    "{P}, the {T} of {G}, said on {D} that {N} {NORP} troops had crossed into {G2}.",
    "{NORP} President {P} told reporters in {G} that the talks with {O} would resume in {M}.",
    "\u201cWe will not accept this,\u201d {P} said in a statement, according to {O}.",
    "About {N} people were evacuated from {G} after the storm, the {O} said.",
    "The {O} ({A}) said prices rose {N}% in {M}, the fastest pace since {Y}.",
    "Shares of {O} fell {N} percent to ${N} on {D} as investors in {G} worried about demand.",
    "{G}'s {O} warned that {N} {NORP} soldiers were already in {G2} and likely to head to the front.",
    "Vice Foreign Minister {P} expressed concern over the deployment, the ministry said.",
    "In {Y}, {P} and {P2} signed an accord in {G} that critics said broke the law.",
    "Officials said the summit in {G} was cancelled after {P} refused to attend.",
]
_FILL = {
    "P": ["Kim Jong Un", "Vladimir Putin", "Olaf Scholz", "Emmanuel Macron", "Joe Biden", "Kim Hong-kyun", "Sergei Lavrov"],
    "P2": ["Xi Jinping", "Narendra Modi", "Fumio Kishida", "Georgy Zinoviev"],
    "T": ["head", "spokesman", "chairman", "minister"],
    "G": ["Seoul", "Moscow", "Berlin", "Paris", "Tokyo", "Washington", "Kyiv", "Beijing"],
    "G2": ["Russia", "Ukraine", "North Korea", "France", "Germany", "Japan"],
    "D": ["Monday", "Friday", "Tuesday", "March 16, 2024", "Oct. 8"],
    "N": ["1,500", "12", "3.5", "10,000", "250"],
    "NORP": ["North Korean", "Russian", "Ukrainian", "German", "Chinese"],
    "O": ["National Intelligence Service", "Defence Ministry", "Federal Reserve", "Security Council", "Samsung Electronics"],
    "A": ["NIS", "MOD", "FED", "UNSC"],
    "M": ["June", "October", "December"],
    "Y": ["2019", "2022", "1998"],
}


def generate_units(n: int, seed: int = 7) -> list[Unit]:
    """``n`` news-like sentences as units (ids 1..n, ten per document)."""
    rnd = random.Random(seed)
    out: list[Unit] = []
    for k in range(n):
        template = rnd.choice(_TEMPLATES)
        text = template.format(**{key: rnd.choice(vals) for key, vals in _FILL.items()})
        text = f"{text} ({k})" if k % 3 == 0 else text
        out.append(Unit(id=k + 1, document_id=k // 10 + 1, dataset="bench", position=k % 10,
                        text=text, start=0, end=len(text)))
    return out


def bench_suggest(units: Sequence[Unit] | None = None, n: int = 20000, scheme: str = "news",
                  batch: int = 512, merge: bool = True) -> dict[str, Any]:
    """Time every rule suggester (and the merge) over ``units``: sentences/s overall (wall
    clock and CPU time, which is steadier on a shared machine), without the merge (what the
    import runs), and per suggester."""
    from annotator.schemes import load_scheme
    from annotator.suggest import build_suggesters
    from annotator.suggest import merge as merge_fn
    from annotator.suggest.lexicon import places

    units = list(units) if units is not None else generate_units(n)
    suggesters = build_suggesters(load_scheme(scheme))
    places()  # the place list loads once per process; not part of the per-sentence cost
    per: dict[str, float] = {s.name: 0.0 for s in suggesters}
    spans = 0
    merge_s = 0.0
    started = time.perf_counter()
    cpu_started = time.process_time()
    for k in range(0, len(units), batch):
        chunk = units[k : k + batch]
        results = []
        for s in suggesters:
            t = time.perf_counter()
            results.append(s.suggest(chunk))
            per[s.name] += time.perf_counter() - t
        if merge:
            t = time.perf_counter()
            for i in range(len(chunk)):
                spans += len(merge_fn([r[i] for r in results]).spans)
            merge_s += time.perf_counter() - t
        else:
            spans += sum(len(r[i].spans) for r in results for i in range(len(chunk)))
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    count = len(units)
    suggest_s = sum(per.values())
    return {
        "sentences": count,
        "seconds": round(total, 3),
        "sentences_per_s": round(count / total, 1) if total else 0.0,
        "cpu_sentences_per_s": round(count / cpu, 1) if cpu else 0.0,
        "suggest_only_sentences_per_s": round(count / suggest_s, 1) if suggest_s else 0.0,
        "merge_sentences_per_s": round(count / merge_s, 1) if merge_s else 0.0,
        "per_suggester_sentences_per_s": {k: round(count / v, 1) if v else 0.0 for k, v in per.items()},
        "spans": spans,
        "budget_sentences_per_s": 5000,
    }


def main() -> None:
    """Command-line entry: print the throughput figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=20000)
    args = parser.parse_args()
    import json

    print(json.dumps(bench_suggest(n=args.n), indent=2))


if __name__ == "__main__":
    main()
