"""Loan schedules: the worked checks, grace, both methods, r = 0, due dates, properties, numpy-financial."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.finance import AssumptionsError
from workbench.finance.schedule import annuity_payment, build_schedule

D = Decimal


def amounts(schedule, field):
    return [getattr(row, field) for row in schedule]


def test_worked_check_from_another_lending_system():
    schedule = build_schedule(D("100.00"), D("0.094822"), 6, first_due=date(2024, 1, 15))
    assert amounts(schedule, "number") == [1, 2, 3, 4, 5, 6]
    assert amounts(schedule, "total") == [D("17.13")] * 6
    assert amounts(schedule, "interest") == [D(x) for x in ("0.79", "0.66", "0.53", "0.40", "0.27", "0.13")]
    assert amounts(schedule, "balance") == [
        D(x) for x in ("83.66", "67.19", "50.59", "33.86", "17.00", "0.00")
    ]
    assert amounts(schedule, "principal") == [
        D(x) for x in ("16.34", "16.47", "16.60", "16.73", "16.86", "17.00")
    ]


def test_spreadsheet_pmt_example():
    schedule = build_schedule(10_000, "0.08", 10, first_due=date(2025, 1, 1))
    assert annuity_payment(D("10000"), D("0.08"), 10) == D("1037.03")
    assert all(row.total == D("1037.03") for row in schedule[:-1])
    assert schedule[0].interest == D("66.67")  # 10,000 x 0.08 / 12 = 66.666...
    assert schedule[-1].balance == D("0.00")
    assert sum(amounts(schedule, "principal")) == D("10000.00")


def test_money_inputs_as_strings_floats_and_ints_agree():
    as_str = build_schedule("10000", "0.08", 10)
    assert build_schedule(10000, 0.08, 10) == as_str
    assert build_schedule(D("10000.00"), D("0.080"), "10") == as_str


def test_annuity_with_grace_is_interest_only_first():
    schedule = build_schedule(D("10000"), D("0.08"), 12, grace_months=2, first_due=date(2025, 3, 10))
    assert [(row.principal, row.interest, row.balance) for row in schedule[:2]] == [
        (D("0.00"), D("66.67"), D("10000")),
        (D("0.00"), D("66.67"), D("10000")),
    ]
    # After the grace period the loan amortises over the remaining 10 months: the spreadsheet's 1,037.03.
    assert [row.total for row in schedule[2:-1]] == [D("1037.03")] * 9
    assert schedule[2].principal == D("970.36")
    assert schedule[-1].balance == 0
    assert sum(amounts(schedule, "principal")) == D("10000")


def test_equal_principal_with_grace_by_hand():
    # r = 1 % a month; grace 1; 1,200 / 3 = 400.00 a month; interest on the declining balance.
    schedule = build_schedule("1200", "0.12", 4, grace_months=1, method="equal_principal")
    assert [(r.principal, r.interest, r.total, r.balance) for r in schedule] == [
        (D("0.00"), D("12.00"), D("12.00"), D("1200.00")),
        (D("400.00"), D("12.00"), D("412.00"), D("800.00")),
        (D("400.00"), D("8.00"), D("408.00"), D("400.00")),
        (D("400.00"), D("4.00"), D("404.00"), D("0.00")),
    ]


def test_equal_principal_last_takes_the_rounding_remainder():
    schedule = build_schedule("1000", "0.05", 3, method="equal_principal")
    assert amounts(schedule, "principal") == [D("333.33"), D("333.33"), D("333.34")]
    # 1000 x 0.05 / 12 = 4.1666 -> 4.17; 666.67 x ... = 2.7777 -> 2.78; 333.34 x ... = 1.3889 -> 1.39
    assert amounts(schedule, "interest") == [D("4.17"), D("2.78"), D("1.39")]


@pytest.mark.parametrize("method", ["annuity", "equal_principal"])
def test_zero_rate_splits_principal_evenly(method):
    schedule = build_schedule("1000", 0, 3, method=method)
    assert amounts(schedule, "interest") == [D("0.00")] * 3
    assert amounts(schedule, "principal") == [D("333.33"), D("333.33"), D("333.34")]
    assert amounts(schedule, "balance") == [D("666.67"), D("333.34"), D("0.00")]


def test_interest_rounds_half_up_not_half_even():
    # 25.00 x 0.06 / 12 = 0.125 exactly: HALF_UP gives 0.13 where banker's rounding would give 0.12.
    schedule = build_schedule("25.00", "0.06", 2, grace_months=1)
    assert schedule[0].interest == D("0.13")
    # 1.00 x 0.06 / 12 = 0.005 -> 0.01.
    assert build_schedule("1.00", "0.06", 2, grace_months=1)[0].interest == D("0.01")


def test_due_dates_clamp_to_month_end_and_come_back():
    schedule = build_schedule("1200", "0.1", 4, first_due=date(2024, 1, 31))
    assert amounts(schedule, "due_date") == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    schedule = build_schedule("1200", "0.1", 2, first_due=date(2023, 1, 31))
    assert schedule[1].due_date == date(2023, 2, 28)
    schedule = build_schedule("1200", "0.1", 14, first_due=date(2024, 11, 30))
    assert schedule[3].due_date == date(2025, 2, 28)
    assert schedule[13].due_date == date(2025, 12, 30)


def test_undated_schedule_has_no_due_dates():
    assert {row.due_date for row in build_schedule("500", "0.1", 3)} == {None}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"principal": "-5"}, {"principal": "negative"}),
        ({"principal": "0"}, {"principal": "not_positive"}),
        ({"principal": "abc"}, {"principal": "not_a_number"}),
        ({"principal": None}, {"principal": "required"}),
        ({"annual_rate": "-0.01"}, {"annual_rate": "rate_out_of_range"}),
        ({"annual_rate": "1"}, {"annual_rate": "rate_out_of_range"}),
        ({"term_months": 0}, {"term_months": "out_of_range"}),
        ({"term_months": 361}, {"term_months": "out_of_range"}),
        ({"term_months": "12.5"}, {"term_months": "not_a_whole_number"}),
        ({"grace_months": 12}, {"grace_months": "grace_not_below_term"}),
        ({"grace_months": -1}, {"grace_months": "out_of_range"}),
        ({"method": "balloon"}, {"method": "unknown_method"}),
        (
            {"principal": "-1", "annual_rate": "2", "grace_months": 20, "method": "x"},
            {
                "principal": "negative",
                "annual_rate": "rate_out_of_range",
                "grace_months": "grace_not_below_term",
                "method": "unknown_method",
            },
        ),
    ],
)
def test_bad_terms_raise_assumptions_error_per_field(kwargs, expected):
    terms = {"principal": "1000", "annual_rate": "0.1", "term_months": 12} | kwargs
    with pytest.raises(AssumptionsError) as caught:
        build_schedule(**terms)
    assert caught.value.codes == expected
    assert isinstance(caught.value, ValueError)
    assert set(caught.value.errors) == set(expected)
    assert all(message.endswith(".") for message in caught.value.errors.values())


loan_terms = st.builds(
    lambda principal, rate, term, grace_share, method: (
        principal,
        rate,
        term,
        int(grace_share * term),
        method,
    ),
    st.decimals(min_value=D("0.01"), max_value=D("2000000"), places=2),
    st.decimals(min_value=D("0"), max_value=D("0.99"), places=4),
    st.integers(min_value=1, max_value=360),
    st.floats(min_value=0, max_value=0.999),
    st.sampled_from(["annuity", "equal_principal"]),
)


@settings(max_examples=300, deadline=None)
@given(loan_terms)
def test_schedule_properties(terms):
    principal, rate, term, grace, method = terms
    schedule = build_schedule(principal, rate, term, grace, method)
    assert len(schedule) == term
    assert sum(row.principal for row in schedule) == principal
    assert schedule[-1].balance == 0
    before = principal
    for row in schedule:
        assert row.principal >= 0
        assert row.interest >= 0
        assert row.balance >= 0
        assert row.total == row.principal + row.interest
        assert row.balance == before - row.principal
        assert row.interest == (before * rate / 12).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert row.principal.as_tuple().exponent == -2
        if row.number <= grace:
            assert row.principal == 0
        before = row.balance
    if method == "annuity" and term - grace > 1:
        payment = annuity_payment(principal, rate, term - grace)
        for row in schedule[grace:-1]:
            # Equal totals; only a tiny loan that rounded-up payments clear early stops short (then 0).
            assert row.total == payment or (row.balance == 0 and row.total < payment)


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=D("1000"), max_value=D("500000"), places=2),
    st.decimals(min_value=D("0"), max_value=D("0.5"), places=4),
    st.integers(min_value=2, max_value=120),
)
def test_realistic_annuity_totals_are_equal_except_the_last(principal, rate, term):
    schedule = build_schedule(principal, rate, term)
    assert len({row.total for row in schedule[:-1]}) == 1
    # The last absorbs the roundings of every earlier payment and interest (<= 0.01 a period), compounded:
    # at most 0.01 x ((1 + r)^(n - 1) - 1) / r (0.01 x (n - 1) when r = 0), plus its own interest rounding.
    r = float(rate) / 12
    drift = 0.01 * (term - 1) if r == 0 else 0.01 * ((1 + r) ** (term - 1) - 1) / r
    assert abs(float(schedule[-1].total - schedule[0].total)) <= drift + 0.01


@settings(max_examples=150, deadline=None)
@given(
    st.decimals(min_value=D("100"), max_value=D("1000000"), places=2),
    st.decimals(min_value=D("0.001"), max_value=D("0.6"), places=4),
    st.integers(min_value=1, max_value=180),
    st.integers(min_value=0, max_value=12),
)
def test_annuity_matches_numpy_financial_within_rounding(principal, rate, periods, grace):
    """ipmt/ppmt work unrounded; ours rounds each payment and each interest to cents (errors <= 0.005 each).

    If our balance differs from the exact one by at most b before a period, it differs by at most
    b(1 + r) + 0.01 after it (also when our rounded-up payments clear the loan early: then ours is 0 and the
    exact one lies between), interest by at most b r + 0.005, and principal, while the loan is not cleared
    early, by b r + 0.01."""
    schedule = build_schedule(principal, rate, periods + grace, grace)
    r = float(rate) / 12
    slack = 1e-6 * float(principal)  # float error of the reference itself
    for row in schedule[:grace]:
        assert abs(float(row.interest) - float(principal) * r) <= 0.005 + slack
    bound = 0.0
    exact_balance = float(principal)
    for k, row in enumerate(schedule[grace:], start=1):
        exact_interest = -float(npf.ipmt(r, k, periods, float(principal)))
        exact_principal = -float(npf.ppmt(r, k, periods, float(principal)))
        exact_balance -= exact_principal
        assert abs(float(row.interest) - exact_interest) <= bound * r + 0.005 + slack
        if row.balance > 0:
            assert abs(float(row.principal) - exact_principal) <= bound * r + 0.01 + slack
        bound = bound * (1 + r) + 0.01
        assert abs(float(row.balance) - exact_balance) <= bound + slack
