"""Each role logs in on a phone, lands on its own home, switches to Arabic and reads right to left."""

from __future__ import annotations

import pytest

from tests.support import PASSWORD, make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme.services import enrol

pytestmark = pytest.mark.e2e

HOMES = {
    Role.TRAINEE: "/path",
    Role.MENTOR: "/mentees",
    Role.OFFICER: "/queue",
    Role.MANAGER: "/programme",
}


@pytest.mark.parametrize("role", list(HOMES), ids=[r.value for r in HOMES])
def test_role_logs_in_lands_home_and_switches_to_arabic(phone, app_context, cohort, role: Role) -> None:
    person = make_person(f"{role.value}@example.org", [role], locale=None)
    if role is Role.TRAINEE:
        enrol(person, cohort, actor=None)
        db.session.commit()

    phone.goto("/login")
    phone.fill("input[name=email]", person.email)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit].button-primary")
    phone.wait_for_url(f"**{HOMES[role]}")
    assert phone.locator("h1").count() == 1
    assert phone.get_attribute("html", "dir") == "ltr"

    # The language select submits itself when JavaScript runs.
    phone.select_option("#language-select", "ar")
    phone.wait_for_function("document.documentElement.dir === 'rtl'")
    assert phone.get_attribute("html", "lang") == "ar"
    assert phone.url.endswith(HOMES[role])
    direction = phone.evaluate("getComputedStyle(document.querySelector('main')).direction")
    assert direction == "rtl"
    # Readable on a 360 px phone: nothing pushes the page wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.console_errors == []

    # The choice is remembered on the account: a new login opens in Arabic.
    db.session.refresh(person)
    assert person.locale == "ar"


def test_manager_creates_a_cohort_without_javascript(browser, live_server, app_context) -> None:
    manager = make_person("giulia@example.org", [Role.MANAGER], locale="en")
    context = browser.new_context(
        java_script_enabled=False, base_url=live_server, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=email]", manager.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].button-primary")
    page.wait_for_url("**/programme")
    page.goto("/programme/cohorts/new")
    page.fill("input[name=name]", "Palermo 2027")
    page.fill("input[name=starts_on]", "2027-03-01")
    page.fill("input[name=ends_on]", "2027-01-01")
    page.click("button[type=submit].button-primary")
    # Bad input: the error is at the field and what was typed is still there.
    assert page.locator("#ends_on-error").is_visible()
    assert page.input_value("input[name=name]") == "Palermo 2027"
    page.fill("input[name=ends_on]", "2027-12-01")
    page.click("button[type=submit].button-primary")
    page.wait_for_url("**/programme/cohorts/*")
    assert page.locator("h1").inner_text() == "Palermo 2027"
    assert len(page.locator(".invite-code code").inner_text()) == 8
    context.close()
