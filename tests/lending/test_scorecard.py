"""The scorecard explains its total, keeps its version, needs a reason to override the band, and stores one
of two scores made at once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.concurrency import at_once
from tests.factories import endorsed_version
from tests.support import audit_events, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending import applications
from workbench.lending.application_models import CreditApplication
from workbench.lending.scorecard import (
    DEFAULT_WEIGHTS,
    Rating,
    ScoreConflict,
    create_scorecard_version,
    current_scorecard,
    score_application,
)
from workbench.lending.scorecard_models import ApplicationScore

pytestmark = pytest.mark.usefixtures("english_readers")

RATINGS = {key: Rating(4, "Convincing.") for key in ("motivation", "experience", "market")}


@pytest.fixture
def application(trainee: User, mentor: User) -> CreditApplication:
    version = endorsed_version(trainee, mentor)
    made = applications.apply_for_credit(
        version, trainee, applications.Request(Decimal("8000"), 36, 0, "Oven", "individual")
    )
    db.session.commit()
    return made


def test_the_total_is_the_sum_of_the_contributions(application, officer) -> None:
    score = score_application(application, officer, RATINGS, seen=0)
    db.session.commit()
    assert sum(Decimal(row["contribution"]) for row in score.criteria) == score.total
    assert {row["key"] for row in score.criteria} == set(DEFAULT_WEIGHTS)
    for row in score.criteria:
        assert Decimal(row["contribution"]) == (Decimal(row["normalised"]) * row["weight"]).quantize(
            Decimal("0.01")
        )
    judged = next(row for row in score.criteria if row["key"] == "motivation")
    assert (judged["rating"], judged["normalised"], judged["comment"]) == (4, "1.00", "Convincing.")
    assert applications.state_of(application).status == applications.Status.SCORED
    [event] = audit_events("application.scored")
    assert event.after["total"] == str(score.total)


def test_weights_must_add_up_to_100() -> None:
    with pytest.raises(DomainError):
        create_scorecard_version({**DEFAULT_WEIGHTS, "dscr": 21}, 70, 50, None)
    with pytest.raises(DomainError):
        create_scorecard_version(DEFAULT_WEIGHTS, 50, 70, None)


def test_a_score_keeps_the_version_it_was_made_with(application, officer, manager) -> None:
    first = score_application(application, officer, RATINGS, seen=0)
    db.session.commit()
    weights = {**DEFAULT_WEIGHTS, "dscr": 10, "tutoring": 15}
    newer = create_scorecard_version(weights, 75, 55, manager)
    db.session.commit()
    assert current_scorecard().id == newer.id
    assert first.scorecard_version.number == 1
    second = score_application(application, officer, RATINGS, seen=1)
    assert second.scorecard_version_id == newer.id


def test_another_band_needs_a_reason(application, officer) -> None:
    with pytest.raises(DomainError) as refused:
        score_application(application, officer, RATINGS, seen=0, band="do_not_recommend")
    assert "override_reason" in refused.value.errors
    score = score_application(
        application, officer, RATINGS, seen=0, band="do_not_recommend", override_reason="Debts elsewhere."
    )
    assert score.overridden
    assert score.override_reason == "Debts elsewhere."


def test_each_judged_criterion_needs_a_rating_and_a_comment(application, officer) -> None:
    with pytest.raises(DomainError) as refused:
        score_application(
            application, officer, {"motivation": Rating(5, "x"), "experience": Rating(2, " ")}, seen=0
        )
    assert {"motivation_rating", "experience_comment", "market_rating"} <= set(refused.value.errors)


def test_a_score_made_from_an_older_one_is_refused(application, officer) -> None:
    score_application(application, officer, RATINGS, seen=0)
    db.session.commit()
    with pytest.raises(ScoreConflict) as refused:
        score_application(application, officer, RATINGS, seen=0)
    assert refused.value.latest is not None


def test_two_officers_scoring_at_once_store_one_score(app, application, officer) -> None:
    other = make_person("second.officer@example.org", [Role.OFFICER], "Second Officer")
    ids = (application.id, officer.id, other.id)

    def scoring(officer_id: int) -> str:
        try:
            score_application(
                db.session.get(CreditApplication, ids[0]), db.session.get(User, officer_id), RATINGS, seen=0
            )
            db.session.commit()
            return "stored"
        except DomainError:
            db.session.rollback()
            return "told"

    results = at_once(app, lambda: scoring(ids[1]), lambda: scoring(ids[2]))
    assert sorted(results) == ["stored", "told"]
    assert db.session.query(ApplicationScore).count() == 1


def test_the_officer_scores_from_the_page_and_a_stale_form_keeps_the_ratings(
    client, application, officer
) -> None:
    login_as(client, officer)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Sales down 20%" in page  # the stress tests beside the base case
    form = {"seen": "0", "band": ""}
    for key in ("motivation", "experience", "market"):
        form[f"{key}_rating"] = "3"
        form[f"{key}_comment"] = f"Comment on {key}"
    assert client.post(f"/applications/{application.id}/score", data=form).status_code == 303
    stale = client.post(f"/applications/{application.id}/score", data=form)
    assert stale.status_code == 409
    assert "Comment on market" in stale.get_data(as_text=True)
    assert db.session.query(ApplicationScore).count() == 1
