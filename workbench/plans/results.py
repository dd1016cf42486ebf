"""Projection results as JSON, for the frozen copy kept with each submitted version, and read back from it:
a version shows the results it was sent with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workbench.finance import IrrResult, ProjectionResult


def results_document(result: ProjectionResult) -> dict[str, Any]:
    """Months, every table row and every metric, with money as decimal strings."""
    return {
        "months": list(result.months),
        "table": {row: [str(v) for v in values] for row, values in result.table.items()},
        "metrics": {name: _json_value(value) for name, value in result.metrics.items()},
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


# --- reading a frozen copy back ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredMetrics:
    """The key figures as they were computed when the version was sent."""

    break_even_month: int | None
    min_cash: Decimal
    min_cash_month: int
    funding_gap: Decimal
    dscr: Decimal | None


@dataclass(frozen=True)
class StoredResults:
    """A version's results read from its frozen document, shaped like the live projection where pages show
    them (``months``, ``table[row]`` as Decimals, ``metrics``), so the same macros render both."""

    months: tuple[str, ...]
    table: dict[str, tuple[Decimal, ...]]
    metrics: StoredMetrics


def stored_results(document: Mapping[str, Any] | None) -> StoredResults | None:
    """The results frozen with a version, never recomputed (the finance core may have changed since);
    None when the document does not hold them."""
    if not isinstance(document, Mapping):
        return None
    try:
        metrics = document["metrics"]
        return StoredResults(
            months=tuple(str(month) for month in document.get("months") or ()),
            table={row: tuple(Decimal(str(v)) for v in values) for row, values in document["table"].items()},
            metrics=StoredMetrics(
                break_even_month=_whole(metrics.get("break_even_month")),
                min_cash=Decimal(str(metrics["min_cash"])),
                min_cash_month=int(metrics["min_cash_month"]),
                funding_gap=Decimal(str(metrics["funding_gap"])),
                dscr=None if metrics.get("dscr") is None else Decimal(str(metrics["dscr"])),
            ),
        )
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
        return None


def _whole(value: Any) -> int | None:
    return None if value is None else int(value)
