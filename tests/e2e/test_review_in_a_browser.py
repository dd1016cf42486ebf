"""The mentor's review in a browser: an empty note is an error at the note field, in place (htmx swaps the
review card, nothing else moves); a real note sends the plan back, and the trainee reads it on the section
pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support import PASSWORD, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.models import ReviewState
from workbench.plans.review import review_state
from workbench.programme.models import Cohort
from workbench.programme.services import assign_mentor, enrol

pytestmark = pytest.mark.e2e


def log_in(page: Page, person: User, home: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/{home}")


def test_the_mentor_sends_a_plan_back_and_an_empty_note_is_told_in_place(
    phone: Page, app_context, cohort: Cohort
) -> None:
    trainee = make_person("aminata.diallo@example.org", [Role.TRAINEE], "Aminata Diallo", locale="en")
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="en")
    enrol(trainee, cohort, actor=None)
    assign_mentor(trainee, mentor, actor=None)
    plan = services.create_plan(owner=trainee, business_type="tailoring", title="Sartoria", from_example=True)
    db.session.flush()
    services.submit_plan(plan, trainee)
    db.session.commit()

    log_in(phone, mentor, "mentees")
    expect(phone.get_by_text("1 plan waits for your review")).to_be_visible()
    phone.get_by_role("link", name="Sartoria").click()
    phone.wait_for_url(f"**/plans/{plan.id}")
    phone.get_by_role("button", name="Ask for changes").click()
    expect(phone.locator("#note-error")).to_be_visible()
    expect(phone.locator("#note")).to_have_attribute("aria-invalid", "true")
    assert phone.url.endswith(f"/plans/{plan.id}")
    expect(phone.locator("#review")).to_have_count(1)  # swapped in place, not nested

    phone.locator("#note").fill("Explain the prices of the made-to-measure dresses.")
    phone.get_by_role("button", name="Ask for changes").click()
    expect(phone.locator(".flash-success")).to_have_text(
        "The plan went back to Aminata Diallo with your note."
    )
    expect(phone.locator("#review")).to_have_count(0)
    assert review_state(plan) == ReviewState.CHANGES_REQUESTED
    assert phone.console_errors == []
