"""Frozen versions render as they were sent: with the template version they were written on and with the
results stored with them, whatever changed since."""

from __future__ import annotations

import html as html_lib
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.factories import make_plan, resent_with_results
from tests.plans.conftest import SKILLS_V2
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.catalogue import get_business_type
from workbench.plans.models import BusinessPlan
from workbench.web.formatting import amounts, money

V1_SKILLS = get_business_type("food", 1).question("skills").prompt("fr")
V1_KITCHEN = get_business_type("food", 1).question("kitchen").prompt("fr")


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html_lib.unescape(response.get_data(as_text=True))


@pytest.fixture
def sent(signed_in: FlaskClient, trainee) -> BusinessPlan:
    """A food plan written and sent on template version 1."""
    plan = make_plan(trainee, title="Chez Fatou", from_example=True)
    assert plan.template_version == 1
    assert signed_in.post(f"/plans/{plan.id}/submit").status_code == 303
    return plan


def test_a_version_keeps_the_questions_it_was_written_on(
    signed_in: FlaskClient, sent: BusinessPlan, request: pytest.FixtureRequest
) -> None:
    request.getfixturevalue("food_v2")  # version 2 arrives after the plan was sent
    assert get_business_type("food").version == 2
    assert SKILLS_V2["fr"] != V1_SKILLS

    version = page(signed_in, f"/plans/{sent.id}/versions/1")
    assert V1_SKILLS in version
    assert SKILLS_V2["fr"] not in version
    assert V1_KITCHEN in version  # a question v2 no longer asks, with its answer
    assert sent.answer("kitchen").text in version

    # The draft started on v1 goes on with v1: its pages and its printed copy.
    assert V1_SKILLS in page(signed_in, f"/plans/{sent.id}/sections/about_you")
    assert V1_KITCHEN in page(signed_in, f"/plans/{sent.id}/sections/organisation")
    printed = page(signed_in, f"/plans/{sent.id}/print")
    assert V1_SKILLS in printed
    assert SKILLS_V2["fr"] not in printed


def test_a_new_plan_is_written_on_the_newest_version(signed_in: FlaskClient, trainee, food_v2) -> None:
    plan = make_plan(trainee, title="Nouveau")
    assert plan.template_version == 2
    about = page(signed_in, f"/plans/{plan.id}/sections/about_you")
    assert SKILLS_V2["fr"] in about
    assert V1_SKILLS not in about
    assert "kitchen" not in page(signed_in, f"/plans/{plan.id}/sections/organisation")


def test_comparing_versions_uses_their_template(
    signed_in: FlaskClient, sent: BusinessPlan, request: pytest.FixtureRequest
) -> None:
    kitchen = sent.answer("kitchen")
    services.save_answers(
        sent,
        [services.AnswerEdit("kitchen", kitchen.text + " Hotte neuve.", kitchen.language, kitchen.revision)],
        sent.owner,
    )
    db.session.commit()
    assert signed_in.post(f"/plans/{sent.id}/submit").status_code == 303
    request.getfixturevalue("food_v2")
    compare = page(signed_in, f"/plans/{sent.id}/compare?old=1&new=2")
    assert V1_KITCHEN in compare
    assert "Hotte neuve." in compare


def test_the_version_page_shows_the_results_it_was_sent_with(
    signed_in: FlaskClient, sent: BusinessPlan
) -> None:
    version = sent.versions[0]
    metrics = version.results["metrics"]
    shown = page(signed_in, f"/plans/{sent.id}/versions/1")
    with force_locale("fr"):
        assert money(Decimal(metrics["min_cash"])) in shown
        [last] = amounts([Decimal(version.results["table"]["closing_cash"][-1])])
    assert f'<td class="closing">{last}</td>' in shown
    assert 'id="version-results"' in shown


def test_the_version_page_does_not_recompute(signed_in: FlaskClient, sent: BusinessPlan, trainee) -> None:
    """The finance core may change after a version was sent: the version shows what was sent."""
    first = sent.versions[0]
    results = {**first.results, "metrics": {**first.results["metrics"], "min_cash": "-9876.54"}}
    resent_with_results(first, results)
    with force_locale("fr"):
        assert money(Decimal("-9876.54")) in page(signed_in, f"/plans/{sent.id}/versions/2")


def test_a_version_whose_results_cannot_be_read_still_shows_its_answers(
    signed_in: FlaskClient, sent: BusinessPlan, trainee
) -> None:
    first = sent.versions[0]
    resent_with_results(first, {"months": []})
    shown = page(signed_in, f"/plans/{sent.id}/versions/2")
    assert V1_SKILLS in shown
    assert 'id="version-results"' not in shown
