"""Loan repayment schedules: French annuity or Italian equal principal, with a grace period.

Conventions (the ones written on the contract; these are the defaults, :class:`~.conventions.Conventions`
changes them, see below):

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

Other conventions (``build_schedule(..., conventions=..., disbursed_on=...)``, values in
:mod:`.conventions`):

- ``day_count`` "actual/365": interest of installment k = balance x annual_rate x actual days from the
  previous due date (for k = 1: from the disbursement with "actual_days", else from one month before the
  first due date) to its due date / 365. The level installment A is still computed with r = annual_rate / 12
  (the rate the contract quotes); A - interest then varies a little and the last installment absorbs it.
- ``first_period`` "actual_days": the first period runs from ``disbursed_on`` to ``first_due`` (1 to
  MAX_FIRST_PERIOD_DAYS days): its interest is balance x annual_rate x days / 365 under actual/365, or
  x 30E/360 days / 360 under 30/360 (:func:`days_30e_360`); the later months are whole.
- ``rounding`` "half_even": every rounding above (interest, installment, share) is banker's rounding.
- ``installment_unit`` 1: A (annuity) or P / n (equal principal) is rounded to whole euros with the chosen
  rounding; principals and interest stay in cents, and the last installment takes the remainder.
- ``interest`` "flat": the interest of every installment, grace included, is P x annual_rate x the period's
  fraction of a year (1/12, or its days as above), rounded; the last installment's interest makes the total
  equal to the total flat interest rounded once (never below zero). An annuity then totals
  A = P / n + P x r (rounded to the unit): its principal is A - interest.
- ``grace`` "deferred": the grace installments are 0.00 (no principal, no interest); the interest of the
  grace months, computed as above, is spread over the n amortising installments in equal cents (the last
  takes the remainder) and added to their interest. It earns no interest itself, so the principal schedule
  and the total interest are those of "interest_only".
- ``late_tolerance_days`` does not change the schedule (see :func:`~.portfolio.loan_position`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .assumptions import _Checker, check_loan_terms
from .conventions import DEFAULT_CONVENTIONS, Conventions, check_conventions
from .money import CENT, ZERO, add_months, monthly_dates

_ONE = Decimal(1)
_TWELVE = Decimal(12)
_360 = Decimal(360)
_365 = Decimal(365)
#: The longest irregular first period (disbursement to first due date) "actual_days" accepts.
MAX_FIRST_PERIOD_DAYS = 366


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
    *,
    conventions: Conventions | Mapping[str, object] | None = None,
    disbursed_on: date | None = None,
) -> tuple[Installment, ...]:
    """The installments 1..term_months in order (see the module docstring for every formula and rounding).

    Money may be given as Decimal, int, float or decimal string; the principal is rounded to cents HALF_UP.
    ``first_due`` is the due date of installment 1; without it the schedule is undated (``due_date`` None), as
    the projection uses it. ``conventions`` (a :class:`~.conventions.Conventions` or a mapping of its fields)
    default to the contract conventions above; "actual/365" needs ``first_due`` and "actual_days" also
    ``disbursed_on``, at most MAX_FIRST_PERIOD_DAYS before it. Bad terms raise AssumptionsError with paths
    ``principal``, ``annual_rate``, ``term_months``, ``grace_months``, ``method``, ``conventions.<field>``,
    ``first_due``, ``disbursed_on``.
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
    chosen = DEFAULT_CONVENTIONS
    if conventions is not None and conventions is not DEFAULT_CONVENTIONS:
        chosen = check_conventions(check, conventions) or DEFAULT_CONVENTIONS
        _check_dates(check, chosen, first_due, disbursed_on)
    check.raise_if_any()
    assert terms is not None
    if chosen.is_default:
        rows = amortise(
            terms.principal, terms.annual_rate, terms.term_months, terms.grace_months, terms.method
        )
        dates = [None] * len(rows) if first_due is None else monthly_dates(first_due, len(rows))
    else:
        dates = (
            monthly_dates(first_due, terms.term_months)
            if first_due is not None
            else [None] * terms.term_months
        )
        rows = amortise_with(
            terms.principal,
            terms.annual_rate,
            terms.term_months,
            terms.grace_months,
            terms.method,
            chosen,
            _period_fractions(chosen, dates, disbursed_on),
        )
    return tuple(
        _installment(number, due_date, repaid, interest, interest + repaid, balance)
        for number, due_date, (interest, repaid, balance) in zip(
            range(1, len(rows) + 1), dates, rows, strict=True
        )
    )


def _check_dates(check: _Checker, conventions: Conventions, first_due: object, disbursed_on: object) -> None:
    """The dates the conventions need: a first due date for actual/365 or actual_days, a disbursement date
    before it (by at most MAX_FIRST_PERIOD_DAYS) for actual_days."""
    needs_first_due = conventions.day_count == "actual/365" or conventions.first_period == "actual_days"
    if first_due is not None and not isinstance(first_due, date):
        check.fail("first_due", "not_a_date")
        return
    if disbursed_on is not None and not isinstance(disbursed_on, date):
        check.fail("disbursed_on", "not_a_date")
        return
    if needs_first_due and first_due is None:
        check.fail("first_due", "required")
    if conventions.first_period != "actual_days":
        return
    if disbursed_on is None:
        check.fail("disbursed_on", "required")
    elif first_due is not None:
        days = (first_due - disbursed_on).days
        if days <= 0:
            check.fail("disbursed_on", "disbursed_after_first_due")
        elif days > MAX_FIRST_PERIOD_DAYS:
            check.fail("disbursed_on", "first_period_too_long", max=MAX_FIRST_PERIOD_DAYS)


def days_30e_360(start: date, end: date) -> int:
    """Days between two dates counted 30E/360: 360 x years + 30 x months + days, a 31st read as the 30th."""
    return (
        360 * (end.year - start.year) + 30 * (end.month - start.month) + min(end.day, 30) - min(start.day, 30)
    )


def _period_fractions(
    conventions: Conventions, dates: Sequence[date | None], disbursed_on: date | None
) -> list[tuple[Decimal, Decimal]]:
    """(days, days in a year) of each period: interest = balance x rate x days / year.

    30/360: (1, 12) for a whole month; the irregular first period is (30E/360 days, 360). actual/365:
    (actual days since the previous due date, 365); the first period starts at the disbursement with
    "actual_days", else one month before the first due date."""
    count = len(dates)
    if conventions.day_count == "30/360":
        fractions = [(_ONE, _TWELVE)] * count
        if conventions.first_period == "actual_days":
            assert disbursed_on is not None
            assert dates[0] is not None
            fractions[0] = (Decimal(days_30e_360(disbursed_on, dates[0])), _360)
        return fractions
    assert dates[0] is not None
    start = disbursed_on if conventions.first_period == "actual_days" else add_months(dates[0], -1)
    fractions = []
    for due in dates:
        assert due is not None
        assert start is not None
        fractions.append((Decimal((due - start).days), _365))
        start = due
    return fractions


def amortise_with(
    principal: Decimal,
    annual_rate: Decimal,
    term_months: int,
    grace_months: int,
    method: str,
    conventions: Conventions,
    fractions: Sequence[tuple[Decimal, Decimal]],
) -> list[tuple[Decimal, Decimal, Decimal]]:
    """:func:`amortise` under non-default conventions: (interest, principal, balance after) of each row."""
    mode = conventions.rounding_mode
    unit = conventions.installment_unit
    flat = conventions.interest == "flat"
    deferred_grace = conventions.grace == "deferred"
    amortising = term_months - grace_months
    if method == "annuity":
        if flat:
            level = principal / amortising + principal * annual_rate / _TWELVE
        elif annual_rate == 0:
            level = principal / amortising
        else:
            rate = annual_rate / _TWELVE
            level = principal * rate / (1 - (1 + rate) ** -amortising)
        payment = level.quantize(unit, rounding=mode).quantize(CENT)  # amounts keep two places
    else:
        share = (principal / amortising).quantize(unit, rounding=mode).quantize(CENT)
    if flat:  # the total flat interest is rounded once; the last installment's interest completes it
        exact = [principal * annual_rate * days / year for days, year in fractions]
        flat_interest = [amount.quantize(CENT, rounding=mode) for amount in exact]
        rest = sum(exact, ZERO).quantize(CENT, rounding=mode) - sum(flat_interest[:-1], ZERO)
        flat_interest[-1] = max(rest, ZERO)  # below zero only for amounts of a few cents
    balance = principal
    deferred = ZERO  # grace interest not paid, to spread
    spread = spread_left = ZERO
    rows = []
    for number, (days, year) in zip(range(1, term_months + 1), fractions, strict=True):
        if flat:
            interest = flat_interest[number - 1]
        else:
            interest = (
                (balance * annual_rate * days / year).quantize(CENT, rounding=mode) if balance else ZERO
            )
        if number <= grace_months:
            repaid = ZERO
            if deferred_grace:
                deferred += interest
                interest = ZERO
        else:
            if number == term_months:
                repaid = balance
            else:
                repaid = payment - interest if method == "annuity" else share
                if repaid > balance:
                    repaid = balance
                elif repaid < 0:
                    repaid = ZERO
            if deferred:
                if number == grace_months + 1:
                    spread = (deferred / amortising).quantize(CENT, rounding=mode)
                    spread_left = deferred
                part = spread_left if number == term_months else min(spread, spread_left)
                spread_left -= part
                interest += part
        balance -= repaid
        rows.append((interest, repaid, balance))
    return rows


def schedule_totals(installments: Sequence[Installment]) -> tuple[Decimal, Decimal, Decimal]:
    """(principal, interest, total) summed over a schedule."""
    principal = sum((row.principal for row in installments), ZERO)
    interest = sum((row.interest for row in installments), ZERO)
    return principal, interest, principal + interest
