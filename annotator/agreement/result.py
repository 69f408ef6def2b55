"""What every agreement figure carries: its value, what it rests on, and a warning."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

#: Fewer pairable units than this and a figure is flagged as too few to trust.
MIN_UNITS: int = 20


@dataclass
class Figure:
    """One agreement coefficient with the number of units and values it rests on."""

    value: float | None
    n_units: int = 0
    n_values: int = 0
    warning: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, digits: int = 6) -> dict[str, Any]:
        """A JSON-ready form (floats rounded, NaN as None)."""
        out: dict[str, Any] = {
            "value": _round(self.value, digits),
            "n_units": self.n_units,
            "n_values": self.n_values,
        }
        if self.warning:
            out["warning"] = self.warning
        for key, val in self.details.items():
            out[key] = _round(val, digits) if isinstance(val, float) else val
        return out


def _round(value: float | None, digits: int) -> float | None:
    """Round a float for output; None and NaN become None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def few_units_warning(n_units: int, min_units: int = MIN_UNITS, what: str = "units") -> str | None:
    """A warning when a figure rests on fewer than ``min_units`` pairable units."""
    if n_units == 0:
        return f"no pairable {what}: nothing to measure"
    if n_units < min_units:
        return f"only {n_units} pairable {what} (fewer than {min_units}): too few to trust"
    return None


def join_warnings(*warnings: str | None) -> str | None:
    """Join the non-empty warnings with '; '."""
    parts = [w for w in warnings if w]
    return "; ".join(parts) if parts else None
