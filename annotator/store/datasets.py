"""The ``datasets`` table: a name, a label scheme and an overlap each."""

from __future__ import annotations

import json
import time

from annotator.errors import UserError
from annotator.models import Dataset
from annotator.store.connection import Connection


class DatasetTables(Connection):
    """Datasets: create, read, change."""

    def ensure_dataset(self, name: str, scheme: str = "news", overlap: int = 1) -> Dataset:
        """The dataset called ``name``, created if it does not exist."""
        existing = self.get_dataset(name)
        if existing:
            return existing
        with self.write():
            self._x(
                "INSERT OR IGNORE INTO datasets (name, scheme, overlap, created) VALUES (?, ?, ?, ?)",
                (name, scheme, overlap, time.time()),
            )
        ds = self.get_dataset(name)
        assert ds is not None
        return ds

    def get_dataset(self, name: str) -> Dataset | None:
        row = self._one("SELECT * FROM datasets WHERE name = ?", (name,))
        if not row:
            return None
        return Dataset(
            id=row["id"], name=row["name"], scheme=row["scheme"], overlap=row["overlap"],
            created=row["created"], meta=json.loads(row["meta"] or "{}"),
        )

    def require_dataset(self, name: str) -> Dataset:
        ds = self.get_dataset(name)
        if ds is None:
            names = ", ".join(d.name for d in self.list_datasets()) or "none yet"
            raise UserError(f"{self.path}: no dataset {name!r} (datasets: {names})")
        return ds

    def list_datasets(self) -> list[Dataset]:
        rows = self._q("SELECT name FROM datasets ORDER BY id")
        return [d for r in rows if (d := self.get_dataset(r["name"]))]

    def set_dataset(self, name: str, *, overlap: int | None = None, scheme: str | None = None) -> Dataset:
        self.require_dataset(name)
        with self.write():
            if overlap is not None:
                if overlap < 0:
                    raise UserError("overlap must be 0 (everyone) or a positive number")
                self._x("UPDATE datasets SET overlap = ? WHERE name = ?", (overlap, name))
            if scheme is not None:
                self._x("UPDATE datasets SET scheme = ? WHERE name = ?", (scheme, name))
        return self.require_dataset(name)
