"""Counts per dataset, for ``annotator stats`` and reports."""

from __future__ import annotations

from typing import Any

from annotator.store.leases import LeaseTables
from annotator.store.suggestions import SuggestionTables


class StatsTables(LeaseTables, SuggestionTables):
    """Counts over every table of a dataset."""

    def stats(self, dataset: str | None = None) -> dict[str, Any]:
        """Counts per dataset: documents, units, suggestions, decisions per annotator and
        answer, gold, progress."""
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
            annotators = []
            for name, answers in per.items():
                done, total = self.progress(ds.name, name)
                annotators.append({"annotator": name, **answers, "done": done, "total": total})
            units = int(c.get("units", 0))
            out["datasets"].append({
                "name": ds.name, "scheme": ds.scheme, "overlap": ds.overlap,
                "documents": int(c.get("documents", 0)), "units": units,
                "units_decided": int(c.get("units_decided", 0)), "gold": int(c.get("gold", 0)),
                "progress": round(int(c.get("units_decided", 0)) / units, 4) if units else 0.0,
                "annotators": annotators,
                "suggesters": [{"suggester": s, "version": v, "units": n} for s, v, n in self.suggesters(ds.name)],
            })
        return out
