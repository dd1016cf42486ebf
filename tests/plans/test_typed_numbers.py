"""Numbers typed as people write them are read; exponent notation is refused at its field, never read."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.factories import assumptions, make_plan
from tests.plans.test_numbers_views import (
    error_at,
    input_value,
    message,
    open_page,
    post_numbers,
    stored,
)
from workbench.plans.models import BusinessPlan


@pytest.fixture
def plan(trainee) -> BusinessPlan:
    return make_plan(trainee, assumptions(language="fr"))


def test_a_currency_sign_and_french_grouping_are_read(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    changes = {"startup_costs-0-amount": "€ 2\u202f000,50", "own_funds": "1 000 €"}
    response = post_numbers(signed_in, plan, "startup", {**fields, **changes, "go": "stay"})
    assert response.status_code == 303
    after = stored(plan).assumptions
    assert after["startup_costs"][0]["amount"] == "2000.5"
    assert after["own_funds"] == "1000"


def test_the_arabic_decimal_separator_is_read(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    response = post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "١٬٢٠٠٫٥", "go": "stay"})
    assert response.status_code == 303
    assert stored(plan).assumptions["own_funds"] == "1200.5"


def test_exponent_notation_is_refused_at_its_field_and_kept_on_the_page(signed_in: FlaskClient, plan) -> None:
    before = stored(plan).assumptions["own_funds"]
    fields = open_page(signed_in, plan, "startup")
    response = post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "1e3"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_at(page, "own_funds") == message("exponent")
    assert input_value(page, "own_funds") == "1e3"
    assert stored(plan).assumptions["own_funds"] == before  # not read as 1000


def test_exponent_notation_with_htmx_answers_the_message_at_the_field(signed_in: FlaskClient, plan) -> None:
    fields = open_page(signed_in, plan, "startup")
    response = post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "2,5E3"}, htmx=True)
    assert response.status_code == 200
    assert error_at(response.get_data(as_text=True), "own_funds") == message("exponent")
