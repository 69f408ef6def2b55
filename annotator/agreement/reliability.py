"""Reliability data: which coder gave which value to which unit, held as numpy arrays.

The long form (one row per value given) copes with missing values for free: a coder who
did not code a unit simply has no row for it. Categories are sorted (numerically when every
value is a number), so the ordinal level follows the natural order of the values.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def is_missing(value: Any) -> bool:
    """True for None, NaN and the empty string: a coder who gave no value."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


@dataclass
class Reliability:
    """Values given by coders to units (long form, missing values absent)."""

    units: np.ndarray  # int64 unit index of each value
    coders: np.ndarray  # int64 coder index of each value
    values: np.ndarray  # int64 category index of each value
    categories: list[Any]  # category of each index, sorted
    coder_names: list[str]
    unit_names: list[Any]
    numeric: np.ndarray | None = None  # float of each category when all are numbers

    @property
    def n_units(self) -> int:
        """How many units (pairable or not)."""
        return len(self.unit_names)

    @property
    def n_categories(self) -> int:
        """How many distinct values."""
        return len(self.categories)

    @classmethod
    def from_triples(cls, triples: Iterable[tuple[Hashable, Hashable, Any]]) -> Reliability:
        """Build from ``(unit, coder, value)`` triples; missing values are skipped.

        Raises ValueError when a coder gives two values to one unit."""
        unit_ix: dict[Hashable, int] = {}
        coder_ix: dict[Hashable, int] = {}
        us: list[int] = []
        cs: list[int] = []
        vs: list[Any] = []
        seen: set[tuple[int, int]] = set()
        for unit, coder, value in triples:
            u = unit_ix.setdefault(unit, len(unit_ix))
            c = coder_ix.setdefault(coder, len(coder_ix))
            if is_missing(value):
                continue
            if (u, c) in seen:
                raise ValueError(f"coder {coder!r} gives unit {unit!r} more than one value")
            seen.add((u, c))
            us.append(u)
            cs.append(c)
            vs.append(value)
        return cls._build(
            np.asarray(us, dtype=np.int64), np.asarray(cs, dtype=np.int64), vs,
            [str(c) for c in coder_ix], list(unit_ix),
        )

    @classmethod
    def from_matrix(
        cls, data: Sequence[Sequence[Any]] | np.ndarray, coder_names: Sequence[str] | None = None
    ) -> Reliability:
        """Build from ``data[coder][unit]`` (Krippendorff's layout); None/NaN are missing."""
        arr = np.asarray(data, dtype=object if not isinstance(data, np.ndarray) else None)
        n_coders, n_units = arr.shape
        names = list(coder_names) if coder_names is not None else [str(i) for i in range(n_coders)]
        if arr.dtype != object and np.issubdtype(arr.dtype, np.number):
            flat = arr.T.astype(np.float64)  # unit-major
            mask = ~np.isnan(flat)
            units, coders = np.nonzero(mask)
            cats, inverse = np.unique(flat[mask], return_inverse=True)
            return cls(
                units=units.astype(np.int64), coders=coders.astype(np.int64),
                values=inverse.astype(np.int64), categories=[_plain(c) for c in cats],
                coder_names=names, unit_names=list(range(n_units)), numeric=cats.astype(np.float64),
            )
        us: list[int] = []
        cs: list[int] = []
        vs: list[Any] = []
        for u in range(n_units):
            for c in range(n_coders):
                v = arr[c, u]
                if not is_missing(v):
                    us.append(u)
                    cs.append(c)
                    vs.append(v)
        return cls._build(np.asarray(us, dtype=np.int64), np.asarray(cs, dtype=np.int64), vs,
                          names, list(range(n_units)))

    @classmethod
    def from_items(cls, items: Sequence[Sequence[Any]]) -> Reliability:
        """Build from ``items[unit][rater]`` (Fleiss' layout)."""
        return cls.from_matrix([list(col) for col in zip(*items)])

    @classmethod
    def _build(
        cls, units: np.ndarray, coders: np.ndarray, raw: list[Any], coder_names: list[str],
        unit_names: list[Any],
    ) -> Reliability:
        """Encode raw values as sorted category indices."""
        numbers = _as_numbers(raw)
        if numbers is not None:
            cats_f, inverse = np.unique(np.asarray(numbers, dtype=np.float64), return_inverse=True)
            categories = [_plain(c) for c in cats_f]
            numeric: np.ndarray | None = cats_f
        else:
            keys = [str(v) for v in raw]
            categories = sorted(set(keys))
            index = {c: i for i, c in enumerate(categories)}
            inverse = np.asarray([index[k] for k in keys], dtype=np.int64)
            numeric = None
        return cls(
            units=units, coders=coders, values=np.asarray(inverse, dtype=np.int64).reshape(-1),
            categories=categories, coder_names=coder_names, unit_names=unit_names, numeric=numeric,
        )

    @classmethod
    def from_codes(
        cls, units: np.ndarray, coders: np.ndarray, values: np.ndarray, categories: list[Any],
        coder_names: list[str], n_units: int,
    ) -> Reliability:
        """Wrap already-encoded arrays (category indices into ``categories``)."""
        return cls(
            units=np.asarray(units, dtype=np.int64), coders=np.asarray(coders, dtype=np.int64),
            values=np.asarray(values, dtype=np.int64), categories=list(categories),
            coder_names=list(coder_names), unit_names=list(range(n_units)),
        )

    def subset(self, mask: np.ndarray) -> Reliability:
        """The values selected by a boolean ``mask`` (unit and coder indices kept)."""
        return Reliability(
            units=self.units[mask], coders=self.coders[mask], values=self.values[mask],
            categories=self.categories, coder_names=self.coder_names, unit_names=self.unit_names,
            numeric=self.numeric,
        )

    def coder_values(self, coder: int) -> tuple[np.ndarray, np.ndarray]:
        """(sorted unit indices, category indices) of one coder's values."""
        sel = self.coders == coder
        u = self.units[sel]
        v = self.values[sel]
        order = np.argsort(u, kind="stable")
        return u[order], v[order]


def _as_numbers(raw: list[Any]) -> list[float] | None:
    """All values as floats, or None when any is not a number (bools count as labels)."""
    out: list[float] = []
    for v in raw:
        if isinstance(v, bool):
            return None
        if isinstance(v, (int, float, np.integer, np.floating)):
            out.append(float(v))
            continue
        if isinstance(v, str):
            try:
                f = float(v)
            except ValueError:
                return None
            if math.isnan(f) or math.isinf(f):
                return None
            out.append(f)
            continue
        return None
    return out


def _plain(x: float) -> int | float:
    """A float that is a whole number as an int (for display and JSON)."""
    f = float(x)
    return int(f) if f.is_integer() else f
