"""The contract's figures: the totals are the schedule's, fees enter the APR (TAEG) as flows of the
borrower, and without fees the TAEG is the nominal rate compounded monthly, up to days and cents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from workbench.finance.apr import annual_percentage_rate
from workbench.finance.errors import NumberError
from workbench.finance.money import add_months
from workbench.lending.contract import borrower_flows, contract_figures
from workbench.lending.models import Loan

D = Decimal


def a_loan(
    principal: str = "8000",
    rate: str = "0.07",
    term: int = 36,
    grace: int = 0,
    method: str = "annuity",
    disbursed_on: date = date(2027, 1, 15),
) -> Loan:
    """A loan as the database holds it (the figures read only its terms and dates)."""
    return Loan(
        principal=D(principal),
        annual_rate=D(rate),
        term_months=term,
        grace_months=grace,
        method=method,
        disbursed_on=disbursed_on,
        first_due_on=add_months(disbursed_on, 1),
    )


@pytest.mark.parametrize(
    ("principal", "rate", "term", "grace", "method", "disbursed_on"),
    [
        ("8000", "0.07", 36, 0, "annuity", date(2027, 1, 15)),
        ("5000", "0.05", 24, 0, "annuity", date(2026, 1, 31)),  # first due date 28 February
        ("25000", "0.125", 84, 6, "annuity", date(2026, 2, 28)),
        ("12000", "0.095", 60, 3, "equal_principal", date(2027, 3, 10)),
        ("1500", "0.18", 18, 0, "annuity", date(2028, 2, 29)),
    ],
)
def test_without_fees_the_taeg_is_the_nominal_rate_compounded_monthly(
    principal: str, rate: str, term: int, grace: int, method: str, disbursed_on: date
) -> None:
    figures = contract_figures(a_loan(principal, rate, term, grace, method, disbursed_on))
    effective = (1 + D(rate) / 12) ** 12 - 1
    assert figures.apr is not None
    # The schedule charges exactly rate / 12 a month, so the only gaps are the cents of the installments,
    # the rounding to 0.01 % and months of 28 to 31 days counted as days / 365 rather than 1/12 of a year.
    assert abs(figures.apr - effective) <= D("0.0006")
    assert figures.apr > figures.nominal_rate  # compounding: the TAEG of a monthly loan is above its TAN
    assert figures.nominal_rate == D(rate)


def test_a_fee_raises_the_taeg_and_the_totals() -> None:
    loan = a_loan()
    without = contract_figures(loan)
    with_fees = contract_figures(loan, fees=[(loan.disbursed_on, D("100")), (date(2028, 1, 15), "20.50")])
    assert without.fees == ()
    assert without.total_fees == 0
    assert without.total_to_repay == without.total_installments
    assert with_fees.apr is not None
    assert without.apr is not None
    assert with_fees.apr > without.apr + D("0.005")
    assert with_fees.total_fees == D("120.50")
    assert with_fees.total_to_repay == without.total_installments + D("120.50")
    assert with_fees.total_cost == without.total_interest + D("120.50")
    # the fees change the cost, never the schedule
    assert with_fees.schedule == without.schedule
    assert with_fees.total_interest == without.total_interest


def test_a_fee_counts_on_the_day_it_is_paid() -> None:
    loan = a_loan()
    at_payout = contract_figures(loan, fees=[(loan.disbursed_on, D("200"))]).apr
    at_the_end = contract_figures(loan, fees=[(date(2030, 1, 15), D("200"))]).apr
    assert at_payout is not None
    assert at_the_end is not None
    assert at_payout > at_the_end  # money paid at once costs more than the same sum paid three years later


@pytest.mark.parametrize(
    ("principal", "rate", "term", "grace", "method"),
    [
        ("8000", "0.07", 36, 0, "annuity"),
        ("12000", "0.095", 60, 3, "equal_principal"),
        ("999.99", "0", 7, 1, "annuity"),
    ],
)
def test_the_totals_add_up_to_the_schedule(
    principal: str, rate: str, term: int, grace: int, method: str
) -> None:
    figures = contract_figures(a_loan(principal, rate, term, grace, method))
    schedule = figures.schedule
    assert len(schedule) == term
    assert figures.total_principal == sum(row.principal for row in schedule) == D(principal)
    assert figures.total_interest == sum(row.interest for row in schedule)
    assert figures.total_installments == sum(row.total for row in schedule)
    assert figures.total_installments == figures.total_principal + figures.total_interest
    assert figures.total_to_repay == figures.total_installments
    assert figures.total_cost == figures.total_interest
    assert schedule[-1].balance == 0


def test_an_interest_free_loan_has_a_taeg_of_zero() -> None:
    figures = contract_figures(a_loan(rate="0", term=12))
    assert figures.total_interest == 0
    assert figures.apr == 0


def test_the_flows_are_the_payout_every_installment_and_every_fee() -> None:
    loan = a_loan(term=3)
    figures = contract_figures(loan)
    flows = borrower_flows(loan, figures.schedule, [(date(2027, 1, 15), D("50"))])
    assert flows[0] == (date(2027, 1, 15), D("8000.00"))
    assert flows[1:4] == [(row.due_date, -row.total) for row in figures.schedule]
    assert [row.due_date for row in figures.schedule] == [
        date(2027, 2, 15),
        date(2027, 3, 15),
        date(2027, 4, 15),
    ]
    assert flows[4] == (date(2027, 1, 15), D("-50"))
    assert sum(amount for _, amount in flows) == -(figures.total_interest + D("50"))
    # The service's TAEG is the finance core's rate of exactly these flows.
    assert contract_figures(loan, fees=[(date(2027, 1, 15), D("50"))]).apr == annual_percentage_rate(flows)


def test_flows_without_a_rate_leave_the_taeg_empty() -> None:
    # A fee far larger than the loan, paid the day after: no rate in the range searched balances it.
    loan = a_loan(principal="100", term=2)
    figures = contract_figures(loan, fees=[(date(2027, 1, 16), D("10000000"))])
    assert figures.apr is None
    assert figures.total_fees == D("10000000")


def test_a_fee_amount_is_read_with_the_bounded_reader() -> None:
    with pytest.raises(NumberError) as caught:
        contract_figures(a_loan(), fees=[(date(2027, 1, 15), "9" * 5000)])
    assert caught.value.code == "too_long"
