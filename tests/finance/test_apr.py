"""APR (TAEG): published worked examples, rounding, refusals and bounds."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.finance.apr import (
    MAX_FLOWS,
    AprError,
    annual_percentage_rate,
    annual_percentage_rate_by_periods,
)
from workbench.finance.errors import NumberError
from workbench.finance.schedule import build_schedule

D = Decimal

# Directive 98/7/EC, Annex III "Examples of calculation", A. calendar basis (1 year = 365 days), the worked
# examples the Member States' methods had to reproduce (the formula is the one Directive 2008/48/EC keeps):
# https://service.betterregulation.com/document/260747 and
# https://parlementairemonitor.nl/9353000/1/j4nvirkkkr58fyw_j9tvgajcor7dxyk_j9vvij5epmj1ey0/vi8rm2xukhzg
DIRECTIVE_EXAMPLES = [
    # First example: 1,000 on 1 January 1994, 1,200 repaid on 1 July 1995 (546 days): "12,96 %".
    ([(date(1994, 1, 1), "1000"), (date(1995, 7, 1), "-1200")], 2, "0.1296"),
    # ... "rounded to 13 %": at one decimal, 13.0 %.
    ([(date(1994, 1, 1), "1000"), (date(1995, 7, 1), "-1200")], 1, "0.130"),
    # Second example: the creditor retains 50 of administrative expenses: "16,9 %".
    ([(date(1994, 1, 1), "1000"), (date(1994, 1, 1), "-50"), (date(1995, 7, 1), "-1200")], 1, "0.169"),
    # Third example: 600 after one year and 600 after two: i = 0,1306623, "13,07 %" / "13,1 %".
    ([(date(1994, 1, 1), "1000"), (date(1995, 1, 1), "-600"), (date(1996, 1, 1), "-600")], 2, "0.1307"),
    ([(date(1994, 1, 1), "1000"), (date(1995, 1, 1), "-600"), (date(1996, 1, 1), "-600")], 4, "0.130662"),
    ([(date(1994, 1, 1), "1000"), (date(1995, 1, 1), "-600"), (date(1996, 1, 1), "-600")], 1, "0.131"),
]


@pytest.mark.parametrize(("flows", "places", "expected"), DIRECTIVE_EXAMPLES)
def test_directive_worked_examples(flows, places, expected):
    assert annual_percentage_rate(flows, percent_places=places) == D(expected)


# UK examples (FCA MCOB 10.3 method, one decimal, days / 365.25) from the specification of an independent
# APR calculator: rimas-kudelis/php-apr-calculator spec/CalculatorSpec.php (advance, repayment, days, APR %).
UK_SINGLE_REPAYMENTS = [
    ("100", "125", 31, "1286.2"),
    ("250", "319.97", 28, "2400.3"),
    ("350", "447.97", 23, "4935.9"),
    ("150", "191.99", 36, "1123.2"),
    ("100", "127.99", 26, "3103.4"),
    ("280", "358.40", 25, "3584.2"),
    ("400", "511.96", 36, "1122.9"),
    ("250", "319.97", 27, "2716.8"),
    ("150", "191.99", 9, "2238723.9"),
    ("200", "255.98", 27, "2717.4"),
    ("300", "383.97", 16, "27865.8"),
    ("364.54", "450", 30, "1199.0"),
    ("250", "319.98", 16, "27875.8"),
    ("100", "101", 365, "1.0"),
]


@pytest.mark.parametrize(("advance", "repaid", "days", "percent"), UK_SINGLE_REPAYMENTS)
def test_uk_single_repayment_examples(advance, repaid, days, percent):
    start = date(2019, 3, 1)
    flows = [(start, advance), (start + timedelta(days=days), "-" + repaid)]
    rate = annual_percentage_rate(flows, percent_places=1, days_in_year="365.25")
    assert rate * 100 == D(percent)


def test_uk_personal_loan_in_equal_months():
    # Same spec, it_calculates_cfa_personal_loan: 10,000 repaid by 60 monthly 222.44: 12.7 %.
    flows = [(0, "10000")] + [(D(k) / 12, "-222.44") for k in range(1, 61)]
    assert annual_percentage_rate_by_periods(flows, percent_places=1) == D("0.127")


def test_a_year_is_365_days_leap_years_included():
    # 1,000 -> 1,100 one calendar year later: 10 % over 365 days; over a year holding 29 February the span is
    # 366/365 years, so the rate is a little lower.
    assert annual_percentage_rate([(date(2023, 1, 1), 1000), (date(2024, 1, 1), -1100)]) == D("0.1000")
    assert annual_percentage_rate([(date(2024, 1, 1), 1000), (date(2025, 1, 1), -1100)]) == D("0.0997")


def test_fees_raise_the_apr_above_the_nominal_rate():
    schedule = build_schedule("5000", "0.08", 24, first_due=date(2025, 2, 1))
    repayments = [(row.due_date, -row.total) for row in schedule]
    without_fee = annual_percentage_rate([(date(2025, 1, 1), D("5000")), *repayments])
    with_fee = annual_percentage_rate(
        [(date(2025, 1, 1), D("5000")), (date(2025, 1, 1), D("-100")), *repayments]
    )
    # 8 % nominal monthly is (1 + 0.08/12)^12 - 1 = 8.30 % effective; days make each month a little different.
    assert D("0.0820") <= without_fee <= D("0.0840")
    assert with_fee > without_fee + D("0.015")


def test_rounding_is_half_up_at_the_chosen_place():
    # 1,000 -> 1,001.25 after exactly one year (365 days): 0.125 % exactly, the halfway case.
    flows = [(date(2023, 1, 1), 1000), (date(2024, 1, 1), "-1001.25")]
    assert annual_percentage_rate(flows, percent_places=2) == D("0.0013")  # 0.13 %, not 0.12 %
    assert annual_percentage_rate(flows, percent_places=3) == D("0.00125")


def test_a_loan_repaid_with_less_has_a_negative_rate_and_no_minus_zero():
    assert annual_percentage_rate([(date(2023, 1, 1), 1000), (date(2024, 1, 1), -900)]) == D("-0.1000")
    rate = annual_percentage_rate([(date(2023, 1, 1), 1000), (date(2024, 1, 1), -1000)])
    assert rate == 0
    assert not rate.is_signed()


def test_of_several_rates_the_positive_one_nearest_to_zero_is_chosen():
    # 1,000 - 3,000 v + 2,200 v^2 = 0 with v = 1 / (1 + X): X = 27.64 % or X = 72.36 %.
    flows = [(0, 1000), (1, -3000), (2, 2200)]
    assert annual_percentage_rate_by_periods(flows) == D("0.2764")
    # -1,000 + 2,100 v - 1,100 v^2: X = 0 % (v = 1) or X = 10 % (v = 1/1.1): zero is the nearest.
    assert annual_percentage_rate_by_periods([(0, -1000), (1, 2100), (2, -1100)]) == 0


@pytest.mark.parametrize(
    "flows",
    [
        [(date(2024, 1, 1), 100), (date(2024, 2, 1), 50)],
        [(date(2024, 1, 1), -100), (date(2024, 2, 1), -50)],
        [(date(2024, 1, 1), 0), (date(2024, 2, 1), 0)],
        [],
    ],
)
def test_flows_without_both_signs_are_refused(flows):
    with pytest.raises(AprError) as caught:
        annual_percentage_rate(flows)
    assert caught.value.code == "apr_one_sided"
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == "The cash flows must include money received and money paid."


def test_flows_no_rate_balances_are_refused():
    # Paid back a million times the loan the next day: beyond the largest rate searched.
    with pytest.raises(AprError) as caught:
        annual_percentage_rate([(date(2024, 1, 1), 1), (date(2024, 1, 2), -1_000_000)])
    assert caught.value.code == "apr_no_rate"


def test_huge_inputs_are_refused_quickly():
    start = time.perf_counter()
    with pytest.raises(AprError) as caught:
        annual_percentage_rate((date(2024, 1, 1), 1) for _ in range(10**9))  # a generator: never listed
    assert caught.value.code == "apr_too_many_flows"
    with pytest.raises(AprError) as caught:
        annual_percentage_rate([(date(1900, 1, 1), 100), (date(2024, 1, 1), -200)])
    assert caught.value.code == "apr_too_long"
    for amount in ("1e999999", "9" * 5000, 10**400, float("nan")):
        with pytest.raises(NumberError):
            annual_percentage_rate([(date(2024, 1, 1), amount), (date(2025, 1, 1), -1)])
    assert time.perf_counter() - start < 0.5


def test_the_largest_accepted_input_is_fast():
    flows = [(date(2025, 1, 1), D("100000"))]
    flows += [(date(2025 + k // 12, k % 12 + 1, 1), D("-1100.37")) for k in range(1, MAX_FLOWS)]
    start = time.perf_counter()
    assert annual_percentage_rate(flows) > 0
    assert time.perf_counter() - start < 2


def test_bad_arguments_are_refused():
    flows = [(date(2024, 1, 1), 100), (date(2025, 1, 1), -110)]
    with pytest.raises(ValueError, match="percent_places"):
        annual_percentage_rate(flows, percent_places=0)
    with pytest.raises(ValueError, match="days_in_year"):
        annual_percentage_rate(flows, days_in_year=360)
    with pytest.raises(TypeError):
        annual_percentage_rate([(datetime(2024, 1, 1), 100), (date(2025, 1, 1), -110)])
    with pytest.raises(ValueError, match="negative"):
        annual_percentage_rate_by_periods([(0, 100), (-1, -110)])


@settings(max_examples=60, deadline=None)
@given(
    st.decimals(min_value=D("500"), max_value=D("50000"), places=2),
    st.decimals(min_value=D("0.01"), max_value=D("0.30"), places=3),
    st.integers(min_value=3, max_value=60),
)
def test_apr_of_a_fee_free_schedule_in_equal_months_is_the_effective_nominal_rate(principal, rate, term):
    """With no fee and equal months, the APR is (1 + r/12)^12 - 1 up to the schedule's cent roundings."""
    schedule = build_schedule(principal, rate, term)
    flows = [(0, principal)] + [(D(row.number) / 12, -row.total) for row in schedule]
    apr = annual_percentage_rate_by_periods(flows, percent_places=4)
    effective = (1 + float(rate) / 12) ** 12 - 1
    # a cent on the smallest installment moves the rate by at most about 12 x 0.01 / principal a year
    assert abs(float(apr) - effective) <= 1e-6 + 0.02 * term / float(principal) * 12
