"""The field registry of the assumptions document, and its canonical form."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from workbench.finance import PlanMetrics, project
from workbench.finance.assumptions import FIELD_RANGES as READ_RANGES
from workbench.finance.assumptions import parse_assumptions
from workbench.finance.fields import (
    FIELD_RANGES,
    LISTS,
    NUMERIC_KINDS,
    SEASONALITY,
    SINGLES,
    canonical,
    dom_id,
    field_at,
    form_name,
    same_numbers,
    top_key,
)


def minimal() -> dict:
    return {
        "start_month": "2027-01",
        "months": 12,
        "startup_costs": [{"amount": 100}],
        "grants": [{"amount": 50}],
        "loans": [{"principal": 1000, "annual_rate": "0.05", "term_months": 12}],
        "revenue_streams": [{"units_per_month": 10, "unit_price": 5}],
        "fixed_costs": [{"monthly": 20}],
    }


def test_the_reader_checks_the_ranges_of_the_registry() -> None:
    assert READ_RANGES is FIELD_RANGES
    every = [*SINGLES.values(), SEASONALITY, *(c for table in LISTS.values() for c in table.columns)]
    for field in every:
        if field.kind in NUMERIC_KINDS:
            assert field.range is not None, field.path
            assert FIELD_RANGES[field.key] == field.range, field.path


def test_the_reader_fills_in_the_defaults_of_the_registry() -> None:
    """What parse_assumptions uses for a value left out is the registry's default, field by field."""
    parsed = parse_assumptions(minimal())
    for key, field in SINGLES.items():
        if not field.required:
            assert getattr(parsed, key) == Decimal(str(field.default)), key
    rows = {
        "startup_costs": parsed.startup_costs[0],
        "grants": parsed.grants[0],
        "loans": parsed.loans[0],
        "revenue_streams": parsed.revenue_streams[0],
        "fixed_costs": parsed.fixed_costs[0],
    }
    for key, table in LISTS.items():
        for column in table.columns:
            if not column.required:
                value = getattr(rows[key], column.key)
                assert value == (
                    column.default if isinstance(column.default, str) else Decimal(column.default)
                )
    assert parsed.revenue_streams[0].seasonality == (Decimal(SEASONALITY.default),) * 12


def test_every_field_has_a_path_a_form_name_and_an_element_id() -> None:
    assert field_at("loans[3].principal") is LISTS["loans"].column("principal")
    assert field_at("loans[].principal").path == "loans[].principal"
    assert field_at("revenue_streams[0].seasonality") is SEASONALITY
    assert field_at("own_funds").label == "own_funds"
    assert field_at("nothing[0].here") is None
    assert form_name("loans[3].principal") == "loans-3-principal"
    assert form_name("loans[1].principal", {"loans": [0, 4]}) == "loans-4-principal"
    assert dom_id("loans[3].principal") == "f-loans-3-principal"
    assert dom_id("loans") == "f-loans"
    assert top_key("loans-3-principal") == top_key("loans[3].principal") == "loans"


def test_the_canonical_form_makes_saved_and_typed_numbers_equal() -> None:
    saved = {**minimal(), "own_funds": 1000, "tax_rate": 0.05}
    typed = {
        **minimal(),
        "own_funds": "1000.00",
        "tax_rate": "0.050",
        "startup_costs": [{"name": "", "amount": "100", "month": 1}],
        "loans": [
            {
                "principal": "1000",
                "annual_rate": "0.05",
                "term_months": "12",
                "grace_months": 0,
                "method": "annuity",
            }
        ],
        "revenue_streams": [{"units_per_month": "10", "unit_price": "5.0", "seasonality": ["1"] * 12}],
    }
    assert canonical(saved) == canonical(typed)
    assert same_numbers(saved, typed)
    assert canonical(saved)["startup_costs"][0]["month"] == 1
    assert canonical(saved)["opening_cash"] == "0"


@pytest.mark.parametrize(
    "change",
    [
        {"own_funds": "1001"},
        {"own_funds": "abc"},
        {"startup_costs": [{"amount": 100, "month": 2}]},
        {"startup_costs": []},
        {"notes": "kept"},
    ],
)
def test_a_real_change_is_not_equal(change: dict) -> None:
    assert canonical(minimal()) != canonical({**minimal(), **change})
    assert not same_numbers(minimal(), {**minimal(), **change})


def test_a_value_that_cannot_be_read_stays_as_it_is() -> None:
    document = {**minimal(), "own_funds": " lots ", "extra": {"a": 1}}
    assert canonical(document)["own_funds"] == "lots"
    assert canonical(document)["extra"] == {"a": 1}


def test_the_metrics_are_a_typed_frozen_record() -> None:
    metrics = project(minimal()).metrics
    assert isinstance(metrics, PlanMetrics)
    with pytest.raises(dataclasses.FrozenInstanceError):
        metrics.min_cash = Decimal(0)  # type: ignore[misc]
    assert list(metrics.as_dict()) == [
        "break_even_month",
        "min_cash",
        "min_cash_month",
        "funding_gap",
        "dscr",
        "npv",
        "irr",
        "payback_month",
        "discount_rate",
    ]
