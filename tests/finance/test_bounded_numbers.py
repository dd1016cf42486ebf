"""The one bounded reader of numbers: hostile text, huge integers and floats are refused at once.

Before it, ``int(Decimal("1e1000000"))`` spent about 30 s of CPU (growing with the square of the exponent) and
stalled the process; a document with ``1e308`` crashed the projection in quantize.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.finance import AssumptionsError, parse_assumptions, project
from workbench.finance.errors import NumberError
from workbench.finance.money import MAX_MAGNITUDE, read_typed_number, to_cents, to_decimal

HOSTILE = [
    "1e1000000",
    "-1e1000000",
    "9e999999999",
    "1e-999999999",
    "0e999999999",
    "1" * 5000,
    "1" * 100_000,
    " " * 100_000 + "1",
    "9" * 30,
    10**4000,
    -(10**4000),
    2**100_000,
    1e308,
    -1e308,
    float("nan"),
    float("inf"),
    "NaN",
    "sNaN",
    "-Infinity",
    True,
    None,
    [1],
    {"a": 1},
]


@pytest.mark.parametrize("value", HOSTILE, ids=[f"{type(v).__name__}-{i}" for i, v in enumerate(HOSTILE)])
def test_hostile_numbers_are_refused_with_a_code(value) -> None:
    if value == "0e999999999":  # zero with any exponent is zero: read, exactly, and harmless
        assert to_decimal(value) == 0
        return
    with pytest.raises(NumberError) as caught:
        to_decimal(value)
    assert caught.value.code in {"not_a_number", "too_long", "too_large"}
    assert isinstance(caught.value, ValueError)


def test_the_worst_inputs_are_answered_at_once() -> None:
    base = {"start_month": "2027-01", "months": 12}
    started = time.perf_counter()
    for _round in range(10):
        for value in HOSTILE:
            if value is None or value == "0e999999999":  # left out (the default) / zero: both read
                continue
            for key in ("months", "own_funds", "tax_rate"):
                with pytest.raises(AssumptionsError):
                    parse_assumptions({**base, key: value})
    assert time.perf_counter() - started < 0.5  # 630 documents; each hostile one took ~30 s before


def test_numbers_in_range_are_read_exactly() -> None:
    assert to_decimal("0.1") == Decimal("0.1")
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(" 1250.50 ") == Decimal("1250.50")
    assert to_decimal(10**17) == Decimal(10**17)
    assert to_decimal("1e17") == Decimal("1e17")
    assert to_cents("2.675") == Decimal("2.68")
    with pytest.raises(NumberError):
        to_decimal(MAX_MAGNITUDE)


@settings(max_examples=300, deadline=200)
@given(
    st.one_of(
        st.text(max_size=200),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.from_regex(r"-?\d{1,50}(\.\d{0,50})?[eE][-+]?\d{1,12}", fullmatch=True),
    )
)
def test_any_value_is_read_or_refused_quickly_and_never_beyond_the_cap(value) -> None:
    try:
        result = to_decimal(value)
    except NumberError:
        return
    assert result.is_finite()
    assert abs(result) < MAX_MAGNITUDE
    int(result)  # always cheap once read


@settings(max_examples=200, deadline=500)
@given(
    st.dictionaries(
        st.sampled_from(["months", "own_funds", "opening_cash", "owner_drawings"]),
        st.one_of(st.text(max_size=60), st.integers(), st.floats()),
    )
)
def test_any_document_is_projected_or_refused_with_field_errors(changes) -> None:
    document = {"start_month": "2027-01", "months": 12, **changes}
    issues: tuple = ()
    try:
        project(document)
    except AssumptionsError as error:
        issues = error.issues
        assert issues


@settings(max_examples=300, deadline=200)
@given(
    st.one_of(
        st.text(alphabet="0123456789٠١٢٣eE.,-+ %€EUR\u00a0\u202f'\u2212٫٬\u200f", max_size=120),
        st.text(max_size=200),
    ),
    st.sampled_from([",", "."]),
)
def test_any_typed_text_is_read_in_bounds_or_refused_with_a_code(text: str, decimal_symbol: str) -> None:
    code = None
    try:
        result = read_typed_number(text, decimal_symbol)
    except NumberError as error:
        code = error.code
    if code is not None:
        assert code in {"not_a_number", "exponent", "too_long", "too_large"}
        return
    assert result.is_finite()
    assert abs(result) < MAX_MAGNITUDE
    assert "e" not in text.lower().replace("eur", "")  # exponent notation is never read
    int(result)
