"""Cash-flow projection: a hand-computed plan, roundings, scenarios, metrics, the closing-cash identity."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.finance.metrics import IrrResult
from workbench.finance.projection import ROWS, project

D = Decimal


def money(*values):
    return tuple(D(str(value)).quantize(D("0.01")) for value in values)


def hand_plan(**changes):
    """Four months; every figure of it is worked out by hand in test_hand_computed_plan."""
    plan = {
        "start_month": "2025-01",
        "months": 4,
        "opening_cash": 1000,
        "own_funds": "2000",
        "grants": [{"name": "dote", "amount": "500", "month": 2}],
        "startup_costs": [{"name": "oven", "amount": 2500}],
        "loans": [
            {
                "name": "micro",
                "principal": 1200,
                "annual_rate": "0.12",
                "term_months": 3,
                "method": "equal_principal",
            }
        ],
        "revenue_streams": [
            {"name": "meals", "units_per_month": 100, "unit_price": "5", "unit_cost": "2"},
            {
                "name": "catering",
                "units_per_month": 10,
                "unit_price": 10,
                "monthly_growth": "0.1",
                "start_month": 3,
            },
        ],
        "fixed_costs": [
            {"name": "rent", "monthly": "150"},
            {"name": "phone", "monthly": 50, "start_month": 2},
        ],
        "owner_drawings": 100,
        "tax_rate": "0.2",
    }
    plan.update(changes)
    return plan


def test_hand_computed_plan():
    result = project(hand_plan())
    t = result.table
    assert result.months == ("2025-01", "2025-02", "2025-03", "2025-04")
    assert t["revenue"] == money(500, 500, 600, 610)  # catering: 10 units in March, 11 in April
    assert t["variable_costs"] == money(200, 200, 200, 200)
    assert t["gross_profit"] == money(300, 300, 400, 410)
    assert t["fixed_costs"] == money(150, 200, 200, 200)
    assert t["operating_profit"] == money(150, 100, 200, 210)
    # 1,200 at 1 % a month, 400 of principal a month, installments in months 2-4.
    assert t["interest"] == money(0, 12, 8, 4)
    assert t["principal"] == money(0, 400, 400, 400)
    assert t["tax"] == money(30, "17.60", "38.40", "41.20")  # 20 % of operating profit - interest
    assert t["drawings"] == money(100, 100, 100, 100)
    assert t["investment"] == money(2500, 0, 0, 0)
    assert t["financing_in"] == money(3200, 500, 0, 0)  # own funds + loan; then the grant
    assert t["net_cash_flow"] == money(720, "70.40", "-346.40", "-335.20")
    assert t["opening_cash"] == money(1000, 1720, "1790.40", 1444)
    assert t["closing_cash"] == money(1720, "1790.40", 1444, "1108.80")
    assert set(t) == set(ROWS)

    m = result.metrics
    assert m.break_even_month == 1
    assert m.min_cash == D("1108.80")
    assert m.min_cash_month == 4
    assert m.funding_gap == D("0.00")
    # (-17.60 + 61.60 + 68.80) / (412 + 408 + 404) = 112.80 / 1224 = 0.0922
    assert m.dscr == D("0.09")
    assert result.project_cash_flows == money(-2480, "-17.60", "61.60", "68.80")
    assert m.payback_month is None
    # i = 1.1^(1/12) - 1; -2480 - 17.60/1.00797 + 61.60/1.00797^2 + 68.80/1.00797^3 = -2369.65
    assert m.npv == D("-2369.65")
    assert m.irr.status == "ok"
    assert float(m.irr.monthly) == pytest.approx(npf.irr([-2480, -17.6, 61.6, 68.8]), abs=1e-6)
    assert m.discount_rate == D("0.10")


def test_money_as_numbers_or_strings_gives_the_same_projection():
    as_numbers = hand_plan(own_funds=2000, tax_rate=0.2, opening_cash=1000.0)
    assert project(as_numbers).table == project(hand_plan()).table


def test_seasonality_follows_the_calendar_month_january_first():
    seasonality = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, "0.5", 3]
    plan = {
        "start_month": "2025-11",
        "months": 3,
        "revenue_streams": [
            {"name": "x", "units_per_month": 10, "unit_price": 1, "seasonality": seasonality}
        ],
    }
    assert project(plan).table["revenue"] == money(5, 30, 20)  # November x0.5, December x3, January x2


def test_revenue_is_rounded_once_per_month_half_up():
    streams = [{"name": "a", "units_per_month": 1, "unit_price": "0.004"}] * 2
    assert project({"start_month": "2025-01", "months": 1, "revenue_streams": streams}).table[
        "revenue"
    ] == money("0.01")  # 0.008 in all, not 0.00 + 0.00
    stream = [{"name": "a", "units_per_month": 1, "unit_price": "2.675", "unit_cost": "0.125"}]
    result = project({"start_month": "2025-01", "months": 1, "revenue_streams": stream})
    assert result.table["revenue"] == money("2.68")
    assert result.table["variable_costs"] == money("0.13")


def test_tax_rounds_half_up_and_is_zero_on_a_loss():
    plan = {
        "start_month": "2025-01",
        "months": 2,
        "tax_rate": "0.15",
        "revenue_streams": [{"name": "a", "units_per_month": 1, "unit_price": "0.10", "start_month": 1}],
        "fixed_costs": [{"name": "f", "monthly": 5, "start_month": 2}],
    }
    assert project(plan).table["tax"] == money("0.02", 0)  # 0.015 -> 0.02; then a loss pays none


def test_loan_installments_beyond_the_horizon_are_left_out():
    loan = {
        "name": "l",
        "principal": 1200,
        "annual_rate": "0.12",
        "term_months": 3,
        "method": "equal_principal",
    }
    result = project({"start_month": "2025-01", "months": 4, "loans": [loan | {"month": 3}]})
    assert result.table["financing_in"] == money(0, 0, 1200, 0)
    assert result.table["principal"] == money(0, 0, 0, 400)
    assert result.table["interest"] == money(0, 0, 0, 12)


def test_loan_grace_months_pay_interest_only_in_the_projection():
    loan = {"name": "l", "principal": 10000, "annual_rate": "0.08", "term_months": 12, "grace_months": 2}
    result = project({"start_month": "2025-01", "months": 5, "loans": [loan]})
    assert result.table["interest"][1:3] == money("66.67", "66.67")
    assert result.table["principal"][1:4] == money(0, 0, "970.36")  # then the spreadsheet's 1,037.03 a month


def test_scenario_sales_factor_scales_revenue_and_variable_costs():
    result = project(hand_plan(), {"sales_factor": "0.5"})
    assert result.table["revenue"] == money(250, 250, 300, 305)
    assert result.table["variable_costs"] == money(100, 100, 100, 100)
    assert result.table["fixed_costs"] == money(150, 200, 200, 200)


def test_scenario_cost_factor_scales_fixed_costs_only():
    result = project(hand_plan(), {"cost_factor": "1.1"})
    assert result.table["fixed_costs"] == money(165, 220, 220, 220)
    assert result.table["revenue"] == project(hand_plan()).table["revenue"]


def test_scenario_delay_starts_every_stream_later_growth_included():
    result = project(hand_plan(months=6), {"delay_months": 2})
    # meals start in month 3; catering in month 5 with 10 units, 11 in month 6.
    assert result.table["revenue"] == money(0, 0, 500, 500, 600, 610)
    assert result.metrics.break_even_month == 3
    assert project(hand_plan(), {"delay_months": 10}).table["revenue"] == money(0, 0, 0, 0)


def test_base_scenario_equals_no_scenario():
    assert project(hand_plan(), {}).table == project(hand_plan()).table
    assert project(hand_plan(), {"sales_factor": 1, "cost_factor": 1, "delay_months": 0}).table == (
        project(hand_plan()).table
    )


def test_break_even_none_without_revenue_and_funding_gap_from_the_lowest_cash():
    plan = {
        "start_month": "2025-01",
        "months": 3,
        "opening_cash": 100,
        "fixed_costs": [{"name": "rent", "monthly": 300}],
    }
    result = project(plan)
    assert result.metrics.break_even_month is None
    assert result.table["closing_cash"] == money(-200, -500, -800)
    assert result.metrics.min_cash == D("-800.00")
    assert result.metrics.min_cash_month == 3
    assert result.metrics.funding_gap == D("800.00")
    assert result.metrics.dscr is None
    assert result.metrics.irr.status == "none"
    assert result.metrics.payback_month is None


def test_break_even_needs_revenue_and_non_negative_operating_profit():
    stream = {"name": "a", "units_per_month": 10, "unit_price": 10, "monthly_growth": "0.5"}
    plan = {
        "start_month": "2025-01",
        "months": 4,
        "revenue_streams": [stream],
        "fixed_costs": [{"monthly": 200}],
    }
    # revenue 100, 150, 225, 337.50 against 200 of fixed costs
    assert project(plan).metrics.break_even_month == 3


def test_min_cash_month_is_the_first_occurrence():
    plan = {"start_month": "2025-01", "months": 4, "opening_cash": 0, "grants": [{"amount": 50, "month": 3}]}
    plan["fixed_costs"] = [{"monthly": 0}]
    result = project(plan)
    assert result.metrics.min_cash == D("0.00")
    assert result.metrics.min_cash_month == 1


def test_dscr_counts_drawings_because_the_family_lives_on_them():
    loan = {"name": "l", "principal": 1200, "annual_rate": 0, "term_months": 2, "month": 1}
    stream = {"name": "a", "units_per_month": 1, "unit_price": 1000}
    plan = {"start_month": "2025-01", "months": 3, "loans": [loan], "revenue_streams": [stream]}
    assert project(plan).metrics.dscr == D("1.67")  # 2000 / 1200
    assert project(plan | {"owner_drawings": 400}).metrics.dscr == D("1.00")  # (2000 - 800) / 1200


def test_npv_irr_payback_on_project_cash_flows():
    plan = {
        "start_month": "2025-01",
        "months": 13,
        "startup_costs": [{"amount": 1000}],
        "grants": [{"amount": 1000}],  # financing: not part of the project's cash flows
        "revenue_streams": [{"units_per_month": 100, "unit_price": 1, "start_month": 2}],
    }
    result = project(plan)
    assert result.project_cash_flows == money(-1000, *[100] * 12)
    assert result.metrics.payback_month == 11  # cumulative 0 at month 11
    irr = result.metrics.irr
    assert isinstance(irr, IrrResult)
    assert float(irr.monthly) == pytest.approx(npf.irr([-1000] + [100] * 12), abs=1e-6)
    assert float(irr.annual) == pytest.approx((1 + npf.irr([-1000] + [100] * 12)) ** 12 - 1, abs=1e-6)
    monthly = 1.1 ** (1 / 12) - 1
    expected = sum(cash / (1 + monthly) ** t for t, cash in enumerate([-1000] + [100] * 12))
    assert result.metrics.npv == D(repr(expected)).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert project(plan | {"discount_rate": 0}).metrics.npv == D("200.00")


# --- properties over random valid assumptions -------------------------------------------------------------

amount = st.decimals(min_value=0, max_value=50000, places=2).map(str)
price = st.decimals(min_value=0, max_value=500, places=3).map(str)


@st.composite
def assumptions(draw):
    months = draw(st.integers(min_value=1, max_value=36))
    month = st.integers(min_value=1, max_value=months)

    def loan():
        term = draw(st.integers(min_value=1, max_value=48))
        return {
            "name": "loan",
            "principal": draw(st.decimals(min_value="0.01", max_value=50000, places=2).map(str)),
            "annual_rate": str(draw(st.decimals(min_value=0, max_value="0.3", places=4))),
            "term_months": term,
            "grace_months": draw(st.integers(min_value=0, max_value=term - 1)),
            "method": draw(st.sampled_from(["annuity", "equal_principal"])),
            "month": draw(month),
        }

    def stream():
        return {
            "name": "s",
            "units_per_month": str(draw(st.decimals(min_value=0, max_value=2000, places=2))),
            "unit_price": draw(price),
            "unit_cost": draw(price),
            "monthly_growth": str(draw(st.decimals(min_value="-0.2", max_value="0.2", places=3))),
            "seasonality": draw(st.lists(st.decimals(0, 3, places=2).map(str), min_size=12, max_size=12)),
            "start_month": draw(month),
        }

    return {
        "start_month": f"{draw(st.integers(2000, 2100))}-{draw(st.integers(1, 12)):02d}",
        "months": months,
        "opening_cash": draw(amount),
        "own_funds": draw(amount),
        "startup_costs": [
            {"name": "c", "amount": draw(amount), "month": draw(month)}
            for _ in range(draw(st.integers(0, 3)))
        ],
        "grants": [
            {"name": "g", "amount": draw(amount), "month": draw(month)}
            for _ in range(draw(st.integers(0, 2)))
        ],
        "loans": [loan() for _ in range(draw(st.integers(0, 3)))],
        "revenue_streams": [stream() for _ in range(draw(st.integers(0, 4)))],
        "fixed_costs": [
            {"name": "f", "monthly": draw(price), "start_month": draw(month)}
            for _ in range(draw(st.integers(0, 4)))
        ],
        "owner_drawings": draw(st.decimals(min_value=0, max_value=3000, places=2).map(str)),
        "tax_rate": str(draw(st.decimals(min_value=0, max_value="0.6", places=3))),
    }


scenarios = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "sales_factor": st.decimals(min_value=0, max_value=2, places=2).map(str),
            "cost_factor": st.decimals(min_value=0, max_value=2, places=2).map(str),
            "delay_months": st.integers(min_value=0, max_value=12),
        }
    ),
)


def reference_revenue(plan, scenario):
    """Revenue and variable costs recomputed independently in Decimal (exact but for the growth power)."""
    scenario = scenario or {}
    factor = D(scenario.get("sales_factor", 1))
    delay = scenario.get("delay_months", 0)
    first = int(plan["start_month"][5:]) - 1
    revenue, variable = [], []
    for m in range(1, plan["months"] + 1):
        total_revenue = total_cost = D(0)
        for s in plan["revenue_streams"]:
            start = s["start_month"] + delay
            if m < start:
                continue
            units = D(s["units_per_month"]) * factor * (1 + D(s["monthly_growth"])) ** (m - start)
            units *= D(s["seasonality"][(first + m - 1) % 12])
            total_revenue += units * D(s["unit_price"])
            total_cost += units * D(s["unit_cost"])
        revenue.append(total_revenue.quantize(D("0.01"), rounding=ROUND_HALF_UP))
        variable.append(total_cost.quantize(D("0.01"), rounding=ROUND_HALF_UP))
    return revenue, variable


@settings(max_examples=120, deadline=None)
@given(assumptions(), scenarios)
def test_projection_identities_hold_for_random_assumptions(plan, scenario):
    result = project(plan, scenario)
    t = result.table
    months = plan["months"]
    assert all(len(t[row]) == months for row in ROWS)
    assert all(value.as_tuple().exponent == -2 for row in ROWS for value in t[row])
    assert t["opening_cash"][0] == D(plan["opening_cash"])
    tax_rate = D(plan["tax_rate"])
    for i in range(months):
        assert t["gross_profit"][i] == t["revenue"][i] - t["variable_costs"][i]
        assert t["operating_profit"][i] == t["gross_profit"][i] - t["fixed_costs"][i]
        taxable = max(D(0), t["operating_profit"][i] - t["interest"][i])
        assert t["tax"][i] == (tax_rate * taxable).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert t["net_cash_flow"][i] == (
            t["financing_in"][i]
            + t["revenue"][i]
            - t["variable_costs"][i]
            - t["fixed_costs"][i]
            - t["interest"][i]
            - t["principal"][i]
            - t["tax"][i]
            - t["drawings"][i]
            - t["investment"][i]
        )
        assert t["closing_cash"][i] == t["opening_cash"][i] + t["net_cash_flow"][i]
        if i:
            assert t["opening_cash"][i] == t["closing_cash"][i - 1]
        for row in ("revenue", "variable_costs", "fixed_costs", "interest", "principal", "tax", "investment"):
            assert t[row][i] >= 0
    assert sum(t["principal"]) <= sum(D(loan["principal"]) for loan in plan["loans"])
    assert sum(t["financing_in"]) == (
        D(plan["own_funds"])
        + sum(D(g["amount"]) for g in plan["grants"])
        + sum(D(x["principal"]) for x in plan["loans"])
    )
    assert sum(t["investment"]) == sum(D(c["amount"]) for c in plan["startup_costs"])
    assert result.metrics.min_cash == min(t["closing_cash"])
    assert result.metrics.funding_gap == max(D(0), -min(t["closing_cash"]))
    assert result.metrics.irr.status in {"ok", "none", "multiple"}
    revenue, variable = reference_revenue(plan, scenario)
    for ours, exact in zip(t["revenue"] + t["variable_costs"], revenue + variable, strict=True):
        assert abs(ours - exact) <= D("0.01")  # float math may differ by a cent only at a near tie
