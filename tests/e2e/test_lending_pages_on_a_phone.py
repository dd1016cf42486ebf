"""The lending pages on a 360 px phone as their readers see them, in Arabic and in Italian: a count in the
navigation (the decisions waiting for the person's confirmation) no longer widens the page, and a bank
statement's preview shows each row's state without scrolling the table."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_plan_in_a_browser import assert_fits_phone
from tests.factories import disbursed_loan, endorsed_version, lendable_product
from tests.support import PASSWORD, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending import applications
from workbench.lending.product_models import LoanProduct
from workbench.lending.scorecard import Rating, score_application
from workbench.timeutil import programme_today

pytestmark = pytest.mark.e2e


def log_in(page: Page, person: User) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.parametrize("language", ["ar", "it"])
def test_a_count_in_the_navigation_leaves_the_page_as_wide_as_the_phone(
    phone: Page, app_context, language: str
) -> None:
    trainee = make_person("fatou.ndiaye@example.org", [Role.TRAINEE], "Fatou Ndiaye", locale="en")
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="en")
    officer = make_person("anna.rossi@example.org", [Role.OFFICER], "Anna Rossi", locale="en")
    # An officer who is also a manager (like the demo's second officer): the queue and its count come after
    # the programme's links, past the phone's edge, where the count's hidden words used to widen the page.
    checker = make_person(
        "luca.verdi@example.org", [Role.OFFICER, Role.MANAGER], "Luca Verdi", locale=language
    )
    lendable_product()
    application = applications.apply_for_credit(
        endorsed_version(trainee, mentor),
        trainee,
        applications.Request(Decimal("8000"), 36, 0, "A second oven", "individual"),
    )
    score_application(
        application, officer, {k: Rating(3, "Clear.") for k in ("motivation", "experience", "market")}, seen=0
    )
    terms = {
        "product_id": db.session.scalar(db.select(LoanProduct.id)),
        "amount": Decimal("8000"),
        "annual_rate": Decimal("0.05"),
        "term_months": 36,
        "grace_months": 0,
        "method": "annuity",
        "first_due_on": programme_today() + timedelta(days=30),
    }
    applications.propose_decision(application, officer, "approve", terms=terms, note="")
    db.session.commit()

    log_in(phone, checker)
    phone.goto("/queue")
    expect(phone.locator(".main-nav .nav-badge:not([hidden])")).to_have_count(
        1
    )  # 1 waits for Luca's confirmation
    assert_fits_phone(phone, f"the queue in {language}")
    phone.goto(f"/applications/{application.id}")
    assert_fits_phone(phone, f"the application in {language}")
    assert not phone.console_errors


@pytest.mark.parametrize("language", ["ar", "it"])
def test_a_bank_statements_preview_shows_each_rows_state_on_a_phone(
    phone: Page, app_context, language: str
) -> None:
    trainee = make_person("fatou.ndiaye@example.org", [Role.TRAINEE], "Fatou Ndiaye", locale="en")
    officer = make_person("anna.rossi@example.org", [Role.OFFICER], "Anna Rossi", locale=language)
    loan = disbursed_loan(trainee, disbursed_on=programme_today() - timedelta(days=90), officer=officer)
    paid_on = f"{programme_today() - timedelta(days=3):%d/%m/%Y}"
    statement = f"data;importo;causale\n{paid_on};120,00;WB-{loan.id}\n{paid_on};abc;WB-{loan.id}\n"

    log_in(phone, officer)
    phone.goto("/bank-imports")
    phone.locator("input[type=file]").set_input_files(
        files=[{"name": "estratto.csv", "mimeType": "text/csv", "buffer": statement.encode()}]
    )
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url("**/bank-imports/*")
    assert_fits_phone(phone, f"the preview in {language}")
    states = phone.locator(".bank-import-table td.row-state")
    expect(states).to_have_count(2)
    box = phone.locator(".bank-import-table").locator("xpath=..").bounding_box()
    for index in range(2):  # each row's state is in view without scrolling the table sideways
        cell = states.nth(index).bounding_box()
        assert box["x"] <= cell["x"], (index, cell, box)
        assert cell["x"] + cell["width"] <= box["x"] + box["width"] + 1, (index, cell, box)
    assert not phone.console_errors
