"""Loan position (allocation, arrears, days past due) and portfolio indicators, with hand-computed figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.finance import OverpaymentError, PaymentError
from workbench.finance.portfolio import LoanPosition, loan_position, portfolio_indicators
from workbench.finance.schedule import build_schedule

D = Decimal


@pytest.fixture
def schedule():
    """1,200 at 1 % a month, one grace month, equal principal. Due Jan 31, Feb 28, Mar 31, Apr 30 2025:
    12.00 (interest only), 412.00, 408.00, 404.00; 1,236.00 in all."""
    rows = build_schedule("1200", "0.12", 4, 1, "equal_principal", date(2025, 1, 31))
    assert [row.total for row in rows] == [D("12.00"), D("412.00"), D("408.00"), D("404.00")]
    return rows


def test_partial_payment_goes_to_interest_then_principal(schedule):
    payments = [(date(2025, 1, 31), D("12")), (date(2025, 2, 28), D("200")), (date(2025, 4, 1), D("500"))]
    position = loan_position(schedule, payments, date(2025, 3, 15))
    assert position.paid_to_date == D("212")  # the April payment is after as_of: ignored
    assert position.paid_interest == D("24.00")  # 12 of January, 12 of February
    assert position.paid_principal == D("188.00")
    assert position.outstanding_principal == D("1012.00")
    assert position.due_to_date == D("424.00")  # January and February
    assert position.overdue_amount == D("212.00")
    assert position.oldest_unpaid_due_date == date(2025, 2, 28)
    assert position.days_past_due == 15  # February 28 -> March 15


def test_payment_smaller_than_the_interest_pays_interest_only(schedule):
    position = loan_position(schedule, [(date(2025, 2, 1), 12), (date(2025, 3, 1), "5")], date(2025, 3, 1))
    assert (position.paid_interest, position.paid_principal) == (D("17.00"), D("0.00"))
    assert position.outstanding_principal == D("1200.00")


def test_payments_are_allocated_whatever_their_order(schedule):
    payments = [(date(2025, 3, 1), D("300")), (date(2025, 1, 1), D("50"))]
    forward = loan_position(schedule, payments, date(2025, 3, 31))
    assert loan_position(schedule, payments[::-1], date(2025, 3, 31)) == forward
    # 350 paid: January's 12 of interest, then February's 12 of interest and 326 of its 400 of principal.
    assert forward.paid_interest == D("24.00")
    assert forward.paid_principal == D("326.00")
    assert forward.oldest_unpaid_due_date == date(2025, 2, 28)


def test_installment_due_today_and_unpaid_is_due_and_overdue_but_not_yet_past_due(schedule):
    position = loan_position(schedule, [(date(2025, 1, 31), D("12"))], date(2025, 2, 28))
    assert position.due_to_date == D("424.00")
    assert position.overdue_amount == D("412.00")
    assert position.days_past_due == 0
    assert loan_position(schedule, [(date(2025, 1, 31), D("12"))], date(2025, 3, 1)).days_past_due == 1


def test_days_past_due_count_from_the_oldest_installment_not_fully_paid(schedule):
    position = loan_position(schedule, [], date(2025, 5, 15))
    assert position.oldest_unpaid_due_date == date(2025, 1, 31)
    assert position.days_past_due == 104  # January 31 -> May 15
    assert position.overdue_amount == D("1236.00")


def test_prepayment_reduces_principal_and_nothing_is_overdue(schedule):
    position = loan_position(schedule, [(date(2025, 1, 10), D("100"))], date(2025, 1, 15))
    assert position.due_to_date == 0
    assert position.overdue_amount == 0
    assert position.days_past_due == 0
    assert (position.paid_interest, position.paid_principal) == (D("24.00"), D("76.00"))
    assert position.outstanding_principal == D("1124.00")


def test_fully_repaid_loan(schedule):
    payments = [(row.due_date, row.total) for row in schedule]
    position = loan_position(schedule, payments, date(2025, 12, 31))
    assert position.outstanding_principal == 0
    assert position.overdue_amount == 0
    assert position.days_past_due == 0
    assert position.oldest_unpaid_due_date is None
    assert position.paid_interest == D("36.00")


def test_paying_more_than_the_whole_schedule_is_refused(schedule):
    with pytest.raises(OverpaymentError) as caught:
        loan_position(schedule, [(date(2025, 1, 31), D("1236.01"))], date(2025, 2, 1))
    assert caught.value.excess == D("0.01")
    assert caught.value.schedule_total == D("1236.00")
    assert isinstance(caught.value, ValueError)
    assert "exceed the whole schedule" in str(caught.value)
    # Paid after as_of: ignored, not refused.
    assert loan_position(schedule, [(date(2025, 6, 1), D("5000"))], date(2025, 2, 1)).paid_to_date == 0


def test_negative_payment_is_refused(schedule):
    with pytest.raises(PaymentError):
        loan_position(schedule, [(date(2025, 1, 31), D("-1"))], date(2025, 2, 1))


@settings(max_examples=150, deadline=None)
@given(
    st.decimals(min_value=100, max_value=20000, places=2),
    st.integers(min_value=1, max_value=36),
    st.lists(st.decimals(min_value=0, max_value=800, places=2), max_size=40),
    st.integers(min_value=0, max_value=1200),
)
def test_position_properties(principal, term, amounts, days):
    rows = build_schedule(principal, "0.1", term, 0, "annuity", date(2024, 1, 31))
    total = sum(row.total for row in rows)
    payments = [(date(2024, 1, 1 + i % 28), amount) for i, amount in enumerate(amounts)]
    as_of = date.fromordinal(date(2024, 1, 1).toordinal() + days)
    if sum(amount for paid_on, amount in payments if paid_on <= as_of) > total:
        with pytest.raises(OverpaymentError):
            loan_position(rows, payments, as_of)
        return
    position = loan_position(rows, payments, as_of)
    assert position.paid_interest + position.paid_principal == position.paid_to_date
    assert 0 <= position.outstanding_principal <= principal
    assert position.outstanding_principal == principal - position.paid_principal
    assert position.overdue_amount == max(0, position.due_to_date - position.paid_to_date)
    assert position.days_past_due >= 0
    if position.overdue_amount > 0:
        assert position.days_past_due > 0 or position.oldest_unpaid_due_date == as_of


def position(outstanding, days, overdue, due, paid):
    return LoanPosition(
        as_of=date(2025, 6, 30),
        outstanding_principal=D(outstanding),
        due_to_date=D(due),
        paid_to_date=D(paid),
        overdue_amount=D(overdue),
        days_past_due=days,
        paid_interest=D(0),
        paid_principal=D(0),
        oldest_unpaid_due_date=None,
    )


def test_portfolio_indicators_by_hand():
    indicators = portfolio_indicators(
        [
            position(1000, 0, 0, 500, 500),
            position(2000, 31, 150, 800, 650),
            position(500, 91, 300, 600, 300),
            position(1500, 30, 100, 400, 300),  # 30 days is not "more than 30"
        ]
    )
    assert indicators.loans == 4
    assert indicators.gross_portfolio == D("5000")
    assert indicators.par30_amount == D("2500")
    assert indicators.par30 == D("0.5000")  # the whole balance of late loans, not only the late part
    assert indicators.par90_amount == D("500")
    assert indicators.par90 == D("0.1000")
    assert indicators.arrears_amount == D("550")
    assert indicators.arrears_rate == D("0.1100")  # 550 / 5000: smaller than PAR, and not PAR
    assert indicators.collection_rate == D("0.7609")  # 1750 / 2300 = 0.76087
    assert indicators.due_to_date == D("2300")
    assert indicators.paid_to_date == D("1750")


def test_empty_portfolio_has_no_ratios():
    indicators = portfolio_indicators([])
    assert indicators.loans == 0
    assert indicators.gross_portfolio == 0
    assert (indicators.par30, indicators.par90, indicators.arrears_rate, indicators.collection_rate) == (
        None,
        None,
        None,
        None,
    )


def test_indicators_from_real_positions(schedule):
    as_of = date(2025, 3, 15)
    late = loan_position(schedule, [(date(2025, 1, 31), D("12"))], as_of)  # 15 days late on February
    very_late = loan_position(schedule, [], date(2025, 5, 15))  # 104 days
    indicators = portfolio_indicators([late, very_late])
    assert indicators.gross_portfolio == D("2400.00")
    assert indicators.par30 == D("0.5000")
    assert indicators.par90 == D("0.5000")
    assert indicators.arrears_rate == D("0.6867")  # (412 + 1236) / 2400 = 0.68667
    assert indicators.collection_rate == D("0.0072")  # 12 / (424 + 1236) = 0.00723
