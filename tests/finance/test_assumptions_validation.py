"""Every way assumptions can be wrong: one message per field path, all of them at once."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from workbench.finance import AssumptionsError
from workbench.finance.assumptions import parse_assumptions, parse_scenario
from workbench.finance.errors import MESSAGES
from workbench.finance.projection import project


def valid_plan():
    stream = {"name": "s", "units_per_month": 10, "unit_price": "5"}
    return {
        "start_month": "2025-01",
        "months": 12,
        "opening_cash": 0,
        "own_funds": 100,
        "startup_costs": [{"name": "oven", "amount": 100, "month": 1}],
        "grants": [{"name": "dote", "amount": 100}],
        "loans": [{"name": "l", "principal": 1000, "annual_rate": "0.1", "term_months": 12}],
        "revenue_streams": [stream, dict(stream), dict(stream)],
        "fixed_costs": [{"name": "rent", "monthly": 100}],
        "owner_drawings": 0,
        "tax_rate": "0.2",
    }


def with_change(path, value):
    """valid_plan() with the field at ``path`` (e.g. "revenue_streams[2].seasonality") set, or removed when
    value is DELETE."""
    plan = valid_plan()
    target = plan
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return plan


DELETE = object()

CASES = [
    ("start_month", DELETE, "required"),
    ("start_month", "2025-13", "bad_year_month"),
    ("start_month", "March 2025", "bad_year_month"),
    ("months", DELETE, "required"),
    ("months", 0, "out_of_range"),
    ("months", 121, "out_of_range"),
    ("months", "twelve", "not_a_whole_number"),
    ("months", 6.5, "not_a_whole_number"),
    ("opening_cash", -1, "negative"),
    ("opening_cash", "lots", "not_a_number"),
    ("opening_cash", True, "not_a_number"),
    ("own_funds", "-0.01", "negative"),
    ("startup_costs", "oven", "not_a_list"),
    ("startup_costs[0]", 100, "not_an_object"),
    ("startup_costs[0].name", 5, "not_text"),
    ("startup_costs[0].amount", DELETE, "required"),
    ("startup_costs[0].amount", -100, "negative"),
    ("startup_costs[0].month", 0, "out_of_range"),
    ("startup_costs[0].month", 13, "after_horizon"),
    ("grants[0].amount", "x", "not_a_number"),
    ("grants[0].month", 14, "after_horizon"),
    ("loans[0].principal", 0, "not_positive"),
    ("loans[0].principal", -5, "negative"),
    ("loans[0].annual_rate", "-0.01", "rate_out_of_range"),
    ("loans[0].annual_rate", 1, "rate_out_of_range"),
    ("loans[0].annual_rate", 8, "rate_out_of_range"),
    ("loans[0].term_months", 0, "out_of_range"),
    ("loans[0].grace_months", 12, "grace_not_below_term"),
    ("loans[0].grace_months", 20, "grace_not_below_term"),
    ("loans[0].method", "balloon", "unknown_method"),
    ("loans[0].month", 13, "after_horizon"),
    ("revenue_streams[2].seasonality", [1] * 11, "seasonality_length"),
    ("revenue_streams[2].seasonality", "1,1,1,1,1,1,1,1,1,1,1,1", "seasonality_length"),
    ("revenue_streams[2].seasonality", [1] * 11 + [-1], "seasonality_negative"),
    ("revenue_streams[2].seasonality", [1] * 11 + ["x"], "not_a_number"),
    ("revenue_streams[2].units_per_month", -1, "negative"),
    ("revenue_streams[2].unit_price", DELETE, "required"),
    ("revenue_streams[2].unit_cost", -1, "negative"),
    ("revenue_streams[2].monthly_growth", -1, "growth_out_of_range"),
    ("revenue_streams[2].monthly_growth", 1, "growth_out_of_range"),
    ("revenue_streams[2].start_month", 13, "after_horizon"),
    ("revenue_streams[2].start_month", 0, "out_of_range"),
    ("fixed_costs[0].monthly", -100, "negative"),
    ("fixed_costs[0].start_month", 99, "after_horizon"),
    ("owner_drawings", -1, "negative"),
    ("tax_rate", 1, "rate_out_of_range"),
    ("tax_rate", "-0.1", "rate_out_of_range"),
    ("discount_rate", "1.5", "rate_out_of_range"),
    # bounded reading: over-long text, magnitudes and exponents beyond any field's range, too many rows
    ("own_funds", "1" * 41, "too_long"),
    ("own_funds", "1e1000000", "too_large"),
    ("own_funds", 1e308, "too_large"),
    ("own_funds", 10**4000, "too_large"),
    ("own_funds", "10000000.01", "too_large"),
    ("opening_cash", "NaN", "not_a_number"),
    ("opening_cash", float("inf"), "not_a_number"),
    ("opening_cash", [1, 2], "not_a_number"),
    ("startup_costs[0].amount", "9" * 30, "too_large"),
    ("loans[0].principal", "1e26", "too_large"),
    ("revenue_streams[2].units_per_month", 1_000_001, "too_large"),
    ("revenue_streams[2].unit_price", "1e30", "too_large"),
    ("revenue_streams[2].seasonality", [1] * 11 + [11], "too_large"),
    ("revenue_streams[2].seasonality", [1] * 11 + ["1e999999999"], "too_large"),
    ("revenue_streams[2].monthly_growth", "1e1000000", "growth_out_of_range"),
    ("months", "1e1000000", "out_of_range"),
    ("months", "9e999999999", "out_of_range"),
    ("months", "1e-999999999", "not_a_whole_number"),
    ("loans[0].term_months", 361, "out_of_range"),
    ("fixed_costs", [{"monthly": 1}] * 101, "too_many_rows"),
    ("revenue_streams[2].monthly_growth", "0.99", "projection_too_large"),
]


@pytest.mark.parametrize(("path", "value", "code"), CASES, ids=[f"{p}={v!r}" for p, v, _ in CASES])
def test_each_bad_field_is_reported_at_its_path(path, value, code):
    plan = with_change(path, value)
    if code == "projection_too_large":  # 99 % a month for ten years from an in-range start
        plan.update(months=120)
        plan["revenue_streams"][2].update(units_per_month=1_000_000, unit_price=1_000_000)
    with pytest.raises(AssumptionsError) as caught:
        project(plan)
    error = caught.value
    assert error.codes == {path: code}
    assert list(error.errors) == [path]
    assert error.errors[path] == error.issues[0].message
    assert error.issues[0].path == path
    assert isinstance(error, ValueError)


def test_every_message_is_a_plain_sentence_and_every_code_is_exercised():
    # "exponent" is the typed reader's refusal (read_typed_number), never raised for a document
    assert {code for _, _, code in CASES} | {"not_an_object", "exponent"} == set(MESSAGES)
    for message in MESSAGES.values():
        assert message[0].isupper()
        assert message.endswith(".")
    with pytest.raises(AssumptionsError) as caught:
        project(with_change("startup_costs[0].month", 13))
    assert caught.value.errors == {
        "startup_costs[0].month": "Must not be after the last projected month (12)."
    }
    assert caught.value.issues[0].params == {"months": 12}


def test_a_value_above_its_range_says_the_range() -> None:
    with pytest.raises(AssumptionsError) as caught:
        project(with_change("own_funds", "1e26"))
    assert caught.value.errors == {"own_funds": "Must be at most 10000000."}
    assert caught.value.issues[0].params == {"max": Decimal(10_000_000)}


def test_all_errors_are_collected_not_only_the_first():
    plan = valid_plan()
    plan["months"] = 6
    plan["tax_rate"] = 2
    plan["revenue_streams"][2]["seasonality"] = [1, 2, 3]
    plan["revenue_streams"][0]["start_month"] = 7
    plan["loans"][0] |= {"grace_months": 12, "method": "french"}
    plan["fixed_costs"][0]["monthly"] = "-3"
    with pytest.raises(AssumptionsError) as caught:
        parse_assumptions(plan)
    assert caught.value.codes == {
        "revenue_streams[0].start_month": "after_horizon",
        "revenue_streams[2].seasonality": "seasonality_length",
        "loans[0].grace_months": "grace_not_below_term",
        "loans[0].method": "unknown_method",
        "fixed_costs[0].monthly": "negative",
        "tax_rate": "rate_out_of_range",
    }
    assert "revenue_streams[2].seasonality" in str(caught.value)


def test_assumptions_must_be_a_mapping():
    with pytest.raises(AssumptionsError) as caught:
        parse_assumptions(["not", "a", "mapping"])
    assert caught.value.codes == {"": "not_an_object"}


def test_defaults_and_json_round_trip():
    minimal = {"start_month": "2025-01", "months": 1}
    assumptions = parse_assumptions(json.loads(json.dumps(minimal)))
    assert assumptions.opening_cash == Decimal("0.00")
    assert assumptions.discount_rate == Decimal("0.10")
    assert assumptions.revenue_streams == ()
    stream = parse_assumptions(valid_plan()).revenue_streams[0]
    assert stream.seasonality == (Decimal(1),) * 12
    assert stream.start_month == 1
    assert parse_assumptions(valid_plan()).loans[0].method == "annuity"
    # Amounts paid as such are rounded to cents when read; unit prices are kept as given.
    plan = valid_plan() | {"opening_cash": "10.005"}
    plan["revenue_streams"][0]["unit_price"] = "0.125"
    parsed = parse_assumptions(plan)
    assert parsed.opening_cash == Decimal("10.01")
    assert parsed.revenue_streams[0].unit_price == Decimal("0.125")
    # Blank strings, as an HTML form sends them, count as missing and take the default.
    assert parse_assumptions(valid_plan() | {"tax_rate": " "}).tax_rate == 0


@pytest.mark.parametrize(
    ("scenario", "codes"),
    [
        ({"sales_factor": -1}, {"sales_factor": "negative"}),
        ({"cost_factor": "x"}, {"cost_factor": "not_a_number"}),
        ({"delay_months": 1.5}, {"delay_months": "not_a_whole_number"}),
        ({"delay_months": 121}, {"delay_months": "out_of_range"}),
        (
            {"sales_factor": -1, "delay_months": -1},
            {"sales_factor": "negative", "delay_months": "out_of_range"},
        ),
        ("worse", {"": "not_an_object"}),
    ],
)
def test_bad_scenarios(scenario, codes):
    with pytest.raises(AssumptionsError) as caught:
        parse_scenario(scenario)
    assert caught.value.codes == codes


def test_sources_and_uses_of_the_money_to_start() -> None:
    parsed = parse_assumptions(
        {
            "start_month": "2027-01",
            "months": 12,
            "own_funds": "1500.50",
            "grants": [{"name": "dote", "amount": "2000", "month": 3}],
            "loans": [{"name": "micro", "principal": "9000", "annual_rate": "0.06", "term_months": 24}],
            "startup_costs": [{"name": "oven", "amount": "8000"}, {"name": "works", "amount": "4500.50"}],
        }
    )
    assert parsed.startup_sources == Decimal("12500.50")
    assert parsed.startup_uses == Decimal("12500.50")
    assert parse_assumptions({"start_month": "2027-01", "months": 12}).startup_sources == Decimal("0")
