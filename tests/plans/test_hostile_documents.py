"""A stored numbers document the finance core refuses never takes a plan down.

Old rows may hold numbers from before the bounded reader (1e308, thirty nines, a 5,000-digit number), text or
a list where a number belongs, or growth that explodes the projection. Every page of such a plan answers for
the trainee and for the mentor with a notice, and the numbers pages stay editable so the trainee can repair
them.
"""

from __future__ import annotations

import html as html_lib

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.factories import assumptions, make_plan
from tests.support import login_as
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.financials import ERROR_MESSAGES, NUMBERS_NOTICE
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.programme.services import assign_mentor


def sound() -> dict:
    """The simple plan of the numbers-page tests, with a loan."""
    loan = {"name": "Micro", "principal": 5000, "annual_rate": 0.05, "term_months": 24}
    return assumptions(language="fr", loans=[loan])


def with_stream(**changes) -> dict:
    document = sound()
    document["revenue_streams"] = [{**document["revenue_streams"][0], **changes}]
    return document


#: name -> a stored document the finance core must refuse
HOSTILE = {
    "opening_cash_1e308": {**sound(), "opening_cash": 1e308},
    "own_funds_1e26": {**sound(), "own_funds": 1e26},
    "own_funds_thirty_nines": {**sound(), "own_funds": "9" * 30},
    "own_funds_thirty_nines_int": {**sound(), "own_funds": int("9" * 30)},
    "own_funds_4000_digit_int": {**sound(), "own_funds": int("7" * 4000)},
    "own_funds_5000_digits": {**sound(), "own_funds": "1" * 5000},
    "own_funds_nan": {**sound(), "own_funds": "NaN"},
    "own_funds_infinity": {**sound(), "own_funds": "-Infinity"},
    "own_funds_list": {**sound(), "own_funds": [1, 2]},
    "own_funds_object": {**sound(), "own_funds": {"a": 1}},
    "months_huge_exponent": {**sound(), "months": "1e1000000"},
    "months_negative_exponent": {**sound(), "months": "1e-999999999"},
    "loan_principal_1e308": {**sound(), "loans": [{**sound()["loans"][0], "principal": 1e308}]},
    "fixed_cost_1e308": {**sound(), "fixed_costs": [{"name": "Loyer", "monthly": "1e308"}]},
    "startup_costs_text": {**sound(), "startup_costs": "not a list"},
    "seasonality_1e308": with_stream(seasonality=[1e308] * 12),
    "price_1e30": with_stream(unit_price="1e30"),
    "growth_explodes": {
        **with_stream(units_per_month=1_000_000, unit_price=1_000_000, monthly_growth=0.99),
        "months": 120,
    },
}

PAGES = (
    "",
    "/sections/startup",
    "/sections/sales_costs",
    "/sections/cashflow",
    "/sections/risks",
    "/sections/summary",
    "/sections/idea",
    "/versions/1",
    "/versions/2",
    "/compare?old=1&new=2",
    "/print",
    "/assumptions.json",
)


def seed(plan: BusinessPlan, document: dict) -> None:
    """Store the document directly, as an old row would hold it, in the draft and in a second version."""
    plan.assumptions = document
    for number, frozen in ((1, sound()), (2, document)):
        db.session.add(
            PlanVersion(
                plan=plan,
                number=number,
                business_type=plan.business_type,
                template_version=plan.template_version,
                title=plan.title,
                answers={},
                assumptions=frozen,
                results={},
                submitted_by_id=plan.owner_id,
            )
        )
    db.session.commit()


@pytest.fixture
def plan(trainee) -> BusinessPlan:
    return make_plan(trainee, sound())


def notice(language: str) -> str:
    with force_locale(language):
        return str(NUMBERS_NOTICE)


@pytest.mark.parametrize("name", HOSTILE)
def test_every_page_of_a_plan_with_refused_numbers_answers_for_trainee_and_mentor(
    client: FlaskClient, trainee, mentor, plan, name: str
) -> None:
    seed(plan, HOSTILE[name])
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    for person, language in ((trainee, "fr"), (mentor, "it")):
        login_as(client, person)
        for page in PAGES:
            response = client.get(f"/plans/{plan.id}{page}")
            assert response.status_code == 200, (person.email, page, response.status_code)
        for page in ("", "/sections/startup", "/sections/cashflow", "/sections/risks", "/print"):
            text = html_lib.unescape(client.get(f"/plans/{plan.id}{page}").get_data(as_text=True))
            assert notice(language) in text, (person.email, page)
        sheet = client.get(f"/plans/{plan.id}/projection.xlsx")
        assert sheet.status_code == 303
        assert "/sections/cashflow" in sheet.headers["Location"]


def test_the_pdf_of_a_plan_with_refused_numbers_is_made_with_the_notice(signed_in: FlaskClient, plan) -> None:
    seed(plan, HOSTILE["opening_cash_1e308"])
    response = signed_in.get(f"/plans/{plan.id}/plan.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


@pytest.mark.parametrize("name", ["opening_cash_1e308", "own_funds_5000_digits", "own_funds_list"])
def test_a_plan_with_refused_numbers_can_be_repaired_on_its_page(
    signed_in: FlaskClient, plan, name: str
) -> None:
    from tests.plans.test_numbers_views import open_page, post_numbers

    seed(plan, HOSTILE[name])
    for section, repair in (("startup", {"own_funds": "1000"}), ("cashflow", {"opening_cash": "0"})):
        fields = open_page(signed_in, plan, section)  # the stored values are shown, as text if need be
        post_numbers(signed_in, plan, section, {**fields, **repair})
    db.session.expire_all()
    repaired = db.session.get(BusinessPlan, plan.id).assumptions
    result, error = services.projection_of(repaired)
    assert error is None
    assert result is not None
    text = html_lib.unescape(signed_in.get(f"/plans/{plan.id}").get_data(as_text=True))
    assert notice("fr") not in text


def test_growth_that_explodes_the_projection_is_refused_at_the_growth_field(app_context) -> None:
    from workbench.finance import AssumptionsError, project

    with pytest.raises(AssumptionsError) as caught:
        project(HOSTILE["growth_explodes"])
    assert caught.value.codes == {"revenue_streams[0].monthly_growth": "projection_too_large"}
    assert "projection_too_large" in ERROR_MESSAGES


@pytest.mark.parametrize(
    ("document", "section", "place", "code"),
    [
        (
            HOSTILE["growth_explodes"],
            "sales_costs",
            "revenue_streams-0-monthly_growth",
            "projection_too_large",
        ),
        (HOSTILE["startup_costs_text"], "startup", "startup_costs", "not_a_list"),
        ({**sound(), "fixed_costs": [{"monthly": 1}] * 101}, "sales_costs", "fixed_costs", "too_many_rows"),
    ],
    ids=["growth", "not-a-list", "too-many-rows"],
)
def test_a_refused_document_says_why_on_the_page_that_edits_it(
    signed_in: FlaskClient, plan, document: dict, section: str, place: str, code: str
) -> None:
    from tests.plans.test_numbers_views import error_at

    seed(plan, document)
    page = signed_in.get(f"/plans/{plan.id}/sections/{section}").get_data(as_text=True)
    with force_locale("fr"):
        expected = (
            str(ERROR_MESSAGES[code]) % {"max": 100} if code == "too_many_rows" else str(ERROR_MESSAGES[code])
        )
    assert error_at(page, place) == expected
