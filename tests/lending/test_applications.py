"""Applying for credit on an endorsed plan version: once per version, only on one's own endorsed latest
version, the request pre-filled from the version's first loan, audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.concurrency import ROUNDS, at_once
from tests.factories import endorsed_version, make_plan
from tests.support import audit_events, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending import applications as services
from workbench.lending.application_models import CreditApplication
from workbench.plans.models import PlanVersion
from workbench.plans.services import submit_plan

pytestmark = pytest.mark.usefixtures("english_readers")

REQUEST = services.Request(Decimal("8000"), 36, 0, "An oven and a counter.", "individual")


@pytest.fixture
def version(trainee: User, mentor: User) -> PlanVersion:
    return endorsed_version(trainee, mentor)


def test_applying_stores_the_request_on_the_version_and_audits_it(trainee, version) -> None:
    application = services.apply_for_credit(version, trainee, REQUEST)
    db.session.commit()
    assert (application.plan_version_id, application.applicant_id, application.amount) == (
        version.id,
        trainee.id,
        Decimal("8000.00"),
    )
    assert services.state_of(application).status == services.Status.SUBMITTED
    [event] = audit_events("application.submitted")
    assert (event.object_id, event.actor_id, event.after["amount"]) == (application.id, trainee.id, "8000.00")


def test_the_request_is_prefilled_from_the_versions_first_loan(version) -> None:
    values = services.prefilled(version)
    first = version.assumptions["loans"][0]
    assert values["term_months"] == int(first["term_months"])
    assert values["amount"] == Decimal(str(first["principal"])).quantize(Decimal("0.01"))
    assert values["legal_form"] == "individual"


def test_applying_twice_on_one_version_is_refused_with_the_first_application(trainee, version) -> None:
    first = services.apply_for_credit(version, trainee, REQUEST)
    db.session.commit()
    with pytest.raises(services.AlreadyApplied) as refused:
        services.apply_for_credit(version, trainee, REQUEST)
    assert refused.value.application.id == first.id
    assert "already applied" in refused.value.errors[""]


def test_a_plan_not_endorsed_cannot_apply(trainee) -> None:
    plan = make_plan(trainee, from_example=True)
    sent = submit_plan(plan, trainee)
    db.session.commit()
    with pytest.raises(DomainError):
        services.apply_for_credit(sent, trainee, REQUEST)
    assert db.session.query(CreditApplication).count() == 0


def test_nobody_applies_on_someone_elses_plan(version) -> None:
    other = make_person("other@example.org", [Role.TRAINEE], "Other")
    with pytest.raises(DomainError):
        services.apply_for_credit(version, other, REQUEST)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("1e12")}, "amount"),
        ({"term_months": 0}, "term_months"),
        ({"grace_months": 36}, "grace_months"),
        ({"purpose": "  "}, "purpose"),
        ({"purpose": "x" * 2001}, "purpose"),
        ({"legal_form": "trust"}, "legal_form"),
    ],
)
def test_a_bad_request_is_refused_at_the_field(trainee, version, change, field) -> None:
    values = {**REQUEST.__dict__, **change}
    with pytest.raises(DomainError) as refused:
        services.apply_for_credit(version, trainee, services.Request(**values))
    assert field in refused.value.errors


def test_two_applications_at_once_store_one(app, trainee, mentor) -> None:
    trainee_id = trainee.id
    for n in range(ROUNDS // 2):
        version_id = endorsed_version(trainee, mentor, title=f"Plan {n}").id
        results = at_once(app, *(lambda v=version_id: _apply(v, trainee_id) for _ in range(2)))
        assert sorted(results) == ["applied", "refused"]
        assert db.session.query(CreditApplication).filter_by(plan_version_id=version_id).count() == 1


def _apply(version_id: int, trainee_id: int) -> str:
    version = db.session.get(PlanVersion, version_id)
    trainee = db.session.get(User, trainee_id)
    try:
        services.apply_for_credit(version, trainee, REQUEST)
        db.session.commit()
        return "applied"
    except DomainError:
        db.session.rollback()
        return "refused"


# --- pages ----------------------------------------------------------------------------------------------


def test_the_trainee_applies_from_the_page_and_sees_the_status(client, trainee, version) -> None:
    login_as(client, trainee)
    page = client.get(f"/plans/{version.plan_id}/apply")
    assert page.status_code == 200
    assert 'name="amount"' in page.get_data(as_text=True)
    form = {
        "amount": "7500",
        "term_months": "24",
        "grace_months": "2",
        "purpose": "Oven",
        "legal_form": "srl",
    }
    answer = client.post(f"/plans/{version.plan_id}/apply", data=form)
    assert answer.status_code == 303
    application = db.session.query(CreditApplication).one()
    assert application.amount == Decimal("7500.00")
    mine = client.get("/applications/mine").get_data(as_text=True)
    assert "Submitted" in mine
    again = client.post(f"/plans/{version.plan_id}/apply", data=form)
    assert again.status_code == 303
    assert db.session.query(CreditApplication).count() == 1


def test_a_bad_amount_comes_back_at_the_field_with_what_was_typed(client, trainee, version) -> None:
    login_as(client, trainee)
    form = {"amount": "9" * 5000, "term_months": "24", "grace_months": "0", "purpose": "Oven"}
    form["legal_form"] = "srl"
    answer = client.post(f"/plans/{version.plan_id}/apply", data=form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="amount-error"' in html
    assert "Oven" in html


def test_another_trainee_cannot_open_the_application(client, trainee, version) -> None:
    application = services.apply_for_credit(version, trainee, REQUEST)
    db.session.commit()
    other = make_person("other@example.org", [Role.TRAINEE], "Other")
    login_as(client, other)
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert client.get(f"/plans/{version.plan_id}/apply").status_code == 404
    login_as(client, trainee)
    assert client.get(f"/applications/{application.id}").status_code == 200


def test_the_applicant_reads_the_status_not_the_scorecard(client, trainee, officer, version) -> None:
    from workbench.lending.scorecard import Rating, score_application

    application = services.apply_for_credit(version, trainee, REQUEST)
    score_application(
        application,
        officer,
        {k: Rating(2, "Private note.") for k in ("motivation", "experience", "market")},
        seen=0,
    )
    db.session.commit()
    login_as(client, trainee)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Scored" in page
    assert "Private note." not in page
    assert "/score" not in page
    assert client.post(f"/applications/{application.id}/score").status_code == 403


def test_the_queue_filters_by_status_and_answers_htmx_with_the_results_only(
    client, trainee, officer, version
) -> None:
    services.apply_for_credit(version, trainee, REQUEST)
    db.session.commit()
    login_as(client, officer)
    assert "Fatou Ndiaye" in client.get("/queue?status=submitted").get_data(as_text=True)
    assert "Fatou Ndiaye" not in client.get("/queue?status=approved").get_data(as_text=True)
    fragment = client.get(
        "/queue?status=submitted", headers={"HX-Request": "true", "HX-Target": "queue-results"}
    )
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="queue-results">')
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get("/queue?cohort=99999999999&officer=x&status=%00").status_code in (200, 400)
