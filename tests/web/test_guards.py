"""Input that used to answer 500 on PostgreSQL answers 4xx on both engines.

Before the guards: a NUL byte in the login e-mail, an answer, a title or a search raised a database error
("A string literal cannot contain NUL (0x00) characters") on PostgreSQL; an id of 19 digits in a URL raised
"integer out of range"; a 5,000-digit id or page= raised ValueError in int().
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support import login_as
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.models import BusinessPlan

HUGE_IDS = ["9" * 19, "9223372036854775808", str(2**31), "9" * 5000]


@pytest.fixture
def plan(trainee) -> BusinessPlan:
    made = services.create_plan(owner=trainee, business_type="food", title="Cuisine")
    db.session.commit()
    return made


def test_a_nul_byte_in_the_login_email_is_a_400_page(client: FlaskClient, manager) -> None:
    response = client.post(
        "/login", data={"email": "a\x00@example.org", "password": "x"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "Something in the request was wrong" in response.get_data(as_text=True)


def test_a_nul_byte_in_an_answer_is_refused_and_not_stored(signed_in: FlaskClient, plan) -> None:
    response = signed_in.post(f"/plans/{plan.id}/sections/idea", data={"answer-idea": "Bon\x00jour"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(BusinessPlan, plan.id).answers == []


def test_a_nul_byte_in_a_plan_title_is_refused(signed_in: FlaskClient) -> None:
    response = signed_in.post("/plans/new", data={"business_type": "food", "title": "Cui\x00sine"})
    assert response.status_code == 400
    assert db.session.query(BusinessPlan).count() == 0


def test_a_nul_byte_in_a_form_key_is_refused(signed_in: FlaskClient, plan) -> None:
    response = signed_in.post(f"/plans/{plan.id}/numbers/startup", data={"own\x00funds": "5"})
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["q=abc%00def", "role=%00", "page=1%00"])
@pytest.mark.signed_in("manager")
def test_a_nul_byte_in_a_search_is_a_400_page(signed_in: FlaskClient, query: str) -> None:
    response = signed_in.get(f"/programme/people?{query}")
    assert response.status_code == 400
    assert "<html" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_json_body_is_refused(signed_in: FlaskClient, plan) -> None:
    response = signed_in.post(f"/plans/{plan.id}/submit", json={"note": "a\u0000b"})
    assert response.status_code == 400


def test_a_nul_byte_in_the_path_is_refused(signed_in: FlaskClient, plan) -> None:
    assert signed_in.get(f"/plans/{plan.id}/sections/idea%00").status_code in {400, 404}


@pytest.mark.parametrize("huge", HUGE_IDS, ids=lambda v: f"{len(v)}-digits")
def test_ids_beyond_the_database_integer_are_404(client: FlaskClient, trainee, manager, huge: str) -> None:
    login_as(client, trainee)
    for url in (f"/plans/{huge}", f"/plans/{huge}/sections/idea", f"/plans/{huge}/print"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/plans/{huge}/numbers/startup", data={"own_funds": "1"}).status_code == 404
    login_as(client, manager)
    for url in (f"/programme/cohorts/{huge}", f"/programme/people/{huge}"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("zero", [0x0660, 0xFF10, 0x0966], ids=["arabic-indic", "fullwidth", "devanagari"])
def test_only_ascii_digits_name_an_object(signed_in: FlaskClient, plan, zero: int) -> None:
    """The plan's id written in other digits is not another address of it (int() would read it the same)."""
    other_digits = "".join(chr(zero + int(digit)) for digit in str(plan.id))
    assert int(other_digits) == plan.id
    assert signed_in.get(f"/plans/{plan.id}").status_code == 200
    assert signed_in.get(f"/plans/{other_digits}").status_code == 404


def test_the_largest_database_integer_is_still_an_id(signed_in: FlaskClient) -> None:
    assert signed_in.get(f"/plans/{2**31 - 1}").status_code == 404  # read, looked up, not found


@pytest.mark.parametrize(
    ("page", "status"),
    [
        ("9" * 19, 404),
        ("9" * 5000, 404),
        (str(2**31), 404),
        ("abc", 200),
        ("-1", 200),
        ("0", 404),
        ("1", 200),
    ],
    ids=lambda v: str(v)[:10],
)
@pytest.mark.signed_in("manager")
def test_the_page_number_of_a_list_is_bounded(signed_in: FlaskClient, page: str, status: int) -> None:
    assert signed_in.get(f"/programme/people?page={page}").status_code == status


@pytest.mark.signed_in("manager")
def test_a_page_past_the_end_of_a_list_is_empty_not_an_error(signed_in: FlaskClient) -> None:
    assert signed_in.get(f"/programme/people?page={2**31 - 1}").status_code == 200
