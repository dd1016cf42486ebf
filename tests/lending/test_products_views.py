"""The manager's lending settings pages, without JavaScript: forms post and redirect, refused forms come back
with the errors at the fields and what was typed, and only managers get in."""

from __future__ import annotations

import html as html_lib
from datetime import date
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from tests.factories import loan_product, tegm_quarter
from tests.support import audit_events, error_fields, field_value, login_as
from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.product_models import LoanProduct, MicrocreditLimit, UsuryRate

pytestmark = pytest.mark.usefixtures("english_readers")

FORM = {
    "name": "Microcredito Venezia",
    "min_amount": "2,000",
    "max_amount": "€ 25,000.00",
    "arrangement_fee": "150",
    "min_rate": "2.5",
    "max_rate": "7.25",
    "max_term_months": "84",
    "max_grace_months": "6",
    "methods": ["annuity", "equal_principal"],
    "day_count": "actual/365",
    "first_period": "actual_days",
    "rounding": "half_even",
    "installment_unit": "1",
    "interest": "declining",
    "grace": "deferred",
    "late_tolerance_days": "5",
    "legal_form_srl": "y",
    "usury_class": "Microcredito",
}


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


@pytest.fixture
def browser(client: FlaskClient, manager: User) -> FlaskClient:
    login_as(client, manager)
    return client


def test_a_manager_adds_a_product_from_the_form(browser: FlaskClient) -> None:
    assert browser.get("/products/new").status_code == 200
    response = browser.post("/products/new", data=FORM)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/products")
    product = db.session.scalars(select(LoanProduct)).one()
    assert (product.min_amount, product.max_amount) == (Decimal("2000.00"), Decimal("25000.00"))
    assert product.arrangement_fee == Decimal("150.00")
    assert (product.min_rate, product.max_rate) == (Decimal("0.025"), Decimal("0.0725"))
    assert product.allowed_methods == ("annuity", "equal_principal")
    assert (product.day_count, product.first_period, product.rounding) == (
        "actual/365",
        "actual_days",
        "half_even",
    )
    assert (product.installment_unit, product.grace, product.late_tolerance_days) == (
        Decimal("1"),
        "deferred",
        5,
    )
    assert product.legal_form_srl
    assert product.usury_class == "Microcredito"
    assert len(audit_events("loan_product.created")) == 1
    listed = page(browser.get("/products"))
    assert "Microcredito Venezia" in listed
    assert "No TEGM entered for this quarter" in listed


def test_an_italian_manager_types_amounts_the_italian_way(browser: FlaskClient, manager: User) -> None:
    manager.locale = "it"
    db.session.commit()
    italian = {"min_amount": "2.000", "max_amount": "25.000", "max_rate": "7,25"}
    response = browser.post("/products/new", data=FORM | italian)
    assert response.status_code == 303
    product = db.session.scalars(select(LoanProduct)).one()
    assert (product.min_amount, product.max_amount) == (Decimal("2000.00"), Decimal("25000.00"))
    assert product.max_rate == Decimal("0.0725")


def test_refused_values_come_back_at_their_fields_as_typed(browser: FlaskClient) -> None:
    hostile = "9" * 5000
    response = browser.post(
        "/products/new",
        data=FORM | {"min_amount": "1e1000000", "max_amount": hostile[:60], "max_rate": "abc", "methods": []},
    )
    assert response.status_code == 422
    html = page(response)
    assert {"min_amount", "max_amount", "max_rate", "methods"} <= error_fields(html)
    assert "Write the amount in full, with digits only (for example 25000)." in html
    assert field_value(html, "min_amount") == "1e1000000"
    assert field_value(html, "name") == "Microcredito Venezia"
    assert field_value(html, "max_rate") == "abc"
    assert db.session.scalar(select(func.count(LoanProduct.id))) == 0


def test_service_rules_come_back_at_their_fields(browser: FlaskClient) -> None:
    response = browser.post("/products/new", data=FORM | {"min_amount": "30,000"})
    assert response.status_code == 422
    html = page(response)
    assert error_fields(html) == {"max_amount"}
    assert "The largest amount cannot be below the smallest." in html
    assert field_value(html, "min_amount") == "30,000"


@pytest.mark.parametrize(
    ("fee", "message"),
    [("2,000", "The fee must be below the smallest amount lent."), ("-5", None), ("0.001", None)],
)
def test_an_arrangement_fee_from_nothing_to_below_the_smallest_loan(
    browser: FlaskClient, fee: str, message: str | None
) -> None:
    response = browser.post("/products/new", data=FORM | {"arrangement_fee": fee})
    assert response.status_code == 422
    html = page(response)
    assert error_fields(html) == {"arrangement_fee"}
    assert message is None or message in html
    assert field_value(html, "arrangement_fee") == fee


def test_the_same_name_twice_is_refused_at_the_name(browser: FlaskClient) -> None:
    assert browser.post("/products/new", data=FORM).status_code == 303
    again = browser.post("/products/new", data=FORM)
    assert again.status_code == 422
    assert "A product called Microcredito Venezia already exists." in page(again)
    assert db.session.scalar(select(func.count(LoanProduct.id))) == 1


def test_a_manager_edits_a_product(browser: FlaskClient) -> None:
    product = loan_product()
    shown = page(browser.get(f"/products/{product.id}"))
    assert field_value(shown, "max_amount") == "75000"
    assert field_value(shown, "max_rate") == "8"
    assert field_value(shown, "revision") == "1"
    response = browser.post(f"/products/{product.id}", data=FORM | {"revision": "1"})
    assert response.status_code == 303
    db.session.expire_all()
    stored = db.session.get(LoanProduct, product.id)
    assert (stored.name, stored.max_amount, stored.revision) == (
        "Microcredito Venezia",
        Decimal("25000.00"),
        2,
    )


def test_an_edit_from_a_stale_page_keeps_what_was_typed(browser: FlaskClient, manager: User) -> None:
    product = loan_product()
    assert browser.post(f"/products/{product.id}", data=FORM | {"revision": "1"}).status_code == 303
    stale = browser.post(f"/products/{product.id}", data=FORM | {"revision": "1", "max_rate": "6.5"})
    assert stale.status_code == 409
    html = page(stale)
    assert "Another manager changed this product since you opened it." in html
    assert "What you typed is kept below; save again to replace theirs." in html
    assert field_value(html, "max_rate") == "6.5"
    assert field_value(html, "revision") == "2"
    db.session.expire_all()
    assert db.session.get(LoanProduct, product.id).max_rate == Decimal("0.0725")
    # saving again from the page that came back replaces theirs
    assert (
        browser.post(f"/products/{product.id}", data=FORM | {"revision": "2", "max_rate": "6.5"}).status_code
        == 303
    )


def test_a_manager_switches_a_product_off_and_on(browser: FlaskClient) -> None:
    product = loan_product()
    listed = page(browser.get("/products"))
    assert f'name="p{product.id}-revision"' in listed
    off = browser.post(f"/products/{product.id}/active", data={f"p{product.id}-revision": "1", "active": "0"})
    assert off.status_code == 303
    db.session.expire_all()
    assert not db.session.get(LoanProduct, product.id).active
    # the same press from the old page changes nothing and says so
    stale = browser.post(
        f"/products/{product.id}/active",
        data={f"p{product.id}-revision": "1", "active": "0"},
        follow_redirects=True,
    )
    assert "Another manager changed this product" in page(stale)
    on = browser.post(f"/products/{product.id}/active", data={f"p{product.id}-revision": "2", "active": "1"})
    assert on.status_code == 303
    db.session.expire_all()
    assert db.session.get(LoanProduct, product.id).active


def test_a_missing_product_is_404(browser: FlaskClient) -> None:
    assert browser.get("/products/999999").status_code == 404


@pytest.mark.parametrize("role", ["trainee", "mentor", "officer"])
def test_only_managers_get_in(client: FlaskClient, request: pytest.FixtureRequest, role: str) -> None:
    login_as(client, request.getfixturevalue(role))
    for url in ("/products", "/products/new", "/products/limits", "/products/usury"):
        assert client.get(url).status_code == 403
    for url in ("/products/new", "/products/limits", "/products/usury"):
        assert client.post(url, data=FORM).status_code == 403
    assert db.session.scalar(select(func.count(LoanProduct.id))) == 0


def test_the_navigation_shows_managers_the_products(browser: FlaskClient, client: FlaskClient) -> None:
    assert 'href="/products"' in page(browser.get("/programme"))


def test_officers_have_no_products_link(client: FlaskClient, officer: User) -> None:
    login_as(client, officer)
    assert 'href="/products"' not in page(client.get("/queue"))


# --- limits ---------------------------------------------------------------------------------------------

LIMIT = {
    "effective_from": "2027-07-01",
    "max_amount": "80,000",
    "max_amount_srl": "110,000",
    "max_term_months": "120",
    "tutoring_required": "y",
    "source": "DM 2027",
}


def test_a_manager_adds_limits_once(browser: FlaskClient) -> None:
    db.session.execute(delete(MicrocreditLimit))
    db.session.commit()
    listed = page(browser.get("/products/limits"))
    assert "No limits entered" in listed
    response = browser.post("/products/limits", data=LIMIT)
    assert response.status_code == 303
    limit = db.session.scalars(select(MicrocreditLimit)).one()
    assert (
        limit.max_amount,
        limit.max_amount_srl,
        limit.real_collateral_allowed,
        limit.tutoring_required,
    ) == (
        Decimal("80000.00"),
        Decimal("110000.00"),
        False,
        True,
    )
    again = browser.post("/products/limits", data=LIMIT | {"max_amount": "81,000"})
    assert again.status_code == 422
    html = page(again)
    assert error_fields(html) == {"effective_from"}
    assert "Limits starting on Jul 1, 2027 are already entered." in html
    assert field_value(html, "max_amount") == "81,000"
    assert db.session.scalar(select(func.count(MicrocreditLimit.id))) == 1


def test_refused_limits_keep_what_was_typed(browser: FlaskClient) -> None:
    response = browser.post(
        "/products/limits", data=LIMIT | {"max_amount": "9e999999999", "effective_from": "x"}
    )
    assert response.status_code == 422
    html = page(response)
    assert {"max_amount", "effective_from"} <= error_fields(html)
    assert field_value(html, "max_amount") == "9e999999999"


# --- TEGM -----------------------------------------------------------------------------------------------

TEGM = {"loan_class": "Microcredito", "year": "2026", "quarter": "10", "tegm": "11.88"}


def test_a_manager_enters_a_quarter_once_and_sees_its_threshold(browser: FlaskClient) -> None:
    assert browser.get("/products/usury").status_code == 200
    response = browser.post("/products/usury", data=TEGM)
    assert response.status_code == 303
    rate = db.session.scalars(select(UsuryRate)).one()
    assert (rate.loan_class, rate.quarter_start, rate.tegm) == (
        "Microcredito",
        date(2026, 10, 1),
        Decimal("0.1188"),
    )
    listed = page(browser.get("/products/usury"))
    assert "11.88%" in listed
    assert "18.85%" in listed
    assert "October to December 2026" in listed
    again = browser.post("/products/usury", data=TEGM | {"tegm": "12"})
    assert again.status_code == 422
    html = page(again)
    assert "The TEGM of Microcredito for the quarter starting Oct 1, 2026 is already entered." in html
    assert field_value(html, "tegm") == "12"
    assert db.session.scalar(select(func.count(UsuryRate.id))) == 1


def test_refused_tegm_keeps_what_was_typed(browser: FlaskClient) -> None:
    response = browser.post(
        "/products/usury", data=TEGM | {"tegm": "1e1000000", "year": "99999999999999999999"}
    )
    assert response.status_code == 422
    html = page(response)
    assert {"tegm", "year"} <= error_fields(html)
    assert field_value(html, "tegm") == "1e1000000"


def test_the_products_list_shows_the_threshold_in_force(browser: FlaskClient) -> None:
    product = loan_product()
    from workbench.timeutil import programme_today

    today = programme_today()
    tegm_quarter(
        date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), "0.1188", loan_class=product.usury_class
    )
    listed = page(browser.get("/products"))
    assert "18.85%" in listed


@pytest.mark.parametrize("locale", ["it", "fr", "ar"])
def test_every_settings_page_reads_in_each_language(browser: FlaskClient, manager: User, locale: str) -> None:
    manager.locale = locale
    db.session.commit()
    product = loan_product()
    tegm_quarter(date(2026, 10, 1), "0.1188")
    for url in (
        "/products",
        "/products/new",
        f"/products/{product.id}",
        "/products/limits",
        "/products/usury",
        f"/products/limits/{db.session.scalars(select(MicrocreditLimit.id)).first()}",
    ):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert f'lang="{locale}"' in response.get_data(as_text=True)
    # the quarter entered above, again: refused at the quarter, in the manager's language
    refused = browser.post("/products/usury", data=TEGM | {"loan_class": product.usury_class})
    assert refused.status_code == 422
    assert error_fields(page(refused)) == {"quarter"}


def test_a_manager_corrects_a_row_of_limits(browser: FlaskClient, manager: User) -> None:
    db.session.execute(delete(MicrocreditLimit))
    db.session.commit()
    assert browser.post("/products/limits", data=LIMIT).status_code == 303
    limit = db.session.scalars(select(MicrocreditLimit)).one()
    shown = page(browser.get(f"/products/limits/{limit.id}"))
    assert field_value(shown, "max_amount") == "80000"
    assert field_value(shown, "revision") == "1"
    response = browser.post(
        f"/products/limits/{limit.id}", data=LIMIT | {"max_amount": "70,000", "revision": "1"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    stored = db.session.get(MicrocreditLimit, limit.id)
    assert (stored.max_amount, stored.revision) == (Decimal("70000.00"), 2)
    [event] = audit_events("microcredit_limit.corrected")
    assert (event.before, event.after) == (
        {"max_amount": "80000.00"},
        {"max_amount": "70000.00", "revision": 2},
    )
    stale = browser.post(
        f"/products/limits/{limit.id}", data=LIMIT | {"max_amount": "60,000", "revision": "1"}
    )
    assert stale.status_code == 409
    html = page(stale)
    assert "Another manager changed these limits since you opened them." in html
    assert field_value(html, "max_amount") == "60,000"
    assert field_value(html, "revision") == "2"
    refused = browser.post(
        f"/products/limits/{limit.id}", data=LIMIT | {"max_amount": "1e9", "revision": "2"}
    )
    assert refused.status_code == 422
    assert error_fields(page(refused)) == {"max_amount"}
    assert browser.get("/products/limits/999999").status_code == 404


def test_a_correction_onto_another_row_s_day_is_refused(browser: FlaskClient) -> None:
    db.session.execute(delete(MicrocreditLimit))
    db.session.commit()
    assert browser.post("/products/limits", data=LIMIT).status_code == 303
    assert browser.post("/products/limits", data=LIMIT | {"effective_from": "2028-01-01"}).status_code == 303
    later = db.session.scalars(
        select(MicrocreditLimit).where(MicrocreditLimit.effective_from == date(2028, 1, 1))
    ).one()
    moved = browser.post(f"/products/limits/{later.id}", data=LIMIT | {"revision": "1"})
    assert moved.status_code == 422
    assert "Limits starting on Jul 1, 2027 are already entered." in page(moved)
