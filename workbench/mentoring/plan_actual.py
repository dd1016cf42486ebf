"""Plan against actual: a financed business's monthly figures beside its frozen plan version's projection.

Pure: no Flask, no database. The views hand in the version's stored results and the months entered.

- Alignment: plan month 1 is the calendar month the loan was paid out (the disbursement month), plan month k
  the (k - 1)-th month after it, whatever calendar month the plan itself was drafted to start on: a plan is
  written months before the money arrives, and the business starts when it does. Months beyond the plan's
  horizon have no planned figures.
- Figures: "sales" is the plan's ``revenue`` row; "costs" the running costs, ``variable_costs`` +
  ``fixed_costs`` (not the loan, taxes or the owner's drawings, as the plan's sales-and-costs chart draws
  them); "closing_cash" the plan's ``closing_cash`` row.
- Variance = actual - plan; its share = variance / |plan|, rounded HALF_UP to 4 places (0.1234 is 12.34 %),
  None when the plan figure is 0 or missing or nothing was entered.
- A month is flagged "sales_behind" when planned sales are above 0 and actual sales are below
  FAR_BEHIND_SHARE of them, and "cash_below_zero" when the actual closing cash is below 0 while the plan
  expected it at 0 or above.
- Totals (the monitoring report) add plan and actual over the same months: those entered and within the plan.
  Cash is a balance, not a flow, and has no total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from workbench.finance.money import ZERO, round_ratio

#: A month is far behind when its sales are below this share of the plan's (0.75: below 75 %).
FAR_BEHIND_SHARE = Decimal("0.75")
#: The figures compared, in the order pages show them.
FIGURES = ("sales", "costs", "closing_cash")
#: The months the one-year monitoring report covers.
REPORT_MONTHS = 12

SALES_BEHIND = "sales_behind"
CASH_BELOW_ZERO = "cash_below_zero"


class Planned(Protocol):
    """The part of a version's stored results read here (workbench.plans.results.StoredResults)."""

    months: tuple[str, ...]
    table: dict[str, tuple[Decimal, ...]]


# --- months -------------------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def shift_month(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month`` (before it when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_index(first: date, month: date) -> int:
    """How many months ``month`` comes after ``first`` (0 for the same month)."""
    return (month.year - first.year) * 12 + month.month - first.month


def months_from(first: date, count: int) -> list[date]:
    start = month_start(first)
    return [shift_month(start, k) for k in range(count)]


def open_months(disbursed_on: date, today: date) -> list[date]:
    """The months whose figures may be entered: from the disbursement month to this month, never a later one;
    none before the money is paid out."""
    first, last = month_start(disbursed_on), month_start(today)
    if last < first:
        return []
    return months_from(first, month_index(first, last) + 1)


def label(month: date) -> str:
    """The month written as plan months are: "YYYY-MM"."""
    return f"{month.year:04d}-{month.month:02d}"


def parse_label(text: str) -> date | None:
    """A "YYYY-MM" month as its first day; None for anything else."""
    if not isinstance(text, str) or len(text) != 7 or text[4] != "-":
        return None
    year, month = text[:4], text[5:]
    if not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()):
        return None
    if not 1 <= int(month) <= 12 or int(year) < 1:
        return None
    return date(int(year), int(month), 1)


# --- the comparison -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure of one month: what the plan said and what happened (None: not planned / not entered)."""

    plan: Decimal | None
    actual: Decimal | None

    @property
    def variance(self) -> Decimal | None:
        if self.plan is None or self.actual is None:
            return None
        return self.actual - self.plan

    @property
    def share(self) -> Decimal | None:
        """The variance as a share of the plan's figure (-0.25 is 25 % below), None when undefined."""
        variance = self.variance
        if variance is None or self.plan is None:
            return None
        return round_ratio(variance, abs(self.plan))

    @property
    def ratio(self) -> Decimal | None:
        """What happened as a share of the plan (0.6: 60 % of the plan), None when undefined."""
        if self.plan is None or self.actual is None:
            return None
        return round_ratio(self.actual, self.plan)


@dataclass(frozen=True, slots=True)
class MonthRow:
    number: int  # plan month, 1-based
    month: date  # the first day of the calendar month
    sales: Figure
    costs: Figure
    closing_cash: Figure
    flags: tuple[str, ...]

    @property
    def label(self) -> str:
        return label(self.month)

    @property
    def recorded(self) -> bool:
        return self.sales.actual is not None

    @property
    def planned(self) -> bool:
        return self.sales.plan is not None

    def figure(self, name: str) -> Figure:
        return getattr(self, name)


@dataclass(frozen=True, slots=True)
class Totals:
    """Plan and actual added over the same months: those entered and within the plan."""

    months: int
    sales: Figure
    costs: Figure


def planned_figures(results: Planned | None) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(sales, costs, closing cash) of each plan month, from a version's stored results; [] without them."""
    if results is None:
        return []
    table = results.table
    try:
        return [
            (revenue, variable + fixed, closing)
            for revenue, variable, fixed, closing in zip(
                table["revenue"],
                table["variable_costs"],
                table["fixed_costs"],
                table["closing_cash"],
                strict=True,
            )
        ]
    except (KeyError, ValueError):  # a results document without these rows, or rows of unequal length
        return []


def flags_of(sales: Figure, closing_cash: Figure) -> tuple[str, ...]:
    """The reasons a month is far behind (definitions in the module docstring)."""
    flags = []
    if (
        sales.plan is not None
        and sales.actual is not None
        and sales.plan > 0
        and sales.actual < sales.plan * FAR_BEHIND_SHARE
    ):
        flags.append(SALES_BEHIND)
    if (
        closing_cash.plan is not None
        and closing_cash.actual is not None
        and closing_cash.actual < 0
        and closing_cash.plan >= 0
    ):
        flags.append(CASH_BELOW_ZERO)
    return tuple(flags)


def compare(
    results: Planned | None, first_month: date, count: int, actuals: Mapping[date, Any]
) -> list[MonthRow]:
    """Plan months 1..count from ``first_month`` (the disbursement month) beside the figures entered;
    ``actuals`` maps a month's first day to anything with ``sales``, ``costs`` and ``closing_cash``."""
    planned = planned_figures(results)
    rows = []
    for number, month in enumerate(months_from(first_month, count), start=1):
        plan = planned[number - 1] if number <= len(planned) else (None, None, None)
        entered = actuals.get(month)
        actual = (None, None, None)
        if entered is not None:
            actual = (entered.sales, entered.costs, entered.closing_cash)
        sales, costs, cash = (Figure(p, a) for p, a in zip(plan, actual, strict=True))
        rows.append(MonthRow(number, month, sales, costs, cash, flags_of(sales, cash)))
    return rows


def totals(rows: Sequence[MonthRow]) -> Totals:
    counted = [row for row in rows if row.recorded and row.planned]

    def added(name: str) -> Figure:
        figures = [row.figure(name) for row in counted]
        return Figure(
            sum((f.plan for f in figures if f.plan is not None), ZERO),
            sum((f.actual for f in figures if f.actual is not None), ZERO),
        )

    return Totals(len(counted), added("sales"), added("costs"))


def flagged(rows: Sequence[MonthRow]) -> list[MonthRow]:
    return [row for row in rows if row.flags]
