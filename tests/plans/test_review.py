"""The review as data: decisions on versions, the state derived from them, who may act, the mentor's note
reaching the trainee, and a plan without a mentor reaching the programme's manager."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.support import audit_events, error_fields, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.models import BusinessPlan, ReviewDecision, ReviewState
from workbench.plans.permissions import can_request_changes
from workbench.plans.review import ReviewStatus, review_state, waiting_for_a_mentor
from workbench.programme.models import Cohort
from workbench.programme.services import assign_mentor, enrol

HTMX = {"HX-Request": "true"}


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


@pytest.fixture
def trainee(cohort: Cohort) -> User:
    """The pages are read in English here, whatever the shared fixtures' languages."""
    user = make_person("fatou.ndiaye@example.org", [Role.TRAINEE], "Fatou Ndiaye", locale="en")
    enrol(user, cohort, actor=None)
    db.session.commit()
    return user


@pytest.fixture
def mentor(app_context: None) -> User:
    return make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="en")


@pytest.fixture
def plan(trainee: User) -> BusinessPlan:
    made = services.create_plan(
        owner=trainee, business_type="food", title="Fatou's Kitchen", from_example=True
    )
    db.session.commit()
    return made


@pytest.fixture
def sent(plan: BusinessPlan, trainee: User, mentor: User) -> BusinessPlan:
    """Version 1 with the trainee's assigned mentor."""
    assign_mentor(trainee, mentor, None)
    services.submit_plan(plan, trainee)
    db.session.commit()
    return plan


def change_and_resend(plan: BusinessPlan, trainee: User, words: str) -> None:
    idea = plan.answer("idea")
    services.save_answers(
        plan, [services.AnswerEdit("idea", idea.text + words, idea.language, idea.revision)], trainee
    )
    services.submit_plan(plan, trainee)
    db.session.commit()


# --- the state is derived from versions and decisions -----------------------------------------------------


def test_the_state_follows_versions_and_decisions(plan, trainee, mentor) -> None:
    assert review_state(plan) == ReviewState.DRAFT
    assign_mentor(trainee, mentor, None)
    services.submit_plan(plan, trainee)
    assert review_state(plan) == ReviewState.SUBMITTED
    decision = services.request_changes(plan, mentor, "  Explain the prices.  ")
    assert (decision.version.number, decision.reviewer_id, decision.decision, decision.note) == (
        1,
        mentor.id,
        "changes_requested",
        "Explain the prices.",
    )
    assert review_state(plan) == ReviewState.CHANGES_REQUESTED
    change_and_resend(plan, trainee, " Prices checked.")
    assert review_state(plan) == ReviewState.RESUBMITTED
    events = audit_events("plan.changes_requested")
    assert [(e.before, e.after) for e in events] == [
        (
            {"status": "submitted"},
            {
                "status": "changes_requested",
                "version": 1,
                "note": "Explain the prices.",
                "decision_id": decision.id,
            },
        )
    ]


def test_a_decision_is_append_only(sent, mentor) -> None:
    decision = services.request_changes(sent, mentor, "Explain the prices.")
    db.session.commit()
    decision.note = "Rewritten later."
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_a_second_decision_on_one_version_meets_the_unique_key_with_a_clear_message(
    sent, mentor, monkeypatch
) -> None:
    """The row lock keeps decisions apart; should two still meet, one version holds one decision."""
    services.request_changes(sent, mentor, "First.")
    db.session.commit()
    monkeypatch.setattr(services, "review_status", lambda plan: ReviewStatus(ReviewState.SUBMITTED, 1))
    with pytest.raises(DomainError) as raised:
        services.request_changes(sent, mentor, "Second.")
    assert raised.value.errors == {"": services.already_sent_back()}
    db.session.rollback()
    assert [d.note for d in db.session.scalars(select(ReviewDecision))] == ["First."]


def test_versions_are_never_deleted_with_their_plan(sent) -> None:
    db.session.delete(sent)
    with pytest.raises(ValueError, match="versions sent for review"):
        db.session.flush()
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":  # the database says so too (SQLite runs without foreign keys)
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM business_plans WHERE id = :id"), {"id": sent.id})
    assert db.session.get(BusinessPlan, sent.id).versions


# --- who may ask for changes: one predicate for the view and the page -------------------------------------


def test_only_the_assigned_mentor_of_a_waiting_plan_may_ask_for_changes(
    plan, trainee, mentor, manager
) -> None:
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    assert not can_request_changes(mentor, plan)  # nothing sent yet
    services.submit_plan(plan, trainee)
    assert can_request_changes(mentor, plan)
    assert not can_request_changes(trainee, plan)
    assert not can_request_changes(manager, plan)
    other = make_person("amina.diallo@example.org", [Role.MENTOR], "Amina Diallo")
    assert not can_request_changes(other, plan)
    services.request_changes(plan, mentor, "Explain the prices.")
    assert not can_request_changes(mentor, plan)  # sent back: waiting for the next version


def test_the_review_form_appears_only_when_the_action_is_allowed(
    client: FlaskClient, sent, trainee, mentor
) -> None:
    login_as(client, mentor)
    assert 'id="review"' in page(client.get(f"/plans/{sent.id}"))
    login_as(client, trainee)
    assert 'id="review"' not in page(client.get(f"/plans/{sent.id}"))
    services.request_changes(sent, mentor, "Explain the prices.")
    db.session.commit()
    login_as(client, mentor)
    after = page(client.get(f"/plans/{sent.id}"))
    assert 'id="review"' not in after
    assert "Wait for the next version: Fatou Ndiaye is working on the note sent back with version 1." in after


@pytest.mark.signed_in("mentor")
def test_asking_again_for_a_plan_sent_back_keeps_the_note_and_says_why(
    signed_in: FlaskClient, sent, mentor
) -> None:
    services.request_changes(sent, mentor, "Explain the prices.")
    db.session.commit()
    response = signed_in.post(f"/plans/{sent.id}/request-changes", data={"note": "One more thing."})
    assert response.status_code == 409
    html = page(response)
    assert "This plan was already sent back to the trainee: it is no longer waiting for review." in html
    assert "Your note was not sent: One more thing." in html


# --- an empty note is an error at the field, with and without JavaScript ----------------------------------


@pytest.mark.signed_in("mentor")
def test_an_empty_note_is_an_error_at_the_field_without_javascript(signed_in: FlaskClient, sent) -> None:
    response = signed_in.post(f"/plans/{sent.id}/request-changes", data={"note": "   "})
    assert response.status_code == 422
    html = page(response)
    assert "note" in error_fields(html)
    assert 'id="review"' in html
    assert "<html" in html  # the whole page, the form in it
    assert review_state(db.session.get(BusinessPlan, sent.id)) == ReviewState.SUBMITTED


@pytest.mark.signed_in("mentor")
def test_an_empty_note_is_an_error_at_the_field_in_place_with_htmx(signed_in: FlaskClient, sent) -> None:
    """htmx swaps only successful answers: the card with the error comes back as a 200 fragment, in place."""
    response = signed_in.post(f"/plans/{sent.id}/request-changes", data={"note": ""}, headers=HTMX)
    assert response.status_code == 200
    html = page(response)
    assert "<html" not in html
    assert html.lstrip().startswith('<section class="card" id="review"')
    assert "note" in error_fields(html)
    assert 'aria-invalid="true"' in html
    overview = page(signed_in.get(f"/plans/{sent.id}"))
    form = re.search(r'<form[^>]*hx-post="([^"]+)"[^>]*hx-target="#review"', overview)
    assert form is not None
    assert form.group(1) == f"/plans/{sent.id}/request-changes"


@pytest.mark.signed_in("mentor")
def test_a_note_sent_with_htmx_refreshes_the_page_with_the_message(signed_in: FlaskClient, sent) -> None:
    response = signed_in.post(
        f"/plans/{sent.id}/request-changes", data={"note": "Explain the prices."}, headers=HTMX
    )
    assert (response.status_code, response.headers.get("HX-Refresh")) == (204, "true")
    assert "The plan went back to Fatou Ndiaye with your note." in page(signed_in.get(f"/plans/{sent.id}"))


# --- the note reaches the trainee -------------------------------------------------------------------------


def test_the_note_reaches_the_trainee_on_the_overview_the_sections_and_the_version(
    client: FlaskClient, sent, trainee, mentor
) -> None:
    login_as(client, mentor)
    client.post(f"/plans/{sent.id}/request-changes", data={"note": "Explain the prices."})
    login_as(client, trainee)
    overview = page(client.get(f"/plans/{sent.id}"))
    assert "Marco Bianchi asked for changes to version 1" in overview
    assert "Explain the prices." in overview
    assert "Change your plan as the note above asks, then send the new version." in overview
    section = page(client.get(f"/plans/{sent.id}/sections/idea"))
    assert "Marco Bianchi asked for changes to version 1" in section
    assert "Explain the prices." in section
    version = page(client.get(f"/plans/{sent.id}/versions/1"))
    assert "Explain the prices." in version

    # A second round: the banner shows the newest note, the history keeps both with who and which version.
    db.session.expire_all()
    plan = db.session.get(BusinessPlan, sent.id)
    change_and_resend(plan, trainee, " Prices checked.")
    section = page(client.get(f"/plans/{sent.id}/sections/idea"))
    assert "asked for changes" not in section  # resubmitted: no open note
    services.request_changes(plan, db.session.get(User, mentor.id), "Now the rent.")
    db.session.commit()
    overview = page(client.get(f"/plans/{sent.id}"))
    history = overview[overview.index('id="review-notes-heading"') :]
    assert history.index("Now the rent.") < history.index("Explain the prices.")
    assert "Version 2" in history
    assert "Version 1" in history
    assert "Now the rent." in page(client.get(f"/plans/{sent.id}/sections/idea"))
    version_one = page(client.get(f"/plans/{sent.id}/versions/1"))
    assert "Explain the prices." in version_one
    assert "Now the rent." in version_one  # the history of notes, under the version


# --- what each person is told next ------------------------------------------------------------------------


def test_after_sending_the_overview_no_longer_asks_to_send_it(signed_in: FlaskClient, sent) -> None:
    html = page(signed_in.get(f"/plans/{sent.id}"))
    assert "then send it to your mentor" not in html
    assert "Version 1 is with Marco Bianchi for review." in html
    # Nothing is missing from a sent plan: the box says where the plan stands, not what is missing.
    assert "Where your plan stands" in html
    assert "What is still missing" not in html


@pytest.mark.signed_in("mentor")
def test_the_mentor_reads_the_mentors_next_step(signed_in: FlaskClient, sent, mentor) -> None:
    overview = page(signed_in.get(f"/plans/{sent.id}"))
    assert "Your next step" in overview
    assert (
        "Read version 1, then decide: send it back with a note saying what to change, or endorse it as ready "
        "for credit." in overview
    )
    assert "What is still missing" not in overview
    mentees = page(signed_in.get("/mentees"))
    assert (
        "read the version sent for review, then send it back with a note or endorse it as ready for credit."
        in mentees
    )
    assert "waits for your review" in mentees
    assert "Send the plan to your mentor" not in mentees
    assert "Draft your business plan" not in mentees


@pytest.mark.signed_in("mentor")
def test_a_mentee_without_a_plan_to_review_shows_their_next_step_for_the_mentor(
    signed_in: FlaskClient, trainee, mentor
) -> None:
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    mentees = page(signed_in.get("/mentees"))
    assert "Their next step:" in mentees
    assert "Complete the entrepreneurship training" in mentees


# --- no mentor: the plan waits for the programme's manager ------------------------------------------------


def test_without_a_mentor_the_trainee_is_told_the_truth(signed_in: FlaskClient, plan) -> None:
    before = page(signed_in.get(f"/plans/{plan.id}"))
    assert "Send my plan for review" in before
    assert "Send my plan to my mentor" not in before
    html = page(signed_in.post(f"/plans/{plan.id}/submit", follow_redirects=True))
    assert (
        "Version 1 of your plan is sent. No mentor is assigned to you yet: the programme's manager will "
        "assign one, who will then review it." in html
    )
    assert "sent to your mentor" not in html


def test_with_a_mentor_the_trainee_is_told_who_has_it(signed_in: FlaskClient, plan, trainee, mentor) -> None:
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    html = page(signed_in.post(f"/plans/{plan.id}/submit", follow_redirects=True))
    assert "Version 1 of your plan was sent to Marco Bianchi." in html


def test_the_manager_sees_plans_waiting_for_a_mentor_and_assigns_one(
    client: FlaskClient, plan, trainee, mentor, manager
) -> None:
    services.submit_plan(plan, trainee)
    db.session.commit()
    assert [(w.plan.id, w.owner.id, w.version) for w in waiting_for_a_mentor()] == [(plan.id, trainee.id, 1)]
    login_as(client, manager)
    overview = page(client.get("/programme"))
    assert "Plans waiting for a mentor" in overview
    assert f'href="/plans/{plan.id}"' in overview
    assert f'action="/programme/people/{trainee.id}/mentor"' in overview
    plan_page = page(client.get(f"/plans/{plan.id}"))
    assert "Version 1 waits for a mentor: Fatou Ndiaye has none yet." in plan_page

    response = client.post(
        f"/programme/people/{trainee.id}/mentor", data={"mentor_id": str(mentor.id), "back": "overview"}
    )
    assert (response.status_code, response.headers["Location"].endswith("/programme")) == (303, True)
    assert waiting_for_a_mentor() == []
    assert "Plans waiting for a mentor" not in page(client.get("/programme"))
    db.session.expire_all()
    assert can_request_changes(db.session.get(User, mentor.id), db.session.get(BusinessPlan, plan.id))


def test_a_plan_sent_back_or_with_a_mentor_is_not_waiting_for_one(plan, trainee, mentor) -> None:
    services.submit_plan(plan, trainee)
    assign_mentor(trainee, mentor, None)
    assert waiting_for_a_mentor() == []
    services.request_changes(plan, mentor, "Explain the prices.")
    db.session.commit()
    assert waiting_for_a_mentor() == []


@pytest.mark.signed_in("manager")
def test_the_manager_reaches_plans_from_the_pages(signed_in: FlaskClient, plan, trainee, manager) -> None:
    plans = signed_in.get("/plans")
    assert plans.status_code == 200
    html = page(plans)
    assert f'href="/plans/{plan.id}"' in html
    assert "Fatou Ndiaye" in html
    assert "ask your programme manager" not in html
    person = page(signed_in.get(f"/programme/people/{trainee.id}"))
    assert f'href="/plans/{plan.id}"' in person
    assert 'href="/plans"' in page(signed_in.get("/programme"))


@pytest.mark.signed_in("mentor")
def test_a_mentor_sees_only_the_plans_of_their_mentees_at_plans(
    signed_in: FlaskClient, plan, trainee, mentor
) -> None:
    other = make_person("moussa.sow@example.org", [Role.TRAINEE], "Moussa Sow")
    foreign = services.create_plan(owner=other, business_type="shop", title="Not a mentee's plan")
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    html = page(signed_in.get("/plans"))
    assert f'href="/plans/{plan.id}"' in html
    assert f'href="/plans/{foreign.id}"' not in html
