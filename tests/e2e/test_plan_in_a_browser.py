"""A new trainee writes a whole business plan on a 360 px phone, from "my plans" to version 1 sent.

The walk types every required answer (autosaved: it waits for the page to say so), changes the numbers until
the cash-shortfall warning appears in the results and back until it goes, adds a row, reads the checklist and
submits. On every section page: no console error (CSP included) and nothing wider than the screen. A second
test does the key step with JavaScript off: type an answer, press the section's button, it is stored.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support import PASSWORD, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.plans.catalogue import get_business_type
from workbench.plans.models import BusinessPlan, ReviewState
from workbench.plans.review import review_state
from workbench.programme.models import Cohort
from workbench.programme.services import assign_mentor, enrol

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 360
BUSINESS_TYPE = "tailoring"
TEMPLATE = get_business_type(BUSINESS_TYPE)

#: One answer per required question of the tailoring template, each long enough for the checklist.
ANSWERS = {
    "skills": "I sew by hand and by machine, cut patterns and fit dresses; I learned it in Dakar.",
    "experience": "Eight years in a tailor's shop in Dakar, then two years in a laundry in Mestre.",
    "motivation": "I want my own workshop and a steady income for my family.",
    "idea": "A small tailoring workshop: repairs, alterations and made-to-measure wax dresses.",
    "target_customers": "Neighbours who need repairs, laundries, and African women who want wax dresses.",
    "competitors": "Two repair shops in the area and the laundries' own seamstress.",
    "advantage": "Faster repairs, fair prices and wax dresses nobody else makes here.",
    "pricing": "Repairs from 8 to 15 euros, made-to-measure dresses from 140 euros.",
    "location": "A small shop on Via Piave in Mestre, near the station and the market.",
    "promotion": "Flyers at the laundries, a WhatsApp group and photos on Instagram.",
    "equipment_skills": "I own a used industrial machine and an overlock; my sister helps on Saturdays.",
    "legal_form": "A sole trader (ditta individuale) in the flat-rate tax regime.",
    "permits": "SCIA to the municipality, Chamber of Commerce registration and INPS artisans.",
    "sales_forecast": "About 120 repairs and 5 dresses a month at first, growing slowly with word of mouth.",
    "risks": "Fewer customers in August and a broken machine; I keep a reserve and a second-hand spare.",
}

#: The page's width, and on a page wider than the screen the first elements that stick out (to fix them).
PAGE_WIDTH = """(screen) => [
  document.scrollingElement.scrollWidth,
  [...document.querySelectorAll("main *")]
    .filter((el) => el.getBoundingClientRect().right > screen + 0.5)
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + [...el.classList].join(".")),
]"""


def required_questions(section):
    return [q for q in section.questions if q.required]


def new_trainee(cohort: Cohort) -> User:
    trainee = make_person("aminata.diallo@example.org", [Role.TRAINEE], "Aminata Diallo", locale="en")
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="it")
    enrol(trainee, cohort, actor=None)
    assign_mentor(trainee, mentor, actor=None)
    db.session.commit()
    return trainee


def log_in(page: Page, person: User) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/path")


def start_plan(page: Page) -> None:
    """From the navigation to the first section: a tailoring plan with empty answers and typical numbers."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My business plans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My business plans")
    page.get_by_role("link", name="Start my business plan").click()
    page.get_by_label(TEMPLATE.name("en")).check()
    page.get_by_label("Name of your business").fill("Sartoria Aminata")
    page.get_by_label("Empty answers and the typical numbers for this business").check()
    page.get_by_role("button", name="Start").click()


def on_section(page: Page, section) -> None:
    """The section's page is shown, loaded with its scripts (autosave, counts) and fits the phone."""
    expect(page.get_by_role("heading", level=1)).to_have_text(section.title("en"))
    page.wait_for_load_state("load")
    assert_fits_phone(page, section.key)


def assert_fits_phone(page: Page, where: str) -> None:
    """No horizontal scroll at 360 px: wide content (section list, cash-flow table) scrolls in its own box."""
    width, sticking_out = page.evaluate(PAGE_WIDTH, PHONE_WIDTH)
    assert width <= PHONE_WIDTH, f"{where}: the page is {width} px wide; sticking out: {sticking_out}"


def type_answers(page: Page, section, *, pause: bool = False) -> None:
    """Type each required answer (they start empty) and wait until the autosave has stored every one.

    The autosave runs when the trainee stops typing for a moment (`pause`) or leaves the box (Tab)."""
    questions = required_questions(section)
    for question in questions:
        box = page.get_by_label(question.prompt("en"))
        expect(box).to_have_value("")
        box.fill(ANSWERS[question.key])
        # The count beside the length rule follows the typing.
        count = page.locator(f'[data-count-of="answer-{question.key}"]')
        expect(count).to_have_text(str(len(ANSWERS[question.key].strip())))
        if not pause:
            box.press("Tab")
    if questions:
        expect(page.locator("#save-status")).to_have_text("Saved")
        for question in questions:  # each answer's first revision came back from the server
            expect(page.locator(f"#rev-{question.key}")).to_have_value("1")


def save_and_continue(page: Page) -> None:
    page.locator(".answers-form").get_by_role("button", name="Save and continue").click()


def test_trainee_writes_and_submits_a_plan_on_a_phone(phone: Page, app_context, cohort: Cohort) -> None:
    assert set(ANSWERS) == {q.key for s in TEMPLATE.sections for q in required_questions(s)}
    trainee = new_trainee(cohort)
    log_in(phone, trainee)
    start_plan(phone)

    sections = {s.key: s for s in TEMPLATE.sections}
    text_sections = [s for s in TEMPLATE.sections if s.kind == "questions"]

    # The sections with questions only, in order, with the Next button.
    for section in text_sections:
        on_section(phone, section)
        type_answers(phone, section, pause=section.key == "about_you")
        if section.key == "about_you":  # the autosave really stored the text
            phone.reload()
            on_section(phone, section)
            for question in required_questions(section):
                expect(phone.get_by_label(question.prompt("en"))).to_have_value(ANSWERS[question.key])
        save_and_continue(phone)

    # Start-up: add a cost, and put in as much more of your own money, so the two still match.
    on_section(phone, sections["startup"])
    results = phone.locator("#numbers-results")
    expect(results.locator("#sources-uses")).to_contain_text("€9,000.00 · What starting costs: €9,000.00")
    costs = phone.locator("#f-startup_costs > .numbers-row")
    count = costs.count()
    phone.get_by_role("button", name="Add a cost").click()
    expect(costs).to_have_count(count + 1)
    costs.last.get_by_label("What", exact=True).fill("Pattern paper and chalk")
    costs.last.get_by_label("Amount (EUR)").fill("200")
    expect(results.locator("#sources-uses")).to_contain_text("€9,000.00 · What starting costs: €9,200.00")
    expect(results.locator("[data-code=sources_short]")).to_be_visible()
    phone.get_by_label("Your own money (EUR)").fill("2200")
    expect(results.locator("#sources-uses")).to_contain_text("€9,200.00 · What starting costs: €9,200.00")
    expect(results.locator(".plan-warning")).to_have_count(0)
    assert_fits_phone(phone, "startup, with the new row")
    save_and_continue(phone)

    # Sales and costs: taking too much home makes the cash fall below zero; the warning comes and goes
    # in place, without reloading the page.
    on_section(phone, sections["sales_costs"])
    type_answers(phone, sections["sales_costs"])
    phone.evaluate("window.samePage = true")
    shortfall = results.locator("[data-code=cash_shortfall]")
    expect(shortfall).to_have_count(0)
    drawings = phone.get_by_label("What you take home each month (EUR)")
    expect(drawings).to_have_value("900")
    drawings.fill("2500")
    expect(shortfall).to_be_visible()
    expect(shortfall).to_contain_text(re.compile(r"^In month \d+ \(\w+ \d{4}\) your cash falls to -€[\d,.]+"))
    drawings.fill("900")
    expect(shortfall).to_have_count(0)
    expect(results.locator(".plan-warning")).to_have_count(0)
    # The typical rows are the template's: the plan counts them once the trainee makes them theirs, and
    # the section's count in the navigation follows the autosave.
    missing = phone.locator(".section-nav li.current .missing-count")
    expect(missing).to_be_visible()
    sold = phone.locator("#f-revenue_streams > .numbers-row").first
    sold.get_by_label("What", exact=True).fill("Made-to-measure wax dresses")
    monthly = phone.locator("#f-fixed_costs > .numbers-row").first
    monthly.get_by_label("What", exact=True).fill("Workshop rent, Mestre")
    expect(missing).to_have_count(0)
    assert phone.evaluate("window.samePage === true"), "the page reloaded instead of swapping the results"
    assert_fits_phone(phone, "sales_costs, after the warning")
    save_and_continue(phone)

    # Cash flow: the month-by-month table scrolls inside its box, not the page.
    on_section(phone, sections["cashflow"])
    expect(phone.get_by_role("region", name="Cash flow month by month")).to_be_visible()
    # The section list leads to the risks, the last section with questions.
    phone.get_by_role("navigation", name="Sections of the plan").get_by_role(
        "link", name=re.compile(re.escape(sections["risks"].title("en")))
    ).click()
    on_section(phone, sections["risks"])
    type_answers(phone, sections["risks"])
    save_and_continue(phone)

    on_section(phone, sections["summary"])
    expect(phone.locator(".section-nav .missing-count")).to_have_count(0)
    expect(phone.locator(".section-nav li.complete")).to_have_count(len(text_sections) + 3)
    phone.get_by_role("link", name="Check my plan").click()

    # The overview: nothing missing, send it, version 1 is kept.
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sartoria Aminata")
    expect(phone.locator("#plan-progress")).to_contain_text("Plan complete: 100%")
    expect(phone.get_by_text("Everything needed is there.")).to_be_visible()
    expect(phone.locator(".checklist")).to_have_count(0)
    assert_fits_phone(phone, "overview")
    phone.get_by_role("button", name="Send my plan to my mentor").click()
    expect(phone.locator(".flash-success")).to_have_text("Version 1 of your plan was sent to Marco Bianchi.")
    expect(phone.locator(".badge-status")).to_have_text("Sent for review")
    expect(phone.get_by_role("link", name="Version 1")).to_be_visible()
    assert_fits_phone(phone, "overview, sent")
    assert phone.console_errors == []

    plan = db.session.scalars(db.select(BusinessPlan)).one()
    assert review_state(plan) == ReviewState.SUBMITTED
    assert [v.number for v in plan.versions] == [1]
    assert plan.versions[0].answers["risks"]["text"] == ANSWERS["risks"]
    assert plan.assumptions["own_funds"] == "2200"
    assert plan.assumptions["owner_drawings"] == "900"
    assert plan.assumptions["startup_costs"][-1] == {
        "name": "Pattern paper and chalk",
        "amount": "200",
        "month": 1,
    }


def test_an_answer_is_saved_with_the_button_without_javascript(
    browser, live_server: str, app_context, cohort: Cohort
) -> None:
    trainee = new_trainee(cohort)
    context = browser.new_context(
        java_script_enabled=False,
        base_url=live_server,
        viewport={"width": PHONE_WIDTH, "height": 740},
        locale="en-GB",
    )
    page = context.new_page()
    log_in(page, trainee)
    start_plan(page)
    first, second = TEMPLATE.sections[0], TEMPLATE.sections[1]
    on_section(page, first)
    question = required_questions(first)[0]
    page.get_by_label(question.prompt("en")).fill(ANSWERS[question.key])
    save_and_continue(page)

    on_section(page, second)
    expect(page.locator(".flash-success")).to_have_text("Saved.")
    plan = db.session.scalars(db.select(BusinessPlan)).one()
    assert plan.answer(question.key).text == ANSWERS[question.key]
    page.get_by_role("button", name="Previous").click()
    on_section(page, first)
    expect(page.get_by_label(question.prompt("en"))).to_have_value(ANSWERS[question.key])
    context.close()


def test_text_typed_before_the_scripts_arrive_is_counted_when_they_do(
    phone: Page, app_context, cohort: Cohort
) -> None:
    """On a slow connection a person may type before app.js has run: the count beside the length rule
    catches up as soon as it does, instead of staying at the server's 0."""
    trainee = new_trainee(cohort)
    log_in(phone, trainee)
    start_plan(phone)
    section = next(s for s in TEMPLATE.sections if s.kind == "questions")
    on_section(phone, section)
    question = required_questions(section)[0]
    phone.route("**/static/js/app.js*", lambda route: route.abort())  # the script does not come
    phone.reload()
    box = phone.get_by_label(question.prompt("en"))
    box.fill(ANSWERS[question.key])
    count = phone.locator(f'[data-count-of="answer-{question.key}"]')
    expect(count).to_have_text("0")  # the server's count, and nothing to keep it live
    phone.unroute("**/static/js/app.js*")
    phone.add_script_tag(url="/static/js/app.js")  # ... and now it comes
    expect(count).to_have_text(str(len(ANSWERS[question.key].strip())))
