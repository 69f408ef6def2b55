"""The labelling UI (Textual): the only package that imports Textual.

- :func:`annotator.tui.app.build_app` builds the app (the CLI and the tests share it);
- :mod:`annotator.tui.session` (queue, decisions, progress) and :mod:`annotator.tui.editor`
  (spans, cursor, selection, links) are plain Python over the Store;
- :class:`annotator.tui.widgets.span_text.SpanText` draws a unit with its spans and can be
  reused by other screens.

Importing this package imports nothing heavy (no Textual, no spaCy).
"""
