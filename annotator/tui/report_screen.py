"""The lead's screen (palette: "report"): progress over time, agreement per annotator pair and
label as a heatmap, annotator quality, the review order and acceptance per suggester.

The report is built in a worker thread on a connection of its own
(:func:`annotator.reporting.build_report`); the screen draws what the worker posts. Plots
come from plotext through textual-plotext; the pair x label heatmap is a table of coloured
cells. Readable at 80 x 24: one column of sections that scrolls.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual_plotext import PlotextPlot


def _f(x: Any, digits: int = 3) -> str:
    return "-" if x is None else (f"{x:.{digits}f}" if isinstance(x, float) else str(x))


def _heat(value: float | None) -> str:
    """Cell colour: red (low) to green (high); dim for no figure."""
    if value is None:
        return "dim"
    v = max(0.0, min(1.0, value))
    return f"black on rgb({int(200 * (1 - v))},{int(60 + 140 * v)},60)"


def pair_label_heatmap(agreement: dict[str, Any]) -> Table:
    """Span F1 (exact) per annotator pair (rows) and label (columns), coloured."""
    per_pair = agreement["pair_label_f1"]
    labels = sorted({lbl for per in per_pair.values() for lbl in per})
    table = Table(box=None, pad_edge=False, expand=False, header_style="bold")
    table.add_column("pair", no_wrap=True)
    for lbl in labels:
        table.add_column(escape(lbl[:6]), justify="center", no_wrap=True)
    for key, per in per_pair.items():
        table.add_row(escape(key.replace("|", "/")), *(Text(_f(per.get(lbl), 2), style=_heat(per.get(lbl)))
                                                      for lbl in labels))
    return table


def quality_table(quality: dict[str, Any]) -> Table:
    """Competence per annotator (Dawid–Skene), best first, and F1 against gold where any."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("annotator", no_wrap=True)
    table.add_column("competence", justify="right")
    table.add_column("gold F1", justify="right")
    gold = quality.get("gold", {})
    for name, c in sorted(quality.get("competence", {}).items(), key=lambda kv: -kv[1]):
        table.add_row(escape(name), _f(c), _f(gold.get(name, {}).get("(all)", {}).get("f1")))
    return table


def review_table(review: list[dict[str, Any]], limit: int = 8) -> Table:
    """The units to adjudicate first, with the first reason."""
    table = Table(box=None, pad_edge=False, header_style="bold", expand=True)
    table.add_column("unit", justify="right", no_wrap=True)
    table.add_column("contested", justify="right", no_wrap=True)
    table.add_column("why", ratio=1, no_wrap=True, overflow="ellipsis")
    for r in review[:limit]:
        table.add_row(_f(r["unit_id"]), _f(r["contested"], 2), escape(r["why"][0] if r["why"] else r["text"]))
    return table


class ReportScreen(Screen[None]):
    """The lead's report on one dataset."""

    BINDINGS = [Binding("escape,q", "close", "Close", id="report-close")]
    DEFAULT_CSS = """
    ReportScreen VerticalScroll { padding: 0 1; }
    ReportScreen .title { text-style: bold; color: $accent; margin-top: 1; }
    ReportScreen PlotextPlot { height: 9; }
    ReportScreen #summary { height: auto; }
    """

    class Built(Message):
        """The worker's report (or the error that stopped it)."""

        def __init__(self, report: dict[str, Any] | None, error: str | None = None) -> None:
            super().__init__()
            self.report = report
            self.error = error

    def __init__(self, db_path: str | None = None, dataset: str | None = None,
                 report: dict[str, Any] | None = None) -> None:
        """Build the report of ``dataset`` in ``db_path``, or show ``report`` as given."""
        super().__init__()
        self.db_path, self.dataset, self.report = db_path, dataset, report

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Building the report …", id="summary")
            yield Static("Decisions per day", classes="title")
            yield PlotextPlot(id="progress")
            yield Static("Span F1 per annotator pair and label", classes="title")
            yield Static(id="heatmap")
            yield Static("Agreement trend (token alpha per batch)", classes="title")
            yield PlotextPlot(id="trend")
            yield Static("Annotator quality", classes="title")
            yield Static(id="quality")
            yield Static("Review first", classes="title")
            yield Static(id="review")
            yield Static("Suggestions: accepted / changed / deleted", classes="title")
            yield PlotextPlot(id="suggestions")
        yield Footer()

    def on_mount(self) -> None:
        if self.report is not None:
            self.show(self.report)
        else:
            self.build()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def build(self) -> None:
        """Build the report on a connection of its own and post it."""
        from annotator.reporting import build_report
        from annotator.store import open_store

        try:
            store = open_store(self.db_path or "annotator.db", create=False)
            try:
                report = build_report(store, self.dataset or "default")
            finally:
                store.close()
        except Exception as e:  # noqa: BLE001 - shown on the screen instead of a crash
            self.post_message(self.Built(None, f"{type(e).__name__}: {e}"))
            return
        self.post_message(self.Built(report))

    @on(Built)
    def _built(self, message: Built) -> None:
        if message.report is None:
            self.query_one("#summary", Static).update(f"[red]The report failed:[/] {escape(message.error or '')}")
            return
        self.show(message.report)

    def show(self, report: dict[str, Any]) -> None:
        """Draw ``report`` (:func:`annotator.reporting.build_report`)."""
        self.report = report
        prog = report["progress"]
        layer = "claims" if "claims" in report["layers"] else report["layers"][0]
        agr = report["agreement"][layer]
        self.query_one("#summary", Static).update(
            f"[b]{escape(report['dataset'])}[/]: {report['units_decided']}/{report['units']} units decided, "
            f"{prog['remaining_decisions']} decisions left"
            + (f", ~{prog['days_left']} days at {prog['decisions_per_active_day']}/day" if prog["days_left"] else "")
            + f"\nanswers (accept / reject): agreement {_f(report['answers']['percent_agreement'])},"
            f" alpha {_f(report['answers']['alpha'])}, AC1 {_f(report['answers']['ac1'])}"
            f"\n{layer}: token alpha {_f(agr['token_alpha'])}, AC1 {_f(agr['token_ac1'])}, "
            f"span F1 {_f(agr['span_f1_exact'])}, alpha_u {_f(agr['alpha_u'])}")
        days = sorted(prog["per_day"])[-10:]
        plot = self.query_one("#progress", PlotextPlot).plt
        plot.clear_figure()
        names = list(prog["annotators"])
        if days and names:
            plot.stacked_bar([d[5:] for d in days],
                             [[prog["annotators"][n]["per_day"].get(d, 0) for d in days] for n in names],
                             labels=names)
        self.query_one("#heatmap", Static).update(pair_label_heatmap(agr))
        trend = report["trend"][layer]
        plot = self.query_one("#trend", PlotextPlot).plt
        plot.clear_figure()
        if trend:
            plot.plot([b["batch"] for b in trend], [b["token_alpha"] or 0.0 for b in trend], marker="dot")
            plot.xticks([b["batch"] for b in trend])
        self.query_one("#quality", Static).update(quality_table(report["quality"][layer]))
        self.query_one("#review", Static).update(review_table(report["review"]))
        plot = self.query_one("#suggestions", PlotextPlot).plt
        plot.clear_figure()
        per = report["suggestions"]["per_suggester"]
        bars = [(f"{s}:{lbl}", c) for s, labels in per.items() for lbl, c in labels.items()][:8]
        if bars:
            plot.stacked_bar([b[0][-12:] for b in bars],
                             [[b[1][k] for b in bars] for k in ("accepted", "changed", "deleted")],
                             labels=["accepted", "changed", "deleted"])
        else:
            plot.title("no suggestions on decided units")
        for widget in self.query(PlotextPlot):
            widget.refresh()

    def action_close(self) -> None:
        self.app.pop_screen()
