"""Decimal cents, HALF_UP, month arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from workbench.finance.errors import NumberError
from workbench.finance.money import (
    add_months,
    from_cents,
    month_labels,
    parse_year_month,
    read_typed_number,
    to_cents,
    to_decimal,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.675", "2.68"),
        (2.675, "2.68"),  # the float 2.675 is 2.67499999...; read through repr it is 2.675
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        ("0.0049", "0.00"),
        ("-0.001", "0.00"),
        (3, "3.00"),
        (D("1.125"), "1.13"),
    ],
)
def test_to_cents_rounds_half_up(value, expected):
    result = to_cents(value)
    assert result == D(expected)
    assert str(result) == expected


@pytest.mark.parametrize("value", [True, float("nan"), float("inf"), "abc", "NaN", "Infinity", None, [1]])
def test_to_decimal_refuses_what_is_not_a_finite_number(value):
    with pytest.raises(ValueError, match=r"number|boolean"):
        to_decimal(value)


def test_from_cents_is_exact_with_two_places():
    assert str(from_cents(123456)) == "1234.56"
    assert str(from_cents(0)) == "0.00"
    assert str(from_cents(-5)) == "-0.05"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 2, date(2024, 3, 31)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 5, 31), -3, date(2024, 2, 29)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(start, months, expected):
    assert add_months(start, months) == expected


def test_year_months():
    assert parse_year_month("2025-03") == (2025, 3)
    assert month_labels("2025-11", 4) == ("2025-11", "2025-12", "2026-01", "2026-02")
    for bad in ("2025-13", "2025-00", "2025-3", "March", "", None, 202503):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_year_month(bad)


# --- numbers as people type them ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "decimal_symbol", "expected"),
    [
        ("2.000,50", ",", "2000.50"),  # Italian grouping
        ("2,000.50", ".", "2000.50"),  # English grouping
        ("2 000,50", ",", "2000.50"),  # French grouping with a space...
        ("2\u202f000,50", ",", "2000.50"),  # ...the narrow no-break space babel writes
        ("2\u00a0000,50", ",", "2000.50"),
        ("€ 2000", ",", "2000"),
        ("€2.000", ",", "2000"),
        ("2000 €", ".", "2000"),
        ("EUR 1.250,5", ",", "1250.5"),
        ("1250 eur", ".", "1250"),
        ("-€ 5", ".", "-5"),
        ("€ -5", ".", "-5"),
        ("+5", ".", "5"),
        ("+ 1 250", ",", "1250"),
        ("\u2212500", ",", "-500"),
        ("١٢٬٣٤٥٫٥", ".", "12345.5"),  # Arabic-Indic digits, Arabic thousands and decimal separators
        ("٣٫٥", ",", "3.5"),
        ("1٫5", ".", "1.5"),
        ("\u200f-1٬000", ".", "-1000"),  # a right-to-left mark pasted from an Arabic page
        (".5", ".", "0.5"),
    ],
)
def test_a_typed_number_is_read_as_people_write_it(typed, decimal_symbol, expected):
    assert read_typed_number(typed, decimal_symbol) == D(expected)


@pytest.mark.parametrize("typed", ["1e3", "1E3", "2.5e2", "1e-2", "1 e 3", "1E+3", "٣e٣", "€ 1e3"])
def test_exponent_notation_is_refused_with_its_own_code(typed):
    with pytest.raises(NumberError) as caught:
        read_typed_number(typed, ",")
    assert caught.value.code == "exponent"


@pytest.mark.parametrize(
    "typed",
    ["", " ", "€", "12 5", "1 2345", "1,2,3", "1.2.3", "1,250,50", "--5", "+-5", "5-", "7%", "abc", "$5"],
)
def test_what_people_do_not_mean_stays_refused(typed):
    with pytest.raises(NumberError) as caught:
        read_typed_number(typed, ",")
    assert caught.value.code == "not_a_number"


def test_a_typed_number_keeps_the_bounded_readers_guarantees():
    with pytest.raises(NumberError) as caught:
        read_typed_number("9" * 41, ".")
    assert caught.value.code == "too_long"
    with pytest.raises(NumberError) as caught:
        read_typed_number("9" * 19, ".")
    assert caught.value.code == "too_large"
    assert read_typed_number("0," + "1" * 38, ",") == D("0." + "1" * 38)  # exact, within the length cap
