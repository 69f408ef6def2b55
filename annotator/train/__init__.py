"""Training: from gold labels to the next, better suggester (spaCy, CPU, imported lazily).

- :mod:`corpus` — records from the store (gold, else accepted decisions) and spaCy Docs;
- :mod:`config` — the pipeline built in code (entity ``ner``; claims ``ner`` components whose
  output a small registered component moves into ``doc.spans["claims"]``);
- :mod:`loop` — the training loop with a progress callback and per-label scores;
- :mod:`curve` — the learning curve (25/50/75/100 %);
- :mod:`uncertainty` — units ordered least-sure-first; :mod:`background` — training from the UI;
- :mod:`targets` — the shared-data targets (CoNLL-2003, PolNeAR) through the tool's own path.
"""
