"""Wrapping of the labelling text (issue 20 point 7): lines break only between
whitespace-separated words; punctuation stays with its word and its label tag."""

from __future__ import annotations

import pytest
from rich.style import Style

from annotator.models import Unit
from annotator.tui.widgets.span_text import layout_text

TEXT = "Talks resumed in Seoul (Reuters) on Monday, the foreign ministry said."


def lines_of(text: str, width: int, tags: dict[int, list[tuple[str, Style]]] | None = None) -> list[str]:
    tokens = Unit(position=0, text=text, start=0, end=len(text)).token_list()
    return ["".join(a.text for a in line.atoms) for line in layout_text(text, tokens, tags or {}, width)]


@pytest.mark.parametrize("width", range(10, 72, 3))
def test_lines_break_only_at_spaces(width: int) -> None:
    lines = lines_of(TEXT, width)
    assert " ".join(lines) == TEXT
    assert "(Reuters)" in " ".join(lines).split(" ") and any("(Reuters)" in line for line in lines)
    for line in lines:
        assert not line.startswith((".", ",", ")")), lines
        assert not line.endswith("("), lines
        assert len(line) <= width


def test_closing_punctuation_stays_with_a_label_tag() -> None:
    tokens = Unit(position=0, text=TEXT, start=0, end=len(TEXT)).token_list()
    said = next(i for i, t in enumerate(tokens) if TEXT[t.start:t.end] == "said")
    for width in range(12, 60):
        lines = lines_of(TEXT, width, {said: [("CUE", Style())]})
        assert not any(line.startswith(".") for line in lines), lines
        assert any(line.endswith("said CUE.") for line in lines)


def test_a_word_wider_than_the_line_is_still_split() -> None:
    lines = lines_of("Go supercalifragilisticexpialidocious now.", 10)
    assert all(len(line) <= 10 for line in lines)
    assert "".join(lines).replace(" ", "") == "Gosupercalifragilisticexpialidociousnow."
