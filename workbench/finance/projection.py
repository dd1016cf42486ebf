"""The monthly cash-flow projection of a business plan, its metrics, and stress scenarios.

``project(assumptions, scenario=None)`` reads the assumptions mapping (see :mod:`.assumptions` for the schema
and how each field is read and checked) and returns a :class:`ProjectionResult`: ``table[row]`` holds one
Decimal per month, rounded to cents, and ``metrics`` the plan's figures (a :class:`PlanMetrics`).

Rows, for projection month m (1-based; its calendar month is ``start_month`` + m - 1):

- ``revenue`` = sum over streams of units x unit_price; ``variable_costs`` = sum of units x unit_cost, each
  rounded to cents HALF_UP once per month, where for m >= start_month (+ delay_months in a scenario)
  units = units_per_month x sales_factor x (1 + monthly_growth)^(m - start_month) x seasonality[calendar
  month], and 0 before. This is the only float arithmetic (numpy over streams x months).
- ``gross_profit`` = revenue - variable_costs
- ``fixed_costs`` = (sum of the monthly amounts started by m) x cost_factor, rounded to cents HALF_UP
- ``operating_profit`` = gross_profit - fixed_costs
- ``interest``, ``principal``: installments of each loan's schedule (:mod:`.schedule`); installment k of a
  loan received in month L falls in month L + k; installments beyond the horizon are not shown.
- ``tax`` = tax_rate x max(0, operating_profit - interest), rounded to cents HALF_UP
- ``drawings`` = owner_drawings; ``investment`` = startup costs paid in m
- ``financing_in`` = own funds (month 1) + grants + loan principals received in m
- ``net_cash_flow`` = financing_in + revenue - variable_costs - fixed_costs - interest - principal - tax
  - drawings - investment
- ``opening_cash`` = opening_cash for month 1, else the previous closing cash;
  ``closing_cash`` = opening_cash + net_cash_flow

Everything after the revenue and fixed-cost roundings is exact arithmetic on whole cents.

Bounds: every field is within its range (:mod:`.assumptions`), but growth compounds: 99 % a month for ten
years multiplies sales by 10^35. A stream whose monthly sales or costs, or a month's total, would reach
MAX_MONTHLY_CENTS (where floats stop counting cents exactly) makes :func:`project` raise AssumptionsError
"projection_too_large" at that stream's ``monthly_growth`` (or ``units_per_month`` when it does not grow).

Metrics:

- ``break_even_month``: first month with revenue > 0 and operating_profit >= 0; None if none.
- ``min_cash``: the lowest closing cash; ``min_cash_month``: the first month it occurs.
- ``funding_gap`` = max(0, -min_cash): the extra money needed so that cash never goes below zero.
- ``dscr`` = sum of (operating_profit - tax - drawings) / sum of (interest + principal), both over the months
  with debt service; rounded HALF_UP to 2 places; None without debt service. Drawings are included because the
  family lives on them.
- ``project_cash_flows`` (a field of the result, not a row): revenue - variable_costs - fixed_costs - tax
  - drawings - investment, i.e. the cash the business makes before any financing. On it:
  ``npv`` at the assumptions' ``discount_rate`` (annual, default 0.10), ``irr`` (an IrrResult, monthly and
  annual) and ``payback_month``, with the conventions of :mod:`.metrics` (month 1 is time 0).
- ``discount_rate``: the annual rate used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate
from typing import Any

import numpy as np

from .assumptions import Assumptions, Scenario, parse_assumptions, parse_scenario
from .errors import AssumptionsError, FieldError
from .metrics import IrrResult, irr, npv, payback_month
from .money import CENT, from_cents, month_labels, parse_year_month
from .schedule import amortise

ROWS = (
    "revenue",
    "variable_costs",
    "gross_profit",
    "fixed_costs",
    "operating_profit",
    "interest",
    "principal",
    "tax",
    "drawings",
    "investment",
    "financing_in",
    "net_cash_flow",
    "opening_cash",
    "closing_cash",
)
_UNIT = Decimal(1)
#: A month's sales or costs of one stream, or all of them, must stay below this many cents (10^13 EUR):
#: beyond 2^53 cents a float no longer counts single cents.
MAX_MONTHLY_CENTS = 10**15
_DSCR_QUANTUM = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PlanMetrics:
    """The plan's figures (definitions in the module docstring); money rounded to cents."""

    break_even_month: int | None
    min_cash: Decimal
    min_cash_month: int
    funding_gap: Decimal
    dscr: Decimal | None
    npv: Decimal
    irr: IrrResult
    payback_month: int | None
    discount_rate: Decimal

    def as_dict(self) -> dict[str, Any]:
        """Name -> value, in the order above (the IrrResult stays one value)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class ProjectionResult:
    """``months`` are the calendar labels "YYYY-MM"; ``table`` maps each of ROWS to one Decimal per month."""

    months: tuple[str, ...]
    table: dict[str, tuple[Decimal, ...]]
    metrics: PlanMetrics
    project_cash_flows: tuple[Decimal, ...]
    assumptions: Assumptions
    scenario: Scenario


def _cents_half_up(values: np.ndarray) -> list[int]:
    """Float money -> whole cents, HALF_UP. Scaled values are first rounded to 6 places so that float noise
    (2.675 x 100 = 267.49999999999997) does not decide the rounding."""
    scaled = np.round(values * 100.0, 6)
    return (np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)).astype(np.int64).tolist()


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def _sales(a: Assumptions, s: Scenario) -> tuple[list[int], list[int]]:
    """(revenue, variable_costs) per month in cents."""
    months = a.months
    streams = a.revenue_streams
    if not streams:
        return [0] * months, [0] * months
    first_calendar = parse_year_month(a.start_month)[1] - 1  # 0 = January
    m = np.arange(1, months + 1)
    starts = np.array([stream.start_month + s.delay_months for stream in streams])
    elapsed = m[None, :] - starts[:, None]
    active = elapsed >= 0
    growth = np.array([float(stream.monthly_growth) for stream in streams])
    seasonality = np.array([[float(v) for v in stream.seasonality] for stream in streams])
    base = np.array([float(stream.units_per_month) for stream in streams]) * float(s.sales_factor)
    units = (
        base[:, None]
        * np.power(1.0 + growth[:, None], np.where(active, elapsed, 0))
        * seasonality[:, (first_calendar + m - 1) % 12]
        * active
    )
    price = np.array([float(stream.unit_price) for stream in streams])
    cost = np.array([float(stream.unit_cost) for stream in streams])
    with np.errstate(all="ignore"):
        revenue, variable = price @ units, cost @ units
        largest = np.maximum(np.abs(price[:, None] * units), np.abs(cost[:, None] * units)).max(axis=1)
    limit = MAX_MONTHLY_CENTS / 100
    for index, stream in enumerate(streams):
        if not np.isfinite(largest[index]) or largest[index] >= limit:
            field = "monthly_growth" if stream.monthly_growth > 0 else "units_per_month"
            raise AssumptionsError(
                [FieldError.of(f"revenue_streams[{index}].{field}", "projection_too_large")]
            )
    if (
        not (np.all(np.isfinite(revenue)) and np.all(np.isfinite(variable)))
        or max(np.abs(revenue).max(), np.abs(variable).max()) >= limit
    ):
        raise AssumptionsError([FieldError.of("revenue_streams", "projection_too_large")])
    return _cents_half_up(revenue), _cents_half_up(variable)


def _fixed_costs(a: Assumptions, s: Scenario) -> list[int]:
    """Fixed costs per month in cents: exact Decimal sums, times cost_factor, rounded HALF_UP once a month."""
    started = [Decimal(0)] * (a.months + 1)
    for cost in a.fixed_costs:
        started[cost.start_month] += cost.monthly
    running = Decimal(0)
    result = []
    for month in range(1, a.months + 1):
        running += started[month]
        value = running if s.cost_factor == _UNIT else running * s.cost_factor
        result.append(_cents(value.quantize(CENT, rounding=ROUND_HALF_UP)))
    return result


def project(
    assumptions: Mapping | Assumptions, scenario: Mapping | Scenario | None = None
) -> ProjectionResult:
    """Project the plan month by month (formulas and roundings in the module docstring).

    ``assumptions`` is the plan's mapping (or an Assumptions already read); ``scenario`` a stress test mapping
    {sales_factor [1], cost_factor [1], delay_months [0]} or None for the base case. Bad input raises
    AssumptionsError with one message per field path.
    """
    a = parse_assumptions(assumptions)
    s = parse_scenario(scenario)
    months = a.months
    revenue, variable = _sales(a, s)
    fixed = _fixed_costs(a, s)

    pad = [0] * (months + 1)  # index 0 unused: index = projection month
    interest, principal, investment, financing = pad[:], pad[:], pad[:], pad[:]
    financing[1] += _cents(a.own_funds)
    for grant in a.grants:
        financing[grant.month] += _cents(grant.amount)
    for cost in a.startup_costs:
        investment[cost.month] += _cents(cost.amount)
    for loan in a.loans:
        financing[loan.month] += _cents(loan.principal)
        rows = amortise(loan.principal, loan.annual_rate, loan.term_months, loan.grace_months, loan.method)
        for number, (paid_interest, repaid, _balance) in enumerate(rows, start=1):
            month = loan.month + number
            if month > months:
                break
            interest[month] += _cents(paid_interest)
            principal[month] += _cents(repaid)

    # Whole cents from here on; index 0 of the padded lists is unused (list index = projection month).
    del interest[0], principal[0], investment[0], financing[0]
    gross = [r - v for r, v in zip(revenue, variable, strict=True)]
    operating = [g - f for g, f in zip(gross, fixed, strict=True)]
    tax = [0] * months
    if a.tax_rate:
        for i, (profit, paid) in enumerate(zip(operating, interest, strict=True)):
            if profit > paid:
                tax[i] = int((a.tax_rate * (profit - paid)).quantize(_UNIT, rounding=ROUND_HALF_UP))
    drawings = [_cents(a.owner_drawings)] * months
    project_flows = [
        o - t - d - inv for o, t, d, inv in zip(operating, tax, drawings, investment, strict=True)
    ]
    net = [
        flow + fin - i - p
        for flow, fin, i, p in zip(project_flows, financing, interest, principal, strict=True)
    ]
    closing = list(accumulate(net, initial=_cents(a.opening_cash)))
    table = dict(
        zip(
            ROWS,
            (
                revenue,
                variable,
                gross,
                fixed,
                operating,
                interest,
                principal,
                tax,
                drawings,
                investment,
                financing,
                net,
                closing[:-1],
                closing[1:],
            ),
            strict=True,
        )
    )

    metrics = _metrics(table, project_flows, a)
    return ProjectionResult(
        months=month_labels(a.start_month, months),
        table={row: tuple(map(from_cents, values)) for row, values in table.items()},
        metrics=metrics,
        project_cash_flows=tuple(map(from_cents, project_flows)),
        assumptions=a,
        scenario=s,
    )


def _metrics(table: dict[str, list[int]], project_flows: list[int], a: Assumptions) -> PlanMetrics:
    """The plan metrics from whole-cent rows (definitions in the module docstring)."""
    break_even = next(
        (
            i + 1
            for i, (revenue, operating) in enumerate(
                zip(table["revenue"], table["operating_profit"], strict=True)
            )
            if revenue > 0 and operating >= 0
        ),
        None,
    )
    closing = table["closing_cash"]
    min_cash = min(closing)
    capacity = debt_service = 0
    for i, (interest, repaid) in enumerate(zip(table["interest"], table["principal"], strict=True)):
        if interest or repaid:
            debt_service += interest + repaid
            capacity += table["operating_profit"][i] - table["tax"][i] - table["drawings"][i]
    dscr = (
        (Decimal(capacity) / Decimal(debt_service)).quantize(_DSCR_QUANTUM, rounding=ROUND_HALF_UP)
        if debt_service
        else None
    )
    return PlanMetrics(
        break_even_month=break_even,
        min_cash=from_cents(min_cash),
        min_cash_month=closing.index(min_cash) + 1,
        funding_gap=from_cents(max(0, -min_cash)),
        dscr=dscr,
        npv=npv([value / 100 for value in project_flows], a.discount_rate),
        irr=irr(project_flows),
        payback_month=payback_month(project_flows),
        discount_rate=a.discount_rate,
    )
