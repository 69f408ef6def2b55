"""`annotator agree`: agreement between annotators, from the database or from CSV files.

- ``--dataset NAME [--layer entities|claims]``: a report of the dataset's annotations
  (tables, an annotator x annotator heatmap, per-label bars), or ``--json``/``--markdown``.
- ``--table FILE.csv`` (columns unit,annotator,value): percent agreement, Fleiss' kappa,
  Cohen's kappa (mean and per pair), Scott's pi, Krippendorff's alpha at four levels.
- ``--units FILE.csv`` (columns document,annotator,label,start,end; end exclusive):
  unitizing alpha (overall, per label) and pairwise span F1 (exact, overlap).
"""

from __future__ import annotations

import json
from typing import Any

import click

from annotator.cli import db_option

Row = list[str]
Section = tuple[str, list[str], list[Row]]


def _fmt(x: Any, digits: int = 3) -> str:
    """A number for a table cell ('-' for None)."""
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


UNDEFINED = "undefined (no variation)"


def _value(fig: dict[str, Any] | None) -> str:
    """A figure's value for a table cell: "undefined (no variation)" where every value was the
    same, '-' where nothing could be measured."""
    if fig and fig.get("value") is None and fig.get("undefined") == "no variation":
        return UNDEFINED
    return _fmt(fig.get("value") if fig else None)


def _bar(value: float | None, width: int = 20) -> str:
    """A text bar for a value in [-1, 1] (negative values show as empty)."""
    if value is None:
        return ""
    filled = max(0, min(width, round(value * width)))
    return "█" * filled + "·" * (width - filled)


@click.command()
@db_option
@click.option("--dataset", default=None, metavar="NAME", help="Agreement on a dataset's annotations.")
@click.option("--layer", type=click.Choice(["entities", "claims"]), default="entities", show_default=True,
              help="Which span layer (with --dataset).")
@click.option("--labels", default=None, metavar="A,B,...",
              help="Only these labels (with --dataset); tokens under other spans count as O.")
@click.option("--table", "table_path", default=None, metavar="FILE.csv",
              help="Reliability data with columns unit,annotator,value ('-' for stdin).")
@click.option("--units", "units_path", default=None, metavar="FILE.csv",
              help="Spans with columns document,annotator,label,start,end ('-' for stdin).")
@click.option("--continuum", default=None, metavar="BEGIN:END",
              help="Positions every document runs over (with --units; default 0 to its largest end).")
@click.option("--min-units", default=20, show_default=True, type=click.IntRange(1),
              help="Warn when a figure rests on fewer pairable units than this.")
@click.option("--gamma", "with_gamma", is_flag=True,
              help="Also Mathet et al.'s gamma for spans, overall and per label (with --dataset or --units; "
                   "needs the optional extra: pip install 'annotator[gamma]'; slow).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Markdown tables (with --dataset).")
def agree(db_path: str, dataset: str | None, layer: str, labels: str | None, table_path: str | None, units_path: str | None,
          continuum: str | None, min_units: int, with_gamma: bool, as_json: bool, as_markdown: bool) -> None:
    """Measure agreement between annotators (from a dataset, or any reliability data in CSV)."""
    chosen = [x for x in (dataset, table_path, units_path) if x is not None]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --dataset, --table, --units")
    if labels is not None and dataset is None:
        raise click.UsageError("--labels goes with --dataset")
    if continuum is not None and units_path is None:
        raise click.UsageError("--continuum goes with --units")
    if as_json and as_markdown:
        raise click.UsageError("choose --json or --markdown, not both")
    if with_gamma and table_path is not None:
        raise click.UsageError("--gamma goes with --dataset or --units (spans)")
    if with_gamma:
        from annotator.agreement.gamma import MISSING, gamma_available

        if not gamma_available():
            raise click.ClickException(MISSING)
    if table_path is not None:
        _agree_table(table_path, min_units, as_json)
    elif units_path is not None:
        _agree_units(units_path, continuum, min_units, as_json, with_gamma)
    else:
        assert dataset is not None
        label_set = [x.strip() for x in labels.split(",") if x.strip()] if labels else None
        _agree_dataset(db_path, dataset, layer, min_units, as_json, as_markdown, label_set, with_gamma)


# ---------------------------------------------------------------- --table
def _agree_table(path: str, min_units: int, as_json: bool) -> None:
    """Categorical measures of a unit,annotator,value CSV."""
    from annotator.agreement.csv_input import read_table
    from annotator.agreement.report import table_report

    rel = read_table(path)
    report = table_report(rel, min_units)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    details = report["details"]
    rows: list[Row] = [
        ["percent_agreement", _fmt(report["percent_agreement"])],
        ["fleiss_kappa", _value(details["fleiss_kappa"])],
        ["cohen_kappa (mean over pairs)", _fmt(report["cohen_kappa"]["mean"])],
        ["scott_pi", _value(details["scott_pi"])],
        ["gwet_ac1", _value(details["gwet_ac1"])],
    ]
    rows += [[f"gwet_ac2 {kind} weights", _value(f)] for kind, f in details["gwet_ac2"].items()]
    rows += [[f"krippendorff_alpha {lvl}", _value(details["krippendorff_alpha"].get(lvl)) if v is not None else "-"]
             for lvl, v in report["krippendorff_alpha"].items()]
    sections: list[Section] = [
        (f"{path}: {report['units']} units ({report['pairable_units']} pairable), "
         f"{len(report['annotators'])} annotators", ["measure", "value"], rows),
    ]
    pairs = report["details"]["pairs"]
    if pairs:
        sections.append(("Coder pairs", ["pair", "units", "agreement", "cohen_kappa", "scott_pi"], [
            [k, str(p["cohen_kappa"]["n_units"]), _fmt(p["percent_agreement"]["value"]),
             _fmt(p["cohen_kappa"]["value"]), _fmt(p["scott_pi"]["value"])] for k, p in pairs.items()
        ]))
    _print_sections(sections, report["warnings"])


# ---------------------------------------------------------------- --units
def _agree_units(path: str, continuum: str | None, min_units: int, as_json: bool, with_gamma: bool = False) -> None:
    """Unitizing alpha and span F1 of a document,annotator,label,start,end CSV."""
    from annotator.agreement.csv_input import parse_continuum, read_units
    from annotator.agreement.report import units_report

    try:
        cont = parse_continuum(continuum) if continuum is not None else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--continuum") from None
    segments, continua = read_units(path, cont)
    report = units_report(segments, continua, min_units)
    if with_gamma:
        from annotator.agreement.gamma import span_gamma

        report["gamma"] = span_gamma(segments, continua)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    ua = report["unitizing_alpha"]
    f1 = report["pairwise_f1"]
    labels = sorted(set(ua["per_label"]) | set(f1["per_label"]))
    consensus = f1["consensus"]  # None with two annotators
    rows = [["(all)", _fmt(ua["overall"]), _fmt(f1["exact"]), _fmt(f1["overlap"]),
             *([_value(consensus["exact"])] if consensus else [])]]
    rows += [[lbl, _fmt(ua["per_label"].get(lbl)), _fmt(f1["per_label"].get(lbl, {}).get("exact")),
              _fmt(f1["per_label"].get(lbl, {}).get("overlap")),
              *([_value(consensus["per_label"].get(lbl))] if consensus else [])]
             for lbl in labels]
    sections: list[Section] = [(
        f"{path}: {report['spans']} spans, {report['documents']} documents, "
        f"{len(report['annotators'])} annotators",
        ["label", "unitizing_alpha", "f1 exact", "f1 overlap", *(["f1 vs others"] if consensus else [])], rows,
    )]
    if f1["pairs"]:
        sections.append(("Annotator pairs (span F1)", ["pair", "exact", "overlap"],
                         [[k, _fmt(p["exact"]), _fmt(p["overlap"])] for k, p in f1["pairs"].items()]))
    if "gamma" in report:
        sections.append(gamma_section(report["gamma"]))
    _print_sections(sections, report["warnings"])


def gamma_section(gamma: dict[str, Any]) -> Section:
    """gamma overall, gamma_cat and per label as a table."""
    rows = [["(all)", _fmt(gamma["gamma"])], ["gamma_cat", _fmt(gamma["gamma_cat"])]]
    rows += [[lbl, _fmt(v)] for lbl, v in gamma["per_label"].items()]
    return (f"gamma (Mathet et al. 2015): {gamma['units']} spans, {len(gamma['annotators'])} annotators",
            ["label", "gamma"], rows)


# ---------------------------------------------------------------- --dataset
def _agree_dataset(db_path: str, dataset: str, layer: str, min_units: int, as_json: bool,
                   as_markdown: bool, labels: list[str] | None = None, with_gamma: bool = False) -> None:
    """The report for a dataset in the database."""
    from annotator.dataset_agreement import dataset_agreement, dataset_gamma
    from annotator.store import open_store

    store = open_store(db_path, create=False)
    report = dataset_agreement(store, dataset, layer, min_units, labels)
    if with_gamma:
        report["gamma"] = dataset_gamma(store, dataset, layer, labels)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    if len(report["annotators"]) < 2:
        click.echo(f"{dataset}: {len(report['annotators'])} annotator(s) so far; agreement needs two or more "
                   "annotators on the same units (set `annotator dataset set NAME --overlap K`).")
        return
    sections = dataset_sections(report)
    if "gamma" in report:
        sections.append(gamma_section(report["gamma"]))
    if as_markdown:
        click.echo(render_markdown(sections, report["warnings"]))
        return
    _print_sections(sections, report["warnings"], heatmap=_heatmap_matrix(report))


def dataset_sections(report: dict[str, Any]) -> list[Section]:
    """The tables of a dataset report, shared by the terminal and Markdown output."""
    tok = report["tokens"]
    spans = report["spans"]
    uni = report["unitizing"] or {"overall": {}, "per_label": {}}
    ans = report["answers"]
    summary: list[Row] = [
        ["answers (accept/reject) alpha", _value(ans["krippendorff_alpha"]),
         _fmt(ans["krippendorff_alpha"] and ans["krippendorff_alpha"]["n_units"]), "units"],
        ["answers Gwet's AC1", _value(ans.get("gwet_ac1")), _fmt(ans["gwet_ac1"] and ans["gwet_ac1"]["n_units"]),
         "units"],
        ["token alpha (O included)", _value(tok["alpha"]), _fmt(tok["alpha"]["n_units"]), "tokens"],
        ["token percent agreement", _fmt(tok["percent_agreement"]["value"]),
         _fmt(tok["percent_agreement"]["n_units"]), "tokens"],
        ["token Gwet's AC1", _value(tok["gwet_ac1"]), _fmt(tok["gwet_ac1"]["n_units"]), "tokens"],
        ["span F1 exact (mean of pairs)", _fmt(spans["exact"]), _fmt(report["units_shared"]), "units"],
        ["span F1 overlap (mean of pairs)", _fmt(spans["overlap"]), _fmt(report["units_shared"]), "units"],
        ["unitizing alpha_u (characters)", _fmt(uni["overall"].get("value")), _fmt(uni.get("units", 0)), "units"],
    ]
    consensus = spans["consensus"]  # None unless some unit has three or more annotators
    if consensus:
        summary.insert(-1, ["span F1 exact, each against half the others", _value(consensus["exact"]),
                            _fmt(consensus["exact"]["n_units"]), "units"])
    title = (f"{report['dataset']} / {report['layer']}: {len(report['annotators'])} annotators, "
             f"{report['units_shared']} units with two or more versions (of {report['units_annotated']})")
    sections: list[Section] = [(title, ["measure", "value", "rests on", ""], summary)]
    labels = sorted(set(tok["per_label"]) | set(spans["per_label"]) | set(uni.get("per_label", {})))
    if labels:
        rows = []
        for lbl in labels:
            a = tok["per_label"].get(lbl, {})
            rows.append([lbl, _value(a), _bar(a.get("value")), _value(tok["gwet_ac1_per_label"].get(lbl)),
                         _fmt(a.get("n_units")),
                         _fmt(spans["per_label"].get(lbl, {}).get("exact")),
                         _fmt(spans["per_label"].get(lbl, {}).get("overlap")),
                         *([_value(consensus["per_label"].get(lbl))] if consensus else []),
                         _fmt(uni.get("per_label", {}).get(lbl, {}).get("value"))])
        sections.append(("Per label", ["label", "token alpha", "", "AC1", "tokens", "F1 exact", "F1 overlap",
                                       *(["F1 vs others"] if consensus else []), "alpha_u"],
                         rows))
    pair_rows = []
    for key, fig in tok["pairs"].items():
        sp = spans["pairs"].get(key, {})
        pair_rows.append([key.replace("|", " / "), _value(fig), _fmt(fig["n_units"]),
                          _fmt(sp.get("exact", {}).get("value")), _fmt(sp.get("overlap", {}).get("value")),
                          _fmt((uni.get("pairs") or {}).get(key, {}).get("value"))])
    if pair_rows:
        sections.append(("Annotator pairs", ["pair", "token alpha", "tokens", "F1 exact", "F1 overlap", "alpha_u"],
                         pair_rows))
    docs = tok["per_document"]
    if docs:
        sections.append(("Per document", ["document", "token alpha", "tokens"],
                         [[d, _value(f), _fmt(f["n_units"])] for d, f in docs.items()]))
    return sections


def _heatmap_matrix(report: dict[str, Any]) -> tuple[list[str], dict[tuple[str, str], float | None]]:
    """Annotator names and token alpha for each pair (both orders)."""
    names = report["annotators"]
    cells: dict[tuple[str, str], float | None] = {}
    for key, fig in report["tokens"]["pairs"].items():
        a, b = key.split("|")
        cells[(a, b)] = cells[(b, a)] = fig["value"]
    return names, cells


# ---------------------------------------------------------------- output
def render_markdown(sections: list[Section], warnings: list[str]) -> str:
    """Sections as Markdown tables."""
    out: list[str] = []
    for title, headers, rows in sections:
        out.append(f"### {title}\n")
        out.append("| " + " | ".join(h or " " for h in headers) + " |")
        out.append("|" + "|".join("---" for _ in headers) + "|")
        for r in rows:
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
        out.append("")
    if warnings:
        out.append("### Warnings\n")
        out.extend(f"- {w}" for w in warnings)
    return "\n".join(out)


def condense_warnings(warnings: list[str]) -> list[str]:
    """Warnings for the terminal: pair-level ones folded into one line."""
    pair_level = [w for w in warnings if ".pairs." in w or w.startswith("pairs.") or ".pairs:" in w]
    by_message: dict[str, list[str]] = {}
    for w in warnings:
        if w in pair_level:
            continue
        where, _, message = w.partition(": ")
        by_message.setdefault(message, []).append(where)
    out = [f"{', '.join(wheres)}: {message}" for message, wheres in by_message.items()]
    if pair_level:
        out.append(f"{len(pair_level)} annotator-pair figures rest on few units (see --json)")
    return out


def _heat_style(value: float | None) -> str:
    """Background colour of a heatmap cell: red (low) to green (high)."""
    if value is None:
        return "dim"
    v = max(0.0, min(1.0, value))
    red = int(200 * (1 - v))
    green = int(60 + 140 * v)
    return f"black on rgb({red},{green},60)"


def _print_sections(sections: list[Section], warnings: list[str],
                    heatmap: tuple[list[str], dict[tuple[str, str], float | None]] | None = None) -> None:
    """Print sections as rich tables (and the heatmap) to the terminal."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    console = Console()
    for title, headers, rows in sections:
        t = Table(title=escape(title), title_justify="left")
        for h in headers:
            t.add_column(escape(h))
        for r in rows:
            t.add_row(*(escape(c) for c in r))
        console.print(t)
    if heatmap is not None:
        names, cells = heatmap
        t = Table(title="Heatmap: token alpha", title_justify="left")
        t.add_column("")
        for n in names:
            t.add_column(escape(n), justify="center")
        for a in names:
            row: list[Any] = [escape(a)]
            for b in names:
                if a == b:
                    row.append(Text("1.000", style="dim"))
                else:
                    v = cells.get((a, b))
                    row.append(Text(_fmt(v), style=_heat_style(v)))
            t.add_row(*row)
        console.print(t)
    if warnings:
        console.print("[bold yellow]Warnings[/]")
        for w in condense_warnings(warnings):
            console.print(f"  [yellow]![/] {escape(w)}")

