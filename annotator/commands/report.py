"""`annotator report --dataset NAME`: the lead's report (progress, agreement per pair and
label, annotator quality, review order, suggestion acceptance, agreement trend) as tables,
Markdown or JSON (:mod:`annotator.reporting` builds it)."""

from __future__ import annotations

import json
from typing import Any

import click

from annotator.cli import db_option

Row = list[str]
Section = tuple[str, list[str], list[Row]]


def _f(x: Any, digits: int = 3) -> str:
    """A number for a table cell ('-' for None)."""
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def report_sections(report: dict[str, Any]) -> list[Section]:
    """The report as titled tables, for the terminal and for Markdown."""
    prog = report["progress"]
    sections: list[Section] = [(
        f"{report['dataset']}: {report['units_decided']} of {report['units']} units decided "
        f"(overlap {report['overlap']})",
        ["progress", "value"],
        [["decisions", _f(prog["decisions"])], ["remaining decisions", _f(prog["remaining_decisions"])],
         ["seconds per unit (median)", _f(prog["seconds_per_unit"], 1)],
         ["labelling hours left", _f(prog["labelling_hours_left"], 1)],
         ["decisions per active day (last 7)", _f(prog["decisions_per_active_day"], 1)],
         ["days left at that pace", _f(prog["days_left"], 1)]],
    )]
    ans = report["answers"]
    sections.append(("Answers (accept / reject)", ["figure", "value"],
                     [["units answered by 2 or more", _f(ans["units"])],
                      ["percent agreement", _f(ans["percent_agreement"])], ["Krippendorff's alpha", _f(ans["alpha"])],
                      ["Gwet's AC1", _f(ans["ac1"])]]))
    days = sorted(prog["per_day"])[-7:]
    sections.append(("Decisions per annotator per day (last 7 active days)",
                     ["annotator", *days, "done / total", "s/unit"],
                     [[name, *(_f(a["per_day"].get(d, 0)) for d in days), f"{a['done']} / {a['total']}",
                       _f(a["seconds_per_unit"], 1)] for name, a in prog["annotators"].items()]))
    for layer in report["layers"]:
        agr = report["agreement"][layer]
        sections.append((f"Agreement, {layer}: token alpha {_f(agr['token_alpha'])}, AC1 {_f(agr['token_ac1'])}, "
                         f"span F1 {_f(agr['span_f1_exact'])} exact / {_f(agr['span_f1_overlap'])} overlap, "
                         f"alpha_u {_f(agr['alpha_u'])}",
                         ["label", "token alpha", "AC1", "F1 exact", *(["F1 vs others"] if agr["consensus"] else [])],
                         [[lbl, _f(f["token_alpha"]), _f(f["ac1"]), _f(f["f1_exact"]),
                           *([_f(f["f1_vs_others"])] if agr["consensus"] else [])]
                          for lbl, f in agr["per_label"].items()]))
        labels = sorted({lbl for per in agr["pair_label_f1"].values() for lbl in per})
        sections.append((f"Span F1 (exact) per annotator pair and label, {layer}", ["pair", "token alpha", *labels],
                         [[key.replace("|", " / "), _f(agr["pair_token_alpha"].get(key)),
                           *(_f(per.get(lbl)) for lbl in labels)] for key, per in agr["pair_label_f1"].items()]))
        q = report["quality"][layer]
        if "competence" in q:
            labels = sorted({lbl for per in q["per_label"].values() for lbl in per})
            sections.append((f"Annotator quality, {layer} (Dawid-Skene from the overlap; per label recall / "
                             "precision)", ["annotator", "competence", *labels],
                             [[name, _f(c), *(f"{_f(q['per_label'].get(name, {}).get(lbl, {}).get('recall'), 2)} / "
                                              f"{_f(q['per_label'].get(name, {}).get(lbl, {}).get('precision'), 2)}"
                                              for lbl in labels)]
                              for name, c in sorted(q["competence"].items(), key=lambda kv: -kv[1])]))
        if q["gold"]:
            sections.append((f"Against gold, {layer}", ["annotator", "units", "precision", "recall", "F1"],
                             [[name, _f(g["units"]), _f(g["(all)"]["precision"]), _f(g["(all)"]["recall"]),
                               _f(g["(all)"]["f1"])] for name, g in q["gold"].items()]))
        trend = report["trend"][layer]
        if trend:
            sections.append((f"Agreement trend, {layer} (batches in the order first decided)",
                             ["batch", "units", "from", "to", "token alpha"],
                             [[_f(b["batch"]), _f(b["units"]), b["from"], b["to"], _f(b["token_alpha"])]
                              for b in trend]))
    sections.append(("Review first (most contested)", ["unit", "document", "contested", "text", "why"],
                     [[_f(r["unit_id"]), _short(r["document"], 24), _f(r["contested"]), _short(r["text"], 50),
                       "; ".join(r["why"][:2])] for r in report["review"]]))
    sug = report["suggestions"]
    rows = [[name, lbl, _f(c["spans"]), _f(c["accepted"]), _f(c["changed"]), _f(c["deleted"]),
             _f(c["accepted_share"])] for name, per in sug["per_suggester"].items() for lbl, c in per.items()]
    secs = sug["seconds_per_unit"]
    sections.append((f"Suggestions: seconds per unit as suggested {_f(secs['as_suggested'], 1)}, edited "
                     f"{_f(secs['edited'], 1)}, without suggestions {_f(secs['without_suggestions'], 1)}",
                     ["suggester", "label", "spans", "accepted", "changed", "deleted", "accepted share"],
                     rows or [["(no suggestions on decided units)", "", "", "", "", "", ""]]))
    return sections


@click.command()
@db_option
@click.option("--dataset", required=True, metavar="NAME", help="The dataset to report on.")
@click.option("--review", "review_limit", default=15, show_default=True, type=click.IntRange(0),
              help="How many units to list in the review order.")
@click.option("--batches", default=5, show_default=True, type=click.IntRange(1),
              help="Batches of units for the agreement trend.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Markdown tables.")
def report(db_path: str, dataset: str, review_limit: int, batches: int, as_json: bool, as_markdown: bool) -> None:
    """A lead's report on a dataset: progress, agreement per pair and label, annotator quality,
    review order, suggestion acceptance and the agreement trend."""
    from annotator.commands.agree import _print_sections, render_markdown
    from annotator.reporting import build_report
    from annotator.store import open_store

    if as_json and as_markdown:
        raise click.UsageError("choose --json or --markdown, not both")
    store = open_store(db_path, create=False)
    try:
        got = build_report(store, dataset, review=review_limit, batches=batches)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(got, indent=2))
        return
    sections = report_sections(got)
    if as_markdown:
        click.echo(render_markdown(sections, []))
        return
    _print_sections(sections, [])
