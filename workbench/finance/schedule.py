"""Loan repayment schedules: French annuity or Italian equal principal, with an interest-only grace period.

Conventions (the ones written on the contract):

- Monthly periods; periodic rate r = annual_rate / 12 (30/360, simple monthly interest, no interest on
  interest).
- Interest of installment k = balance before k x r, rounded to cents ROUND_HALF_UP.
- The first ``grace_months`` installments pay interest only (Italian "preammortamento"); the loan
  amortises over the remaining n = term_months - grace_months installments.
- "annuity": each amortising installment totals A = P x r / (1 - (1 + r)^-n) (A = P / n when r = 0),
  rounded to cents HALF_UP and computed in Decimal; its principal is A - interest.
- "equal_principal": each amortising installment repays P / n rounded to cents HALF_UP; interest falls
  with the balance.
- The last installment repays whatever principal is left, so principals sum exactly to P and the final balance
  is 0.00. A principal never exceeds the balance nor drops below zero, so no amount is negative.
- Due date of installment k = first_due plus k - 1 months, same day of the month, clamped to the month's end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .assumptions import _Checker, check_loan_terms
from .money import CENT, ZERO, monthly_dates

_TWELVE = Decimal(12)


@dataclass(frozen=True, slots=True)
class Installment:
    """One installment; ``balance`` is the principal still owed after it. Money in Decimal cents."""

    number: int
    due_date: date | None
    principal: Decimal
    interest: Decimal
    total: Decimal
    balance: Decimal


def _fast_constructor(cls: type) -> Callable[..., Any]:
    """Build instances of a frozen slots dataclass by setting its slots directly, in field order.

    The generated __init__ of a frozen dataclass goes through object.__setattr__ for every field, which makes
    it about four times slower; a 120-month schedule builds 120 of them against a 1 ms budget."""
    setters = [cls.__dict__[field.name].__set__ for field in fields(cls)]
    new = object.__new__

    def make(*values: object) -> Any:
        instance = new(cls)
        for setter, value in zip(setters, values, strict=True):
            setter(instance, value)
        return instance

    return make


_installment = _fast_constructor(Installment)


def annuity_payment(principal: Decimal, annual_rate: Decimal, periods: int) -> Decimal:
    """A = P x r / (1 - (1 + r)^-n), r = annual_rate / 12, or P / n when r = 0; rounded to cents HALF_UP."""
    if annual_rate == 0:
        return (principal / periods).quantize(CENT, rounding=ROUND_HALF_UP)
    rate = annual_rate / _TWELVE
    return (principal * rate / (1 - (1 + rate) ** -periods)).quantize(CENT, rounding=ROUND_HALF_UP)


def amortise(
    principal: Decimal, annual_rate: Decimal, term_months: int, grace_months: int, method: str
) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(interest, principal, balance after) of each installment, for terms already checked (no validation)."""
    amortising = term_months - grace_months
    if method == "annuity":
        payment = annuity_payment(principal, annual_rate, amortising)
    else:
        share = (principal / amortising).quantize(CENT, rounding=ROUND_HALF_UP)
    balance = principal
    rows = []
    for number in range(1, term_months + 1):
        # balance x annual_rate is exact in Decimal; one division and one rounding follow.
        interest = (
            (balance * annual_rate / _TWELVE).quantize(CENT, rounding=ROUND_HALF_UP) if balance else ZERO
        )
        if number <= grace_months:
            repaid = ZERO
        elif number == term_months:
            repaid = balance
        else:
            repaid = payment - interest if method == "annuity" else share
            if repaid > balance:
                repaid = balance
            elif repaid < 0:
                repaid = ZERO
        balance -= repaid
        rows.append((interest, repaid, balance))
    return rows


def build_schedule(
    principal: object,
    annual_rate: object,
    term_months: object,
    grace_months: object = 0,
    method: str = "annuity",
    first_due: date | None = None,
) -> tuple[Installment, ...]:
    """The installments 1..term_months in order (see the module docstring for every formula and rounding).

    Money may be given as Decimal, int, float or decimal string; the principal is rounded to cents HALF_UP.
    ``first_due`` is the due date of installment 1; without it the schedule is undated (``due_date`` None), as
    the projection uses it. Bad terms raise AssumptionsError with paths ``principal``, ``annual_rate``,
    ``term_months``, ``grace_months``, ``method``.
    """
    check = _Checker()
    terms = check_loan_terms(
        check,
        {
            "principal": principal,
            "annual_rate": annual_rate,
            "term_months": term_months,
            "grace_months": grace_months,
            "method": method,
        },
        "",
        1,
    )
    check.raise_if_any()
    assert terms is not None
    rows = amortise(terms.principal, terms.annual_rate, terms.term_months, terms.grace_months, terms.method)
    dates = [None] * len(rows) if first_due is None else monthly_dates(first_due, len(rows))
    return tuple(
        _installment(number, due_date, repaid, interest, interest + repaid, balance)
        for number, due_date, (interest, repaid, balance) in zip(
            range(1, len(rows) + 1), dates, rows, strict=True
        )
    )


def schedule_totals(installments: Sequence[Installment]) -> tuple[Decimal, Decimal, Decimal]:
    """(principal, interest, total) summed over a schedule."""
    principal = sum((row.principal for row in installments), ZERO)
    interest = sum((row.interest for row in installments), ZERO)
    return principal, interest, principal + interest
