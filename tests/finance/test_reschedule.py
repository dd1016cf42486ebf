"""A schedule rescheduled on a day (workbench.finance.reschedule): what the payments covered stays, nothing
is overdue from before, the principal sums to the loan's, unpaid interest moves to the first new installment,
and the payments made so far allocate as they did."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.finance.errors import OverpaymentError
from workbench.finance.money import ZERO
from workbench.finance.portfolio import loan_position
from workbench.finance.reschedule import carry_over, splice
from workbench.finance.schedule import build_schedule

D = Decimal
FIRST_DUE = date(2027, 2, 15)


def original():
    return build_schedule(D("6000"), D("0.06"), 12, 0, "annuity", FIRST_DUE)


def rescheduled(paid: Decimal, effective_on: date, *, first_due: date | None = None, months: int = 18):
    schedule = original()
    carried = carry_over(schedule, paid, effective_on)
    new = build_schedule(
        carried.principal, D("0.05"), months, 2, "annuity", first_due or effective_on + timedelta(days=30)
    )
    return schedule, carried, splice(carried.kept, new, carried.interest)


def test_three_installments_paid_then_nothing_the_late_ones_are_carried_over() -> None:
    schedule = original()
    paid = sum((row.total for row in schedule[:3]), ZERO)
    effective = date(2027, 7, 1)  # installments 4 (15 May) and 5 (15 June) are due and unpaid
    before, carried, after = rescheduled(paid, effective)
    assert [row.number for row in carried.kept] == [1, 2, 3]
    assert carried.kept == tuple(schedule[:3])
    assert carried.principal == schedule[2].balance
    assert carried.interest == schedule[3].interest + schedule[4].interest
    assert (
        after[3].interest
        == carried.interest
        + build_schedule(carried.principal, D("0.05"), 18, 2, "annuity", effective + timedelta(days=30))[
            0
        ].interest
    )
    assert [row.number for row in after] == list(range(1, 3 + 18 + 1))
    assert sum(row.principal for row in after) == D("6000.00")
    assert after[-1].balance == ZERO
    position = loan_position(after, [(date(2027, 4, 15), paid)], effective)
    assert position.overdue_amount == ZERO
    assert position.days_past_due == 0
    old = loan_position(before, [(date(2027, 4, 15), paid)], effective)
    assert (position.paid_interest, position.paid_principal) == (old.paid_interest, old.paid_principal)
    assert position.outstanding_principal == old.outstanding_principal


def test_a_part_paid_installment_is_kept_as_paid_and_its_unpaid_interest_carried() -> None:
    schedule = original()
    paid = schedule[0].total + D("10.00")  # less than installment 2's interest
    _before, carried, after = rescheduled(paid, date(2027, 5, 1))
    second = carried.kept[1]
    assert (second.interest, second.principal, second.total) == (D("10.00"), ZERO, D("10.00"))
    assert carried.interest == schedule[1].interest - D("10.00") + schedule[2].interest
    assert sum(row.principal for row in after) == D("6000.00")


def test_payments_ahead_of_time_stay_allocated_as_they_were() -> None:
    schedule = original()
    paid = schedule[0].total + schedule[1].total + D("100.00")  # installment 2 is not due yet
    effective = date(2027, 2, 20)
    before, carried, after = rescheduled(paid, effective)
    assert len(carried.kept) == 3  # the third, reached ahead of time, reduced to what it got
    assert carried.interest == ZERO
    old = loan_position(before, [(effective, paid)], effective)
    new = loan_position(after, [(effective, paid)], effective)
    assert (new.paid_interest, new.paid_principal) == (old.paid_interest, old.paid_principal)
    assert new.overdue_amount == ZERO
    assert sum(row.principal for row in after) == D("6000.00")


def test_nothing_paid_everything_is_carried() -> None:
    schedule = original()
    _before, carried, after = rescheduled(ZERO, date(2027, 3, 20))
    assert carried.kept == ()
    assert carried.principal == D("6000.00")
    assert carried.interest == schedule[0].interest + schedule[1].interest
    assert after[0].number == 1


def test_more_than_the_schedule_is_refused() -> None:
    schedule = original()
    with pytest.raises(OverpaymentError):
        carry_over(schedule, sum((row.total for row in schedule), ZERO) + 1, date(2028, 6, 1))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    paid_share=st.integers(min_value=0, max_value=999),
    days=st.integers(min_value=-20, max_value=420),
    method=st.sampled_from(["annuity", "equal_principal"]),
    grace=st.integers(min_value=0, max_value=3),
)
def test_any_reschedule_keeps_the_principal_and_the_allocation(
    paid_share: int, days: int, method: str, grace: int
) -> None:
    schedule = build_schedule(D("9000"), D("0.07"), 24, grace, method, FIRST_DUE)
    total = sum((row.total for row in schedule), ZERO)
    paid = (total * paid_share / 1000).quantize(D("0.01"))
    effective = FIRST_DUE + timedelta(days=days)
    carried = carry_over(schedule, paid, effective)
    if carried.principal == ZERO:
        return  # repaid: nothing to reschedule
    new = build_schedule(carried.principal, D("0.04"), 12, 1, method, effective + timedelta(days=31))
    after = splice(carried.kept, new, carried.interest)
    assert sum((row.principal for row in after), ZERO) == D("9000.00")
    assert all(row.principal >= 0 and row.interest >= 0 for row in after)
    old = loan_position(schedule, [(effective, paid)], effective)
    position = loan_position(after, [(effective, paid)], effective)
    assert (position.paid_interest, position.paid_principal) == (old.paid_interest, old.paid_principal)
    assert position.overdue_amount == ZERO
    assert position.days_past_due == 0
    # What was owed and not paid by then is still owed: the principal, and the interest already due.
    due_interest = sum((row.interest for row in schedule if row.due_date <= effective), ZERO)
    assert carried.interest == max(ZERO, due_interest - old.paid_interest)
