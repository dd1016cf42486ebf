"""Completion counts what the person did: a new plan is 0 % with no section ticked; the numbers count once
they are the person's; the navigation's counts follow autosave and say what they mean; the length rules are
said and the maximum is enforced; names of typical numbers speak the plan's language; imports get a title of
their own."""

from __future__ import annotations

import io
import json
import re

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.plans.test_numbers_views import open_page, post_numbers, stored
from workbench.extensions import db
from workbench.plans import exports, services
from workbench.plans.catalogue import business_type_of
from workbench.plans.checklist import numbers_of_the_person, plan_checklist, progress
from workbench.plans.models import BusinessPlan

HTMX = {"HX-Request": "true"}


def new_plan(trainee, **options) -> BusinessPlan:
    made = services.create_plan(owner=trainee, business_type="food", title="Fatou's Kitchen", **options)
    db.session.commit()
    return made


def percent_on(page: str) -> int:
    found = re.search(r'<progress id="plan-progress-bar" max="100" value="(\d+)"', page)
    assert found, "no progress bar"
    return int(found.group(1))


def nav_marks(page: str) -> dict[str, str]:
    """Section key -> "✓", the missing count, or "" as the section navigation shows it."""
    marks = {}
    for key, body in re.findall(r'<a href="/plans/\d+/sections/(\w+)"[^>]*>(.*?)</a>', page, re.S):
        count = re.search(r'<span aria-hidden="true">(\d+)</span>', body)
        marks[key] = count.group(1) if count else ("✓" if "done-mark" in body else "")
    return marks


def test_a_new_plan_is_0_percent_with_no_section_ticked(signed_in: FlaskClient, trainee) -> None:
    plan = new_plan(trainee)
    with force_locale("en"):
        items = plan_checklist(plan)
        assert progress(items) == 0
        costs = next(item for item in items if item.anchor == "f-startup_costs")
        assert costs.message.startswith("Put your own numbers in place of the typical ones")
    page = signed_in.get(f"/plans/{plan.id}/sections/startup").get_data(as_text=True)
    assert percent_on(page) == 0
    marks = nav_marks(page)
    assert "✓" not in marks.values()
    assert marks["startup"] == "2"  # the costs, and the money to start that balances them
    assert int(marks["sales_costs"]) >= 2  # what is sold, the monthly costs (and the question there)
    assert marks["cashflow"] == ""  # nothing to complete there: no tick either
    assert marks["summary"] == ""
    assert percent_on(signed_in.get(f"/plans/{plan.id}").get_data(as_text=True)) == 0


def test_checklist_messages_are_translated_when_read_and_escaped_as_text(trainee) -> None:
    """The messages are made only when read (the section pages only count the items), in the reader's
    language, and as plain text: a template escapes them like any other."""
    plan = new_plan(trainee)
    with force_locale("en"):
        items = plan_checklist(plan)
    costs = next(item for item in items if item.anchor == "f-startup_costs")
    with force_locale("fr"):
        said = costs.message
    assert type(said) is str
    assert said != costs.message  # English outside, French inside
    with force_locale("en"):
        assert costs.message.startswith("Put your own numbers in place of the typical ones")


def test_the_numbers_count_once_the_person_has_made_them_theirs(signed_in: FlaskClient, trainee) -> None:
    plan = new_plan(trainee)
    fields = open_page(signed_in, plan, "startup")
    # Saving another number of the page posts the costs back as typed ("9500"): still the typical ones.
    post_numbers(signed_in, plan, "startup", {**fields, "own_funds": "5300"})
    assert "startup_costs" not in numbers_of_the_person(stored(plan).assumptions, business_type_of(plan))
    fields = open_page(signed_in, plan, "startup")
    changes = {"startup_costs-0-amount": "9600", "own_funds": "5300"}
    assert post_numbers(signed_in, plan, "startup", {**fields, **changes, "go": "stay"}).status_code == 303
    page = signed_in.get(f"/plans/{plan.id}/sections/startup").get_data(as_text=True)
    assert nav_marks(page)["startup"] == "✓"  # costs are theirs and the money to start balances them
    assert percent_on(page) > 0


def test_plans_from_the_example_or_a_file_hold_numbers_the_person_chose(trainee) -> None:
    with force_locale("fr"):
        example = new_plan(trainee, from_example=True)
        assert all(item.done for item in plan_checklist(example))
        imported = new_plan(trainee, assumptions=example.assumptions)
        numbers = [i for i in plan_checklist(imported) if not (i.anchor or "").startswith("answer-")]
        assert len(numbers) == 4
        assert all(item.done for item in numbers)


def test_autosave_sends_the_section_navigation_with_the_new_counts(signed_in: FlaskClient, trainee) -> None:
    plan = new_plan(trainee)
    page = signed_in.get(f"/plans/{plan.id}/sections/about_you").get_data(as_text=True)
    before = int(nav_marks(page)["about_you"])
    key = business_type_of(plan).section("about_you").questions[0].key
    response = signed_in.post(
        f"/plans/{plan.id}/sections/about_you",
        data={f"answer-{key}": "Sono Fatou, cuoca da vent'anni, a Mestre dal 2015. " * 3, f"rev-{key}": "0"},
        headers=HTMX,
    )
    fragment = response.get_data(as_text=True)
    assert re.search(r'<nav class="section-nav" id="section-nav"[^>]*hx-swap-oob="true"', fragment)
    assert int(nav_marks(fragment)["about_you"] or 0) == before - 1


def test_the_counts_are_explained_in_words_not_by_a_tooltip(signed_in: FlaskClient, trainee) -> None:
    plan = new_plan(trainee)
    page = signed_in.get(f"/plans/{plan.id}/sections/startup").get_data(as_text=True)
    assert 'class="missing-count" title=' not in page
    with force_locale("fr"):
        from flask_babel import gettext, ngettext

        assert ngettext("%(num)d thing missing", "%(num)d things missing", 2) in page
        assert (
            gettext(
                "The number beside a section counts what is still missing there; ✓ marks a complete section."
            )
            in page
        )


def test_the_length_rule_is_said_and_the_maximum_refused_with_the_text_kept(
    signed_in: FlaskClient, trainee
) -> None:
    plan = new_plan(trainee)
    question = next(q for q in business_type_of(plan).questions if q.min_length and q.max_length)
    section = business_type_of(plan).section_of(question.key).key
    page = signed_in.get(f"/plans/{plan.id}/sections/{section}").get_data(as_text=True)
    rule = re.search(
        rf'<span class="help length-rule" id="rule-{question.key}">(.*?)</span>\s*</div>', page, re.S
    )
    assert rule
    said = re.sub(r"[^\d ]", "", rule.group(1).split("·")[0]).split()
    assert said == [str(question.min_length), str(question.max_length)]
    assert f'data-count-of="answer-{question.key}">0<' in page
    too_long = "x" * (question.max_length + 1)
    response = signed_in.post(
        f"/plans/{plan.id}/sections/{section}",
        data={f"answer-{question.key}": too_long, f"rev-{question.key}": "0", "go": "stay"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="error-{question.key}">(.*?)</p>', html, re.S)
    assert error
    assert str(question.max_length) in re.sub(r"\D", "", error.group(1))
    assert too_long in html  # nothing typed is lost
    assert stored(plan).answer(question.key) is None
    fits = "x" * question.max_length
    response = signed_in.post(
        f"/plans/{plan.id}/sections/{section}",
        data={f"answer-{question.key}": fits, f"rev-{question.key}": "0", "go": "stay"},
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("language", "loan"),
    [("it", "Microcredito"), ("en", "Microcredit"), ("fr", "Microcrédit"), ("ar", "قرض صغير")],
)
def test_a_new_plans_typical_numbers_are_named_in_the_language_of_its_creation(
    signed_in: FlaskClient, language: str, loan: str
) -> None:
    signed_in.post("/language", data={"locale": language, "next": "/plans"})
    response = signed_in.post(
        "/plans/new", data={"business_type": "food", "title": "", "start_from": "typical"}
    )
    assert response.status_code == 303
    plan = db.session.scalars(db.select(BusinessPlan)).one()
    assert plan.assumptions["loans"][0]["name"] == loan
    names = [row["name"] for row in plan.assumptions["fixed_costs"]]
    assert names == [row["name"] for row in business_type_of(plan).typical_numbers(language)["fixed_costs"]]
    assert all(isinstance(name, str) for name in names)


def test_an_import_gets_a_title_of_its_own_or_the_one_chosen(signed_in: FlaskClient, trainee) -> None:
    original = new_plan(trainee)
    content = exports.assumptions_json(original)
    upload = {"file": (io.BytesIO(content), "numbers.json")}
    assert signed_in.post("/plans/import", data=upload, content_type="multipart/form-data").status_code == 303
    again = {"file": (io.BytesIO(content), "numbers.json")}
    assert signed_in.post("/plans/import", data=again, content_type="multipart/form-data").status_code == 303
    chosen = {"file": (io.BytesIO(content), "numbers.json"), "title": "Fatou's Kitchen, second try"}
    assert signed_in.post("/plans/import", data=chosen, content_type="multipart/form-data").status_code == 303
    titles = [p.title for p in db.session.scalars(db.select(BusinessPlan).order_by(BusinessPlan.id))]
    assert len(set(titles)) == 4
    assert titles[1].startswith("Fatou's Kitchen (")
    assert titles[2] == titles[1] + " (2)"
    assert titles[3] == "Fatou's Kitchen, second try"
    assert json.loads(content)["title"] == "Fatou's Kitchen"
