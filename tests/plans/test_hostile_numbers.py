"""Hostile numbers typed in the numbers pages or carried by an imported file: refused at their field, quickly,
and never stored.

Before the bounded reader, ``1e1000000`` typed as the number of months cost ~30 s of CPU in int(Decimal(...))
(``9e999999999`` hours), ``1e26`` or thirty nines as own money were stored and then every page of the plan
answered 500, and a 5,000-digit row number in a field name or a JSON value answered 500.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import time
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import assumptions, make_plan
from tests.plans.test_exports import file_error, numbers_file, plans_of, upload
from tests.plans.test_numbers_views import error_at, open_page, post_numbers, stored
from workbench.finance import project
from workbench.finance.errors import FieldError, NumberError
from workbench.finance.money import MAX_MAGNITUDE
from workbench.plans import exports
from workbench.plans.financials import (
    ERROR_MESSAGES,
    describe_path,
    message_for,
    parse_number,
    read_form,
    read_number,
)
from workbench.plans.models import BusinessPlan

HOSTILE_TEXT = ["1e1000000", "9e999999999", "-1e1000000", "1" * 5000, "1" * 100_000, "1e26", "9" * 30]


@pytest.fixture
def plan(trainee) -> BusinessPlan:
    return make_plan(trainee, assumptions(language="fr"))


def refusal(field: str, typed: str) -> str:
    """The French message expected for ``typed`` in ``field``."""
    code, params = "too_large", {}
    if len(typed) > 40:
        code = "too_long"
    elif "e" in typed:  # typed exponent notation is refused as such, whatever its magnitude
        code = "exponent"
    elif field == "months":
        params = {"max": Decimal(120)}
    elif field == "tax_rate":
        code = "rate_out_of_range"
    elif field.endswith("seasonality"):
        params = {"max": Decimal(10)}
    else:
        params = {"max": Decimal(10_000_000)}
    with force_locale("fr"):
        return message_for(FieldError.of(field, code, **params))


def first(document: dict, table: str, column: str):
    return document[table][0][column]


#: (section, field posted, error place, where the document keeps it) for one field of each kind
FIELDS = [
    ("cashflow", "months", "months", lambda a: a["months"]),
    ("startup", "own_funds", "own_funds", lambda a: a["own_funds"]),
    (
        "startup",
        "startup_costs-0-amount",
        "startup_costs-0-amount",
        lambda a: a["startup_costs"][0]["amount"],
    ),
    ("sales_costs", "tax_rate", "tax_rate", lambda a: a["tax_rate"]),
    (
        "sales_costs",
        "revenue_streams-0-seasonality-3",
        "revenue_streams-0-seasonality",
        lambda a: a["revenue_streams"][0].get("seasonality", [1] * 12)[3],
    ),
]


def typed_value(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, f"no input {name}"
    return html_lib.unescape(found.group(1))


@pytest.mark.parametrize(("section", "name", "place", "kept"), FIELDS, ids=[f[1] for f in FIELDS])
@pytest.mark.parametrize("typed", HOSTILE_TEXT, ids=lambda t: t[:12] + f"..{len(t)}")
def test_a_hostile_number_is_refused_at_its_field_quickly_and_not_stored(
    signed_in: FlaskClient, plan, section: str, name: str, place: str, kept, typed: str
) -> None:
    before = stored(plan).assumptions
    fields = open_page(signed_in, plan, section)
    started = time.perf_counter()
    response = post_numbers(signed_in, plan, section, {**fields, name: typed})
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0  # a whole page rendered; the number itself is answered in microseconds
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_at(page, place) == refusal(place, typed.lstrip("-"))  # a negative one: by its magnitude
    assert typed_value(page, name) == typed  # nothing typed is lost on the page
    after = stored(plan).assumptions
    assert Decimal(str(kept(after))) == Decimal(str(kept(before)))  # the field kept its saved value
    assert project(after) is not None  # the plan still projects


def test_a_hostile_number_with_htmx_comes_back_at_its_field(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    response = post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "1e308"}, htmx=True)
    assert response.status_code == 200
    assert error_at(response.get_data(as_text=True), "own_funds") == refusal("own_funds", "1e308")
    assert stored(plan).assumptions["own_funds"] == 1000


def test_a_value_in_range_beside_a_refused_one_is_stored(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    changes = {"startup_costs-0-amount": "1200", "own_funds": "1" * 5000}
    assert post_numbers(signed_in, plan, "startup", {**fields, **changes}).status_code == 422
    after = stored(plan).assumptions
    assert after["startup_costs"][0]["amount"] == "1200"
    assert after["own_funds"] == 1000


def test_a_huge_row_number_in_a_field_name_is_ignored(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    hostile = {f"startup_costs-{'9' * 5000}-amount": "5", "startup_costs-1000-amount": "5"}
    response = post_numbers(signed_in, plan, "startup", {**fields, **hostile})
    assert response.status_code in {200, 303}
    assert len(stored(plan).assumptions["startup_costs"]) == 1


def test_the_form_parser_answers_the_worst_inputs_at_once(app_context) -> None:
    data = {"months": "9e999999999", "opening_cash": "1" * 100_000, "start_month": "2027-01"}
    started = time.perf_counter()
    for _round in range(100):
        for typed in HOSTILE_TEXT:
            with force_locale("fr"):
                read = read_form({**data, "months": typed}, "cashflow", "fr", {"months": 12})
            assert "months" in read.refused
            assert read.part["months"] == 12
    assert time.perf_counter() - started < 0.5  # 700 pages read; one such number took ~30 s before


# --- the JSON import ----------------------------------------------------------------------------------------


def raw_file(replacement: bytes) -> bytes:
    """A numbers file whose own money is written as ``replacement`` (raw JSON text)."""
    return numbers_file().replace(b'"own_funds": 1000', b'"own_funds": ' + replacement)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"NaN", "not_a_number"),
        (b"Infinity", "not_a_number"),
        (b"-Infinity", "not_a_number"),
        (b"1e1000000", "too_large"),
        (b"1" * 5000, "too_long"),
        (b"1e26", "too_large"),
        (b"9" * 30, "too_large"),
        (b'"1e1000000"', "too_large"),
        (b'"9e999999999"', "too_large"),
    ],
    ids=lambda v: v[:12].decode() if isinstance(v, bytes) else v,
)
def test_an_imported_hostile_number_is_refused_at_its_field(
    signed_in: FlaskClient, trainee, raw: bytes, code: str
) -> None:
    content = raw_file(raw)
    assert raw in content
    started = time.perf_counter()
    response = upload(signed_in, content)
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 422
    shown = file_error(response)
    with force_locale(trainee.locale):
        label = describe_path("own_funds", {})
        problem = message_for(
            FieldError.of("own_funds", code, **({"max": Decimal(10_000_000)} if code == "too_large" else {}))
        )
    assert label in shown
    assert problem in shown
    assert plans_of(trainee) == []


def test_a_5000_digit_integer_anywhere_in_the_file_is_refused_not_500(
    signed_in: FlaskClient, trainee
) -> None:
    content = numbers_file().replace(b'"months": 12', b'"months": ' + b"7" * 5000)
    response = upload(signed_in, content)
    assert response.status_code == 422
    assert plans_of(trainee) == []


def test_an_imported_growth_that_explodes_is_refused_at_the_growth_field(
    signed_in: FlaskClient, trainee
) -> None:
    document = json.loads(numbers_file())
    document["assumptions"].update(months=120)
    document["assumptions"]["revenue_streams"][0].update(
        units_per_month=1_000_000, unit_price=1_000_000, monthly_growth=0.99
    )
    response = upload(signed_in, json.dumps(document).encode())
    assert response.status_code == 422
    with force_locale(trainee.locale):
        assert str(ERROR_MESSAGES["projection_too_large"]) in file_error(response)
    assert plans_of(trainee) == []


def test_the_json_reader_keeps_hostile_numbers_as_text_for_the_core(app_context) -> None:
    assert exports._bounded_int("1" * 41) == "1" * 41
    assert exports._bounded_float("1e1000000") == "1e1000000"
    assert exports._refused_constant("NaN") == "NaN"


@settings(max_examples=300, deadline=50)
@given(
    st.one_of(
        st.text(alphabet="0123456789eE.,-+ %\u00a0\u202f'\u2212٪", max_size=120),
        st.from_regex(r"-?[\d.,]{1,60}[eE][-+]?\d{1,12}", fullmatch=True),
        st.text(max_size=60),
    )
)
def test_any_typed_text_is_read_in_bounds_or_refused_within_50_ms(text: str) -> None:
    for decimal_symbol in (",", "."):
        code = None
        try:
            number = read_number(text, decimal_symbol)
        except NumberError as error:
            code = error.code
        if code is not None:
            assert code in {"not_a_number", "exponent", "too_long", "too_large"}
            assert parse_number(text, decimal_symbol) is None
            continue
        assert number.is_finite()
        assert abs(number) < MAX_MAGNITUDE
        assert parse_number(text, decimal_symbol) == number
