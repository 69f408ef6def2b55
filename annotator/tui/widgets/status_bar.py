"""StatusBar: progress (done / total, decisions per hour, time left), filter and last message."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def format_duration(seconds: float | None) -> str:
    """``1h 05m``, ``12m``, ``40s`` or an em dash when unknown."""
    if seconds is None:
        return "\u2014"
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def progress_text(
    done: int, total: int, rate: float | None, seconds_left: float | None, known: bool = True
) -> Text:
    """``12 / 340 done · 240/h · 1h 25m left`` with a small bar (``counting…`` until known)."""
    out = Text()
    if not known:
        out.append("counting…", style="dim")
        return out
    frac = done / total if total else 0.0
    cells = 12
    filled = int(round(frac * cells))
    out.append("\u2588" * filled, style="green")
    out.append("\u2591" * (cells - filled), style="dim")
    out.append(f" {done:,} / {total:,} done", style="bold")
    out.append(" \u00b7 ")
    out.append(f"{rate:,.0f}/h" if rate else "\u2014/h")
    out.append(" \u00b7 ")
    out.append(f"{format_duration(seconds_left)} left")
    return out


def status_text(progress: Text, message: str = "", saving: Text | None = None) -> Text:
    """The progress, whether the latest decisions are stored (``saving…`` / ``saved``), then
    the latest message."""
    out = progress.copy()
    if saving is not None and saving.plain:
        out.append(" \u00b7 ")
        out.append_text(saving)
    if message:
        out.append("  ")
        out.append(message, style="italic")
    return out


class StatusBar(Static):
    """Progress on the left, the latest message after it."""

    def show(self, progress: Text, message: str = "") -> None:
        """Redraw."""
        self.update(status_text(progress, message))
