"""Loan position: lateness after a tolerance; payments to penalties, fees, interest, then principal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.finance import OverpaymentError, PaymentError
from workbench.finance.conventions import MAX_TOLERANCE_DAYS
from workbench.finance.portfolio import loan_position, portfolio_indicators
from workbench.finance.schedule import build_schedule

D = Decimal


@pytest.fixture
def schedule():
    """1,200 at 1 % a month, one grace month, equal principal; due Jan 31, Feb 28, Mar 31, Apr 30 2025."""
    return build_schedule("1200", "0.12", 4, 1, "equal_principal", date(2025, 1, 31))


@dataclass(frozen=True)
class Row:
    """An installment row as the lending tables hold it, with its charges."""

    due_date: date
    principal: Decimal
    interest: Decimal
    fees: Decimal | None = None
    penalties: Decimal | None = None


def test_a_tolerance_delays_lateness_and_counts_days_after_it(schedule):
    paid_january = [(date(2025, 1, 31), D("12"))]  # February's 412 stays unpaid
    for as_of, tolerance, days in [
        (date(2025, 3, 1), 0, 1),
        (date(2025, 3, 1), 5, 0),
        (date(2025, 3, 5), 5, 0),  # February 28 + 5 days = March 5: not late yet
        (date(2025, 3, 6), 5, 1),
        (date(2025, 4, 4), 5, 30),
        (date(2025, 4, 5), 5, 31),
    ]:
        position = loan_position(schedule, paid_january, as_of, tolerance_days=tolerance)
        assert position.days_past_due == days, (as_of, tolerance)
        assert position.oldest_unpaid_due_date == date(2025, 2, 28)  # whatever the tolerance
        assert position.overdue_amount > 0  # due and unpaid, late or not


def test_par30_counts_only_loans_late_beyond_the_tolerance(schedule):
    as_of = date(2025, 4, 1)  # February 28 unpaid: 32 days after the due date
    strict = loan_position(schedule, [(date(2025, 1, 31), D("12"))], as_of)
    tolerant = loan_position(schedule, [(date(2025, 1, 31), D("12"))], as_of, tolerance_days=5)
    assert (strict.days_past_due, tolerant.days_past_due) == (32, 27)
    assert portfolio_indicators([strict]).par30 == D("1.0000")
    assert portfolio_indicators([tolerant]).par30 == D("0.0000")


@pytest.mark.parametrize("tolerance", [-1, MAX_TOLERANCE_DAYS + 1, 1.5, "3", True, None])
def test_a_bad_tolerance_is_refused(schedule, tolerance):
    with pytest.raises(ValueError, match="tolerance_days"):
        loan_position(schedule, [], date(2025, 3, 1), tolerance_days=tolerance)


def rows_with_charges():
    return [
        Row(date(2025, 1, 31), D("100.00"), D("10.00"), fees=D("5.00"), penalties=D("2.00")),
        Row(date(2025, 2, 28), D("100.00"), D("9.00"), fees=D("5.00")),
        Row(date(2025, 3, 31), D("100.00"), D("8.00"), penalties=None),
    ]


@pytest.mark.parametrize(
    ("paid", "penalties", "fees", "interest", "principal"),
    [
        ("1.50", "1.50", "0", "0", "0"),  # penalties first
        ("6.00", "2.00", "4.00", "0", "0"),  # then fees
        ("10.00", "2.00", "5.00", "3.00", "0"),  # then interest
        ("50.00", "2.00", "5.00", "10.00", "33.00"),  # then principal
        ("117.00", "2.00", "5.00", "10.00", "100.00"),  # the first installment exactly
        ("120.00", "2.00", "8.00", "10.00", "100.00"),  # the second one's fees before its interest
        ("331.00", "2.00", "10.00", "27.00", "292.00"),
    ],
)
def test_payments_go_to_penalties_fees_interest_then_principal(paid, penalties, fees, interest, principal):
    position = loan_position(rows_with_charges(), [(date(2025, 1, 31), D(paid))], date(2025, 4, 30))
    assert position.paid_penalties == D(penalties)
    assert position.paid_fees == D(fees)
    assert position.paid_interest == D(interest)
    assert position.paid_principal == D(principal)
    assert (
        position.paid_penalties + position.paid_fees + position.paid_interest + position.paid_principal
        == D(paid)
    )


def test_charges_count_in_what_is_due_and_in_the_whole_schedule():
    rows = rows_with_charges()
    position = loan_position(rows, [], date(2025, 2, 28))
    assert position.due_to_date == D("117.00") + D("114.00")
    assert position.outstanding_principal == D("300.00")
    with pytest.raises(OverpaymentError) as caught:
        loan_position(rows, [(date(2025, 1, 1), D("339.01"))], date(2025, 4, 30))
    assert caught.value.schedule_total == D("339.00")


def test_rows_without_charges_behave_as_schedule_rows(schedule):
    plain = [Row(row.due_date, row.principal, row.interest) for row in schedule]
    payments = [(date(2025, 2, 1), D("300"))]
    assert loan_position(plain, payments, date(2025, 3, 15)) == loan_position(
        schedule, payments, date(2025, 3, 15)
    )


def test_negative_charges_are_refused():
    with pytest.raises(PaymentError):
        loan_position([Row(date(2025, 1, 31), D("100"), D("1"), fees=D("-1"))], [], date(2025, 2, 1))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=500, places=2),
            st.decimals(min_value=0, max_value=50, places=2),
            st.decimals(min_value=0, max_value=20, places=2),
            st.decimals(min_value=0, max_value=20, places=2),
        ),
        min_size=1,
        max_size=24,
    ),
    st.decimals(min_value=0, max_value=3000, places=2),
    st.integers(min_value=0, max_value=800),
    st.integers(min_value=0, max_value=MAX_TOLERANCE_DAYS),
)
def test_position_with_charges_properties(parts, paid, days, tolerance):
    rows = [
        Row(date.fromordinal(date(2025, 1, 31).toordinal() + 30 * k), *amounts)
        for k, amounts in enumerate(parts)
    ]
    total = sum(sum(amounts) for amounts in parts)
    as_of = date.fromordinal(date(2025, 1, 1).toordinal() + days)
    if paid > total:
        with pytest.raises(OverpaymentError):
            loan_position(rows, [(date(2025, 1, 1), paid)], as_of, tolerance)
        return
    position = loan_position(rows, [(date(2025, 1, 1), paid)], as_of, tolerance)
    parts_paid = (
        position.paid_penalties,
        position.paid_fees,
        position.paid_interest,
        position.paid_principal,
    )
    assert sum(parts_paid) == paid
    assert all(part >= 0 for part in parts_paid)
    assert position.paid_penalties <= sum(amounts[3] for amounts in parts)
    assert position.paid_fees <= sum(amounts[2] for amounts in parts)
    assert position.outstanding_principal == sum(amounts[0] for amounts in parts) - position.paid_principal
    without_tolerance = loan_position(rows, [(date(2025, 1, 1), paid)], as_of)
    assert position.days_past_due == max(0, without_tolerance.days_past_due - tolerance)
