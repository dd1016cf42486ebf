"""NPV, IRR (including when there is none or several) and payback on plain cash-flow series."""

from __future__ import annotations

from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.finance.metrics import irr, npv, payback_month

D = Decimal


def test_npv_month_one_is_today_and_the_rate_is_annual():
    # Month 13 is twelve months after month 1: 1,100 / 1.10 = 1,000 exactly, so the NPV is zero.
    assert npv([-1000] + [0] * 11 + [1100], D("0.10")) == D("0.00")
    assert npv([-1000] + [0] * 11 + [1100], 0) == D("100.00")
    assert npv([D("100.005")], "0.1") == D("100.01")  # HALF_UP at the end
    assert npv([]) == D("0.00")


def test_irr_ok_matches_numpy_financial_and_annualises():
    flows = [-1000] + [100] * 12
    result = irr(flows)
    assert result.status == "ok"
    assert result.exists
    assert result.reason == "ok"
    assert float(result.monthly) == pytest.approx(npf.irr(flows), abs=1e-6)
    assert float(result.annual) == pytest.approx((1 + npf.irr(flows)) ** 12 - 1, abs=1e-6)
    assert irr([-100, 0, 0, 0, 121]).monthly == pytest.approx(
        D("0.048809"), abs=D("0.000001")
    )  # 1.21^(1/4)-1


def test_irr_none_when_the_flows_never_change_sign():
    for flows in ([100, 50, 20], [-5, -5], [0, 0, 0], []):
        result = irr(flows)
        assert (result.status, result.monthly, result.annual, result.reason) == (
            "none",
            None,
            None,
            "no_sign_change",
        )
        assert "no internal rate of return" in result.message


def test_irr_none_when_no_rate_makes_the_value_zero():
    # 1 - 3x + 3x^2 has no real root: two sign changes, no rate.
    result = irr([1, -3, 3])
    assert (result.status, result.reason, result.monthly) == ("none", "no_root", None)


def test_irr_multiple_says_so_and_lists_the_rates():
    # -100 + 230 / (1 + r) - 132 / (1 + r)^2 = 0 at r = 10 % and r = 20 %.
    result = irr([-100, 230, -132])
    assert result.status == "multiple"
    assert result.monthly is None
    assert result.annual is None
    assert result.candidates == (D("0.100000"), D("0.200000"))
    assert "several rates" in result.message


def test_irr_on_a_series_longer_than_ten_years():
    flows = [-50000] + [1000] * 200
    assert float(irr(flows).monthly) == pytest.approx(npf.irr(flows), abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=100, max_value=100_000),
    st.lists(st.integers(min_value=0, max_value=20_000), min_size=1, max_size=119),
)
def test_irr_with_one_sign_change_is_unique_and_zeroes_the_npv(investment, returns):
    flows = [-investment, *returns]
    result = irr(flows)
    if not any(returns):
        assert result.status == "none"
        return
    # Descartes: one sign change, one rate; outside the searched range only for absurd flows.
    if result.status == "ok":
        rate = float(result.monthly)
        value = sum(flow / (1 + rate) ** t for t, flow in enumerate(flows))
        assert abs(value) <= 1e-3 * max(map(abs, flows)) + 1e-6 * sum(map(abs, flows))
        assert rate == pytest.approx(npf.irr(flows), abs=1e-5)
    else:  # the one rate lies outside the searched range (-99 % to +100,000 % a month)
        assert result.status == "none"
        rate = npf.irr(flows)
        assert rate <= -0.99 + 1e-6 or rate >= 1000


@pytest.mark.parametrize(
    ("flows", "month"),
    [
        ([-100, 50, 50], 3),
        ([-100, 50, 60, -20], None),  # cumulative ends at -10
        ([-100, 120, -30, 20], 4),  # back below zero in month 3, for good from month 4
        ([10, 20], 1),
        ([-1], None),
        ([], None),
    ],
)
def test_payback_month(flows, month):
    assert payback_month(flows) == month
