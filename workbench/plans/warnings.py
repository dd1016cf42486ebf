"""Plain-language warnings about a plan's numbers, each pointing at the part of the form to change.

:func:`plan_warnings` reads a ProjectionResult (its metrics, its rows and the parsed assumptions) and returns
the warnings that apply, always in this order:

1. ``cash_shortfall`` (field "own_funds"): the lowest closing cash is below zero.
2. ``sources_short`` (field "own_funds"): the money to start (own funds + grants + loan principals) is less
   than the startup costs. ``sources_excess`` (field "loans"): it is more, the plan has a loan, and the
   extra is not needed later: the lowest closing cash is at least the extra (so borrowing that much less
   would not make cash go below zero; money kept to cover the first months' losses is not "too much").
3. ``drawings_above_profit`` (field "owner_drawings"): the owner takes drawings and the average monthly
   operating_profit - interest - tax over the horizon, rounded to cents, is below them.
4. ``loan_above_limit`` (field "loans"): the loan principals add up to more than the programme's limit.
5. ``low_dscr`` (field "loans"): the DSCR exists and is below ``min_dscr`` (exactly ``min_dscr`` is fine).
6. ``never_breaks_even`` (field "revenue_streams"): no month has revenue > 0 and operating profit >= 0.

Messages are translated with flask_babel and amounts written with the money filter, so this needs an app
context (and a request for the person's language).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

from workbench.finance import ProjectionResult
from workbench.web.templating import day, money, number

DEFAULT_MIN_DSCR = Decimal("1.2")
#: The fields of the document (the field registry's keys) a warning can point at.
FIELDS = ("own_funds", "loans", "owner_drawings", "revenue_streams")
_CENT = Decimal("0.01")
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PlanWarning:
    code: str
    field: str  # one of FIELDS: the field to change (its page and element id: financials.field_link)
    message: str


def month_name(year_month: str) -> str:
    """ "2027-03" -> "March 2027" in the current language."""
    year, month = (int(part) for part in year_month.split("-"))
    return day(date(year, month, 1), "MMMM yyyy")


def sources_and_uses(result: ProjectionResult) -> tuple[Decimal, Decimal]:
    """(own funds + grants + loan principals, startup costs)."""
    return result.assumptions.startup_sources, result.assumptions.startup_uses


def average_monthly_profit(result: ProjectionResult) -> Decimal:
    """The average of operating_profit - interest - tax over the horizon, rounded to cents HALF_UP."""
    table = result.table
    earned = sum(
        (
            profit - interest - tax
            for profit, interest, tax in zip(
                table["operating_profit"], table["interest"], table["tax"], strict=True
            )
        ),
        _ZERO,
    )
    return (earned / len(result.months)).quantize(_CENT, rounding=ROUND_HALF_UP)


def plan_warnings(
    result: ProjectionResult, *, loan_limit: Decimal, min_dscr: Decimal = DEFAULT_MIN_DSCR
) -> list[PlanWarning]:
    """The warnings that apply to this projection, in the order of the module docstring."""
    metrics = result.metrics
    a = result.assumptions
    warnings: list[PlanWarning] = []

    min_cash: Decimal = metrics.min_cash
    if min_cash < 0:
        month = metrics.min_cash_month
        message = _(
            "In month %(month)d (%(label)s) your cash falls to %(amount)s: "
            "you need %(gap)s more or lower costs.",
            month=month,
            label=month_name(result.months[month - 1]),
            amount=money(min_cash),
            gap=money(metrics.funding_gap),
        )
        warnings.append(PlanWarning("cash_shortfall", "own_funds", message))

    sources, uses = sources_and_uses(result)
    borrowed = sum((loan.principal for loan in a.loans), _ZERO)
    if sources < uses:
        message = _(
            "The money to start (%(sources)s) is %(gap)s less than what starting costs (%(uses)s): "
            "add own funds, a grant or a loan, or cut a cost.",
            sources=money(sources),
            gap=money(uses - sources),
            uses=money(uses),
        )
        warnings.append(PlanWarning("sources_short", "own_funds", message))
    elif sources > uses and borrowed > 0 and min_cash >= sources - uses:
        message = _(
            "The money to start (%(sources)s) is %(extra)s more than what starting costs (%(uses)s): "
            "lower the loan so you borrow only what you need.",
            sources=money(sources),
            extra=money(sources - uses),
            uses=money(uses),
        )
        warnings.append(PlanWarning("sources_excess", "loans", message))

    if a.owner_drawings > 0:
        profit = average_monthly_profit(result)
        if profit < a.owner_drawings:
            message = _(
                "You plan to take %(drawings)s a month for your family, but the business earns on average "
                "%(profit)s a month after costs, interest and taxes: take less, or find how to sell more "
                "or spend less.",
                drawings=money(a.owner_drawings),
                profit=money(profit),
            )
            warnings.append(PlanWarning("drawings_above_profit", "owner_drawings", message))

    if borrowed > loan_limit:
        message = _(
            "Your loan request (%(amount)s) is above the programme limit of %(limit)s.",
            amount=money(borrowed),
            limit=money(loan_limit),
        )
        warnings.append(PlanWarning("loan_above_limit", "loans", message))

    dscr: Decimal | None = metrics.dscr
    if dscr is not None and dscr < min_dscr:
        message = _(
            "Your repayment capacity (DSCR) is %(dscr)s: the business earns %(dscr)s euros for each euro of "
            "installments; lenders want at least %(min)s.",
            dscr=number(dscr),
            min=number(min_dscr),
        )
        warnings.append(PlanWarning("low_dscr", "loans", message))

    if metrics.break_even_month is None:
        message = _("With these numbers the business never covers its monthly costs.")
        warnings.append(PlanWarning("never_breaks_even", "revenue_streams", message))

    return warnings
