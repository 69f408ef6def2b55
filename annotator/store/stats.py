"""Counts per dataset, for ``annotator stats`` and reports."""

from __future__ import annotations

from typing import Any

from annotator.store.decisions import DecisionTables
from annotator.store.label_sessions import LabelSessionTables
from annotator.store.suggestions import SuggestionTables


class StatsTables(DecisionTables, SuggestionTables, LabelSessionTables):
    """Counts over every table of a dataset."""

    def stats(self, dataset: str | None = None) -> dict[str, Any]:
        """Counts per dataset: documents, units, suggestions, gold, and per annotator (anyone
        with a decision or a live lease) decisions by answer, progress as
        :meth:`~annotator.store.leases.LeaseTables.progress` counts it (``done`` of ``total``)
        and the units they hold under a live lease (``holding``), and how many labelling
        screens each has open (``screens``); who has a review screen open (``reviewing``)."""
        out: dict[str, Any] = {"database": self.path, "datasets": []}
        for ds in self.list_datasets():
            if dataset is not None and ds.name != dataset:
                continue
            c = self._one(
                "SELECT (SELECT COUNT(*) FROM documents WHERE dataset_id = :d) AS documents,"
                " (SELECT COUNT(*) FROM units WHERE dataset_id = :d) AS units,"
                " (SELECT COUNT(*) FROM gold_current WHERE dataset_id = :d) AS gold,"
                " (SELECT COUNT(DISTINCT unit_id) FROM decisions WHERE dataset_id = :d) AS units_decided",
                {"d": ds.id},
            ) or {}
            per: dict[str, dict[str, int]] = {}
            for r in self._q(
                "SELECT annotator, answer, COUNT(*) AS n FROM decisions WHERE dataset_id = ?"
                " GROUP BY annotator, answer ORDER BY annotator, answer",
                (ds.id,),
            ):
                per.setdefault(r["annotator"], {"accept": 0, "reject": 0, "ignore": 0})[r["answer"]] = r["n"]
            holding = self.leases(ds.name)
            screens = self.label_sessions(ds.name)
            for name in [*holding, *screens]:
                per.setdefault(name, {"accept": 0, "reject": 0, "ignore": 0})
            annotators = []
            for name in sorted(per):
                done, total = self.progress(ds.name, name)
                annotators.append({"annotator": name, **per[name], "done": done, "total": total,
                                   "holding": holding.get(name, 0), "screens": screens.get(name, 0)})
            units = int(c.get("units", 0))
            out["datasets"].append({
                "name": ds.name, "scheme": ds.scheme, "overlap": ds.overlap,
                "documents": int(c.get("documents", 0)), "units": units,
                "units_decided": int(c.get("units_decided", 0)), "gold": int(c.get("gold", 0)),
                "progress": round(int(c.get("units_decided", 0)) / units, 4) if units else 0.0,
                "annotators": annotators, "reviewing": self.reviewers(ds.name),
                "suggesters": [{"suggester": s, "version": v, "units": n} for s, v, n in self.suggesters(ds.name)],
            })
        return out
