"""Projection results as JSON, for the frozen copy kept with each submitted version."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from workbench.finance import IrrResult, ProjectionResult


def results_document(result: ProjectionResult) -> dict[str, Any]:
    """Months, every table row and every metric, with money as decimal strings."""
    return {
        "months": list(result.months),
        "table": {row: [str(v) for v in values] for row, values in result.table.items()},
        "metrics": {name: _json_value(value) for name, value in result.metrics.as_dict().items()},
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, IrrResult):
        return {
            "status": value.status,
            "monthly": None if value.monthly is None else str(value.monthly),
            "annual": None if value.annual is None else str(value.annual),
            "reason": value.reason,
        }
    return value
