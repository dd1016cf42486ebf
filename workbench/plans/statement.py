"""The cash-flow statement as a lender reads it: a summary by plan year, then the months in blocks.

Pure Python over a ProjectionResult (no Flask, no formatting): the printed plan, its PDF and the spreadsheet
lay out the same periods.

- A plan year is 12 projection months (year 1 = months 1-12, whatever the calendar month of month 1); the last
  year may be shorter. The summary has one column per year and a total column.
- Flows (sales, costs, loan, tax...) add up over a period; ``opening_cash`` is the first month's opening cash
  and ``closing_cash`` the last month's closing cash.
- Months are shown in blocks (12 per block, fewer when the amounts are long) so that every column fits the
  width of a landscape page and of a desk screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workbench.finance import ROWS, ProjectionResult

MONTHS_IN_YEAR = 12
#: Rows that are a balance at a point in time, not a flow over the period.
OPENING, CLOSING = "opening_cash", "closing_cash"
#: Month block sizes, largest first; each divides a year.
BLOCK_SIZES = (12, 6, 4, 3)
#: How many characters of amounts a block's number columns may hold side by side (one amount per column,
#: plus two characters of padding each). Calibrated on a landscape A4 page at 7.5 pt and a 1280 px screen.
LINE_CHARACTERS = 150


def metric(result: ProjectionResult, name: str) -> Any:
    """One of the plan's metrics, whether the finance core hands them as a mapping or as an object."""
    metrics = result.metrics
    if isinstance(metrics, dict):
        return metrics[name]
    return getattr(metrics, name)


@dataclass(frozen=True, slots=True)
class Period:
    """Projection months ``first``..``last`` (1-based, inclusive); ``year`` is the plan year (1-based) or None
    for the whole plan."""

    first: int
    last: int
    year: int | None

    @property
    def months(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True, slots=True)
class Line:
    key: str  # one of ROWS
    values: tuple[Decimal, ...]  # one per column

    @property
    def balance(self) -> bool:
        return self.key in (OPENING, CLOSING)


@dataclass(frozen=True, slots=True)
class Block:
    """One table: ``columns`` (periods) across, one line per row of the projection."""

    columns: tuple[Period, ...]
    lines: tuple[Line, ...]


def aggregate(row: str, values: Sequence[Decimal], period: Period) -> Decimal:
    """A row's value over a period: the sum of a flow, or the balance at the period's start or end."""
    part = values[period.first - 1 : period.last]
    if row == OPENING:
        return part[0]
    if row == CLOSING:
        return part[-1]
    return sum(part, Decimal(0))


def years(months: int) -> tuple[Period, ...]:
    return tuple(
        Period(first, min(first + MONTHS_IN_YEAR - 1, months), index)
        for index, first in enumerate(range(1, months + 1, MONTHS_IN_YEAR), start=1)
    )


def _block(result: ProjectionResult, columns: Sequence[Period], rows: Sequence[str]) -> Block:
    return Block(
        tuple(columns),
        tuple(
            Line(row, tuple(aggregate(row, result.table[row], column) for column in columns)) for row in rows
        ),
    )


def amount_width(values: Sequence[Decimal]) -> int:
    """Characters of the longest amount written with grouping and cents ("-1,234,567.89": 13)."""
    longest = 0
    for value in values:
        digits = len(str(int(abs(value))))
        longest = max(longest, digits + (digits - 1) // 3 + 3 + (1 if value < 0 else 0))
    return longest


def columns_per_block(values: Sequence[Decimal], sizes: Sequence[int] = BLOCK_SIZES) -> int:
    """The largest of ``sizes`` whose columns of amounts this long fit LINE_CHARACTERS (the smallest one
    else)."""
    width = amount_width(values) + 2
    return next((size for size in sizes if size * width <= LINE_CHARACTERS), sizes[-1])


def yearly_summary(result: ProjectionResult, rows: Sequence[str] = ROWS) -> tuple[Block, ...]:
    """One column per plan year and a total column for the whole plan, in as many blocks as the widths
    need (one for any plan of ordinary size)."""
    periods = (*years(len(result.months)), Period(1, len(result.months), None))
    summary = _block(result, periods, rows)
    per_block = columns_per_block(
        [v for line in summary.lines for v in line.values], range(len(periods), 0, -1)
    )
    return tuple(
        _block(result, periods[start : start + per_block], rows)
        for start in range(0, len(periods), per_block)
    )


def month_blocks(result: ProjectionResult, rows: Sequence[str] = ROWS) -> tuple[Block, ...]:
    """The months, in blocks of 12 (or 6, 4, 3 when the amounts are long), one column per month."""
    count = len(result.months)
    size = columns_per_block([v for row in rows for v in result.table[row]])
    return tuple(
        _block(result, [Period(m, m, None) for m in range(first, min(first + size, count + 1))], rows)
        for first in range(1, count + 1, size)
    )


@dataclass(frozen=True, slots=True)
class Statement:
    summary: tuple[Block, ...]
    months: tuple[Block, ...]
    labels: tuple[str, ...]  # the calendar month "YYYY-MM" of each projection month


def cash_flow_statement(result: ProjectionResult, rows: Sequence[str] = ROWS) -> Statement:
    return Statement(yearly_summary(result, rows), month_blocks(result, rows), result.months)
