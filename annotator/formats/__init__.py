"""Exporters and importers, one module per external format.

Readers register themselves in :data:`annotator.ingest.base.READERS` when their module is
imported; :func:`load_readers` imports them all (the import command calls it).
"""

from __future__ import annotations

import importlib

#: modules holding readers registered with ``annotator.ingest.base.register``.
READER_MODULES: tuple[str, ...] = (
    "annotator.formats.conll",
    "annotator.formats.brat",
    "annotator.formats.doccano",
    "annotator.formats.labelstudio",
    "annotator.formats.prodigy",
)


def load_readers() -> None:
    """Import every format module that registers a reader."""
    for name in READER_MODULES:
        importlib.import_module(name)
