"""The review screen: every annotator's version of a unit side by side, coloured by
agreement, and keys that take one version (1..9) or merge and edit into gold.

Colours: a span every accepting annotator marked has a green background (agreed), a span
only some marked has a red one (disputed), and text another annotator marked but this one
did not is underlined in yellow (missing), with the missing spans listed under the version.
The span-rendering widget of the labelling screen colours spans by label, so versions here
are drawn as Rich text instead.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from annotator.agreement.adjudicate import AGREED, Comparison, SpanKey
from annotator.models import Annotation, Span
from annotator.tui.binding_order import KeepBindingOrder
from annotator.tui.widgets.key_footer import KeyFooter
from annotator.tui.review_session import ReviewItem, ReviewSession

AGREED_STYLE = "bold #ffffff on #2e7d32"
DISPUTED_STYLE = "bold #ffffff on #c62828"
MISSING_STYLE = "underline #fbc02d"
TAG_STYLE = "dim italic"


def render_version(text: str, spans: list[Span], comparison: Comparison, annotator: str | None,
                   layer: str) -> Text:
    """``text`` with ``spans`` of ``layer`` coloured by their agreement status, and the spans
    ``annotator`` is missing underlined."""
    own = [s for s in spans if s.layer == layer]
    missing: list[SpanKey] = []
    if annotator is not None:
        missing = [k for k in comparison.missing(annotator) if k[3] == layer]
    cuts = sorted({0, len(text), *(s.start for s in own), *(s.end for s in own),
                   *(k[0] for k in missing), *(k[1] for k in missing)})
    out = Text()
    for a, b in zip(cuts, cuts[1:]):
        covering = [s for s in own if s.start <= a and b <= s.end]
        if covering:
            inner = min(covering, key=lambda s: s.end - s.start)
            style = AGREED_STYLE if comparison.status(inner.key) == AGREED else DISPUTED_STYLE
        elif any(k[0] <= a and b <= k[1] for k in missing):
            style = MISSING_STYLE
        else:
            style = ""
        out.append(text[a:b], style=style)
        for s in own:
            if s.end == b:
                out.append(f" {s.label}", style=TAG_STYLE)
    return out


def legend() -> Text:
    """What the colours of the versions mean."""
    out = Text("colours: ", style="dim")
    out.append(" agreed ", style=AGREED_STYLE)
    out.append(" ")
    out.append(" disputed ", style=DISPUTED_STYLE)
    out.append(" ")
    out.append("missing here", style=MISSING_STYLE)
    out.append("  ")
    out.append("LABEL", style=TAG_STYLE)
    out.append(" = the span's label", style="dim")
    return out


def missing_line(text: str, comparison: Comparison, annotator: str, layer: str) -> Text:
    """One line listing the spans others marked and ``annotator`` did not."""
    keys = [k for k in comparison.missing(annotator) if k[3] == layer]
    line = Text()
    if not keys:
        return line
    line.append("missing: ", style="bold #fbc02d")
    for i, k in enumerate(keys):
        if i:
            line.append("; ")
        who = ",".join(comparison.votes[k])
        line.append(f"“{text[k[0]:k[1]]}” {k[2]} ({who})")
    return line


class MergeScreen(ModalScreen[list[Span] | None]):
    """Merge and edit: tick the candidate spans (all versions' spans) that make the gold."""

    BINDINGS: list[BindingType] = [
        Binding("up,k", "cursor(-1)", "Up", id="merge-up"),
        Binding("down,j", "cursor(1)", "Down", id="merge-down"),
        Binding("space,x", "toggle", "Toggle", id="merge-toggle"),
        Binding("enter", "save", "Save gold", id="merge-save", priority=True),
        Binding("escape", "cancel", "Cancel", id="merge-cancel"),
    ]

    def __init__(self, text: str, candidates: list[Span], chosen: list[Span], votes: dict[SpanKey, list[str]]) -> None:
        super().__init__()
        self.text = text
        self.candidates = candidates
        self.chosen = {s.key for s in chosen}
        self.votes = votes
        self.cursor = 0

    def compose(self) -> ComposeResult:
        """A title, the candidate list and the keys."""
        with Vertical(id="merge-box"):
            yield Static("Merge: space toggles a span, Enter saves as gold, Esc cancels", id="merge-title")
            yield Static(id="merge-list")

    def on_mount(self) -> None:
        """Draw the list."""
        self._draw()

    def _draw(self) -> None:
        """Redraw the candidate list with the cursor."""
        out = Text()
        if not self.candidates:
            out.append("(no spans in any version: Enter saves an empty gold)")
        for i, s in enumerate(self.candidates):
            mark = "[x]" if s.key in self.chosen else "[ ]"
            who = ",".join(self.votes.get(s.key, []))
            style = "reverse" if i == self.cursor else ""
            out.append(f"{mark} {s.layer[:3]} {s.label:<10} “{self.text[s.start:s.end]}”  ({who})\n", style=style)
        self.query_one("#merge-list", Static).update(out)

    def action_cursor(self, delta: int) -> None:
        """Move the cursor."""
        if self.candidates:
            self.cursor = max(0, min(len(self.candidates) - 1, self.cursor + delta))
            self._draw()

    def action_toggle(self) -> None:
        """Include or exclude the span under the cursor."""
        if self.candidates:
            k = self.candidates[self.cursor].key
            self.chosen.symmetric_difference_update({k})
            self._draw()

    def action_save(self) -> None:
        """Return the ticked spans (entity spans must not overlap)."""
        picked = [s for s in self.candidates if s.key in self.chosen]
        ents = sorted((s for s in picked if s.layer == "entities"), key=lambda s: (s.start, s.end))
        for a, b in zip(ents, ents[1:]):
            if b.start < a.end:
                self.notify(f"entity spans overlap: “{escape(self.text[a.start:a.end])}” and "
                            f"“{escape(self.text[b.start:b.end])}”", severity="error")
                return
        self.dismiss(picked)

    def action_cancel(self) -> None:
        """Leave without saving."""
        self.dismiss(None)


class ReviewScreen(KeepBindingOrder, Screen[None]):
    """Adjudicate the units where annotators disagree."""

    BINDINGS: list[BindingType] = [
        *[Binding(str(d), f"take({d - 1})", "Take", id=f"take-{d}", tooltip=f"Take version {d} as gold")
          for d in range(1, 10)],
        Binding("m", "merge", "Merge", id="merge", tooltip="Merge the versions and edit the result"),
        Binding("right,n", "move(1)", "Next", id="next"),
        Binding("left,p", "move(-1)", "Prev", id="previous", tooltip="Previous unit"),
        Binding("backspace,u", "undo", "Undo", id="undo", tooltip="Revert the latest gold you wrote"),
        Binding("c", "toggle_layer", "Layer", id="toggle-layer"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.span_layer: str | None = None
        self.item: ReviewItem | None = None

    def compose(self) -> ComposeResult:
        """Header, the unit, the versions side by side, the gold, the keys."""
        yield Static(id="review-header")
        yield Static(id="review-text")
        with Horizontal(id="versions"):
            for i in range(1, 10):
                yield Static(classes="version", id=f"version-{i}")
        yield Static(id="review-gold")
        yield Static(legend(), id="review-legend")
        yield Static(id="review-status")
        yield KeyFooter(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer "N Take" only for the annotators this unit has."""
        if action == "take" and parameters:
            index = parameters[0]
            return self.item is not None and isinstance(index, int) and index < len(self.item.versions)
        return True

    def say(self, message: str, warning: bool = False) -> None:
        """Show ``message`` on the status line (notifications would cover the gold panel)."""
        self.query_one("#review-status", Static).update(
            Text(message, style="bold yellow" if warning else "italic"))

    def on_mount(self) -> None:
        """Show the first unit without gold."""
        self.refresh_item()

    # ------------------------------------------------------------ drawing
    def refresh_item(self) -> None:
        """Reload the current unit from the session and redraw."""
        self.item = self.session.current()
        self.refresh_bindings()
        if self.item is not None and self.span_layer is None:
            has_entities = any(s.layer == "entities" for v in self.item.versions for s in v.spans)
            self.span_layer = "entities" if has_entities or not any(
                s.layer == "claims" for v in self.item.versions for s in v.spans) else "claims"
        self._draw()

    def _draw(self) -> None:
        """Draw header, versions and gold."""
        header = self.query_one("#review-header", Static)
        panels = [self.query_one(f"#version-{i}", Static) for i in range(1, 10)]
        if self.item is None:
            for panel in panels:
                panel.display = False
            header.update(f"review · {escape(self.session.dataset)} · nothing to review "
                          f"({len(self.session.unanimous)} unanimous units)")
            self.query_one("#review-text", Static).update("No unit has versions that differ.")
            self.query_one("#review-gold", Static).update("")
            return
        item = self.item
        layer = self.span_layer or "entities"
        done = self.session.done()
        header.update(
            f"review · {escape(self.session.dataset)} · unit {self.session.position + 1}/{self.session.total}"
            f" · gold {done}/{self.session.total} · layer {layer} · adjudicator {escape(self.session.adjudicator)}"
        )
        self.query_one("#review-text", Static).update(Text(item.unit.text))
        self.query_one("#versions", Horizontal).set_class(
            len(item.versions) > 3 and self.size.width < 50 * len(item.versions), "-stacked")
        for i, panel in enumerate(panels):
            if i < len(item.versions):
                panel.update(self._version_body(i, item.versions[i], item, layer))
                panel.display = True
            else:
                panel.display = False
        gold = self.query_one("#review-gold", Static)
        if item.gold is None:
            gold.update(Text("gold: none yet — press 1..9 to take a version, m to merge and edit", style="dim"))
        else:
            body = Text(f"gold ({item.gold.answer}, by {item.gold.adjudicator} from "
                        f"{', '.join(item.gold.sources)}): ", style="bold")
            body.append_text(render_version(item.unit.text, item.gold.spans, item.comparison, None, layer))
            gold.update(body)

    def _version_body(self, i: int, version: Annotation, item: ReviewItem, layer: str) -> Text:
        """One annotator's version: title, coloured text, missing spans."""
        n = sum(1 for s in version.spans if s.layer == layer)
        chosen = item.gold is not None and item.gold.sources == [version.annotator]
        title = f"{i + 1} · {version.annotator} · {version.answer} · {n} span{'s' if n != 1 else ''}"
        body = Text(title + ("  ✓ gold" if chosen else ""), style="bold")
        body.append("\n")
        body.append_text(render_version(item.unit.text, version.spans, item.comparison, version.annotator, layer))
        miss = missing_line(item.unit.text, item.comparison, version.annotator, layer)
        if miss.plain:
            body.append("\n")
            body.append_text(miss)
        return body

    # ------------------------------------------------------------ actions
    def action_take(self, index: int) -> None:
        """Make version ``index`` the gold of this unit and go on."""
        if self.item is None:
            return
        if index >= len(self.item.versions):
            self.say(f"there is no version {index + 1}", warning=True)
            return
        gold = self.session.take(index)
        self.say(f"gold from {', '.join(gold.sources)}")
        self.refresh_item()

    def action_merge(self) -> None:
        """Open the merge editor with the majority version ticked."""
        if self.item is None:
            return
        candidates, chosen = self.session.merged()
        votes = self.item.comparison.votes

        def saved(spans: list[Span] | None) -> None:
            if spans is None:
                return
            gold = self.session.save_merge(spans)
            self.say(f"merged gold: {len(gold.spans)} spans")
            self.refresh_item()

        self.app.push_screen(MergeScreen(self.item.unit.text, candidates, chosen, votes), saved)

    def action_move(self, delta: int) -> None:
        """Go to another unit of the queue."""
        self.session.move(delta)
        self.refresh_item()

    def action_undo(self) -> None:
        """Revert the latest gold written here."""
        unit = self.session.undo()
        if unit is None:
            self.say("nothing to undo", warning=True)
        else:
            self.say("gold reverted")
        self.refresh_item()

    def action_toggle_layer(self) -> None:
        """Switch between the entities and the claims layer."""
        self.span_layer = "claims" if self.span_layer == "entities" else "entities"
        self._draw()

    def action_quit(self) -> None:
        """Leave the review (every gold decision is already saved)."""
        self.app.exit()
