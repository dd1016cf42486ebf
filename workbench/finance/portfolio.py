"""Where a loan stands on a given day, and the indicators of a portfolio of loans.

``loan_position(installments, payments, as_of, tolerance_days=0)``

- ``installments``: the schedule, oldest first; any objects with ``due_date``, ``interest`` and ``principal``
  (schedule.Installment, or rows of the lending tables), and optionally ``fees`` and ``penalties`` (missing
  or None: 0). ``payments``: (date, amount) pairs in any order.
- Payments dated on or before ``as_of`` are allocated oldest installment first and, within an installment,
  penalties, then fees, then interest, then principal; later payments are ignored. Because the allocation is
  a waterfall, the position depends only on their sum.
- ``due_to_date`` = sum of (penalties + fees + interest + principal) of the installments due on or before
  as_of
- ``paid_to_date`` = sum of the payments allocated = ``paid_penalties`` + ``paid_fees`` + ``paid_interest``
  + ``paid_principal``
- ``outstanding_principal`` = schedule principal - paid_principal
- ``overdue_amount`` = max(0, due_to_date - paid_to_date) (an installment due today and unpaid is overdue,
  not yet late)
- Lateness and tolerance: an installment not fully paid is late only after its due date plus
  ``tolerance_days`` (the product's ``late_tolerance_days``, 0..MAX_TOLERANCE_DAYS).
  ``days_past_due`` = as_of - (due date + tolerance_days) of the oldest installment not fully paid, when
  that is positive; else 0. So with a tolerance of 5 days an installment due on the 1st and unpaid is 0 days
  past due up to the 6th and 1 day past due on the 7th; PAR30 then counts loans late more than 30 days
  beyond the tolerance. ``oldest_unpaid_due_date`` is the oldest unpaid installment's due date (None when
  all is paid), whatever the tolerance.
- A negative payment raises PaymentError; payments (up to as_of) above the whole schedule raise
  OverpaymentError (both ValueErrors). Reversals are the lending layer's business: pass only payments that
  stand.

``portfolio_indicators(positions)`` (definitions of the microfinance reporting standards):

- ``gross_portfolio`` = sum of outstanding principal
- ``par30`` / ``par90`` = outstanding principal of the loans more than 30 / 90 days past due
  (days_past_due > 30, > 90; the whole balance, not only the late part) over gross_portfolio;
  ``par30_amount`` / ``par90_amount`` are the numerators
- ``arrears_rate`` = sum of overdue_amount / gross_portfolio (this is not PAR: it counts only the late
  installments' amounts); ``arrears_amount`` the numerator
- ``collection_rate`` = sum of paid_to_date / sum of due_to_date (above 1 when borrowers pay ahead)
- Ratios are rounded HALF_UP to 4 places; with a zero denominator (an empty or fully repaid portfolio, nothing
  due yet) they are None: not defined, rather than a reassuring 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .conventions import MAX_TOLERANCE_DAYS
from .errors import OverpaymentError, PaymentError
from .money import ZERO, round_ratio, to_decimal
from .schedule import Installment, _fast_constructor


@dataclass(frozen=True, slots=True)
class LoanPosition:
    as_of: date
    outstanding_principal: Decimal
    due_to_date: Decimal
    paid_to_date: Decimal
    overdue_amount: Decimal
    days_past_due: int
    paid_interest: Decimal
    paid_principal: Decimal
    oldest_unpaid_due_date: date | None
    paid_fees: Decimal = ZERO
    paid_penalties: Decimal = ZERO


_position = _fast_constructor(LoanPosition)
_PLAIN_ROWS = {Installment}


@dataclass(frozen=True, slots=True)
class PortfolioIndicators:
    loans: int
    gross_portfolio: Decimal
    par30_amount: Decimal
    par30: Decimal | None
    par90_amount: Decimal
    par90: Decimal | None
    arrears_amount: Decimal
    arrears_rate: Decimal | None
    due_to_date: Decimal
    paid_to_date: Decimal
    collection_rate: Decimal | None


def loan_position(
    installments: Sequence[Any],
    payments: Iterable[tuple[date, object]],
    as_of: date,
    tolerance_days: int = 0,
) -> LoanPosition:
    """The loan's position at the end of ``as_of`` (allocation and definitions in the module docstring)."""
    if type(tolerance_days) is not int or not 0 <= tolerance_days <= MAX_TOLERANCE_DAYS:
        raise ValueError(f"tolerance_days must be a whole number from 0 to {MAX_TOLERANCE_DAYS}")
    paid = ZERO
    for paid_on, raw_amount in payments:
        amount = raw_amount if isinstance(raw_amount, Decimal) else to_decimal(raw_amount)
        if amount < 0:
            raise PaymentError(f"A payment cannot be negative ({amount} on {paid_on}).")
        if paid_on <= as_of:
            paid += amount

    if set(map(type, installments)) <= _PLAIN_ROWS:  # schedule rows carry no charges: the fast path
        allocation = _allocate(installments, paid, as_of)
    else:
        allocation = _allocate_with_charges(installments, paid, as_of)
    due, oldest_unpaid, paid_penalties, paid_fees, paid_interest, paid_principal, total_principal = allocation

    days = 0
    if oldest_unpaid is not None:
        days = max(0, (as_of - oldest_unpaid).days - tolerance_days)
    return _position(  # fields in declaration order
        as_of,
        total_principal - paid_principal,
        due,
        paid,
        max(ZERO, due - paid),
        days,
        paid_interest,
        paid_principal,
        oldest_unpaid,
        paid_fees,
        paid_penalties,
    )


def _allocate(installments: Sequence[Any], paid: Decimal, as_of: date) -> tuple:
    """Waterfall of ``paid`` over installments without charges: interest, then principal."""
    remaining = paid  # still to allocate
    paid_interest = paid_principal = due = total_principal = total = ZERO
    oldest_unpaid: date | None = None
    for row in installments:
        interest, principal = row.interest, row.principal
        owed = interest + principal
        total += owed
        total_principal += principal
        if row.due_date <= as_of:
            due += owed
        if oldest_unpaid is not None:
            continue
        if remaining >= owed:
            remaining -= owed
            paid_interest += interest
            paid_principal += principal
            continue
        # The first installment not fully paid: interest first, then principal.
        oldest_unpaid = row.due_date
        to_interest = min(remaining, interest)
        paid_interest += to_interest
        paid_principal += remaining - to_interest
        remaining = ZERO
    if remaining > 0:
        raise OverpaymentError(paid, total)
    return due, oldest_unpaid, ZERO, ZERO, paid_interest, paid_principal, total_principal


def _allocate_with_charges(installments: Sequence[Any], paid: Decimal, as_of: date) -> tuple:
    """Waterfall of ``paid``: within each installment penalties, fees, interest, then principal."""
    remaining = paid
    paid_penalties = paid_fees = paid_interest = paid_principal = due = total_principal = total = ZERO
    oldest_unpaid: date | None = None
    for row in installments:
        interest, principal = row.interest, row.principal
        penalties, fees = _charge(row, "penalties"), _charge(row, "fees")
        owed = penalties + fees + interest + principal
        total += owed
        total_principal += principal
        if row.due_date <= as_of:
            due += owed
        if oldest_unpaid is not None:
            continue
        if remaining >= owed:
            remaining -= owed
            paid_penalties += penalties
            paid_fees += fees
            paid_interest += interest
            paid_principal += principal
            continue
        oldest_unpaid = row.due_date
        to_penalties = min(remaining, penalties)
        to_fees = min(remaining - to_penalties, fees)
        to_interest = min(remaining - to_penalties - to_fees, interest)
        paid_penalties += to_penalties
        paid_fees += to_fees
        paid_interest += to_interest
        paid_principal += remaining - to_penalties - to_fees - to_interest
        remaining = ZERO
    if remaining > 0:
        raise OverpaymentError(paid, total)
    return due, oldest_unpaid, paid_penalties, paid_fees, paid_interest, paid_principal, total_principal


def _charge(row: Any, name: str) -> Decimal:
    """An installment's optional fees or penalties: missing or None is 0; never negative."""
    value = getattr(row, name, None)
    if value is None:
        return ZERO
    amount = value if isinstance(value, Decimal) else to_decimal(value)
    if amount < 0:
        raise PaymentError(f"An installment's {name} cannot be negative ({amount}).")
    return amount


def portfolio_indicators(positions: Iterable[LoanPosition]) -> PortfolioIndicators:
    """Gross portfolio, PAR30, PAR90, arrears rate and collection rate (defined in the module docstring)."""
    count = 0
    gross = par30 = par90 = arrears = due = paid = ZERO
    for position in positions:
        count += 1
        outstanding = position.outstanding_principal
        gross += outstanding
        if position.days_past_due > 30:
            par30 += outstanding
            if position.days_past_due > 90:
                par90 += outstanding
        arrears += position.overdue_amount
        due += position.due_to_date
        paid += position.paid_to_date
    return PortfolioIndicators(
        loans=count,
        gross_portfolio=gross,
        par30_amount=par30,
        par30=round_ratio(par30, gross),
        par90_amount=par90,
        par90=round_ratio(par90, gross),
        arrears_amount=arrears,
        arrears_rate=round_ratio(arrears, gross),
        due_to_date=due,
        paid_to_date=paid,
        collection_rate=round_ratio(paid, due),
    )
