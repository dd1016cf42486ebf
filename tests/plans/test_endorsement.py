"""Endorsing a version as ready for credit: the decision beside "request changes", the state and the signal it
makes, who may take it, the forms on the overview and the version page (with and without JavaScript), what
the trainee reads, and what happens when an endorsed plan is changed and sent again."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import audit_events, error_fields, login_as, make_person
from workbench import events
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import set_active
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.models import BusinessPlan, ReviewDecision, ReviewState
from workbench.plans.permissions import can_apply_for_credit, can_endorse, can_request_changes
from workbench.plans.review import endorsements_of, review_state
from workbench.programme.models import Cohort
from workbench.programme.services import add_mentor, assign_mentor, complete_training, enrol, enrolment_of

pytestmark = pytest.mark.usefixtures("english_readers")

HTMX = {"HX-Request": "true"}
WHY = "Clear customers, cash holds in the slow months.\nWatch the rent."


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


@pytest.fixture
def trainee(cohort: Cohort) -> User:
    user = make_person("fatou.ndiaye@example.org", [Role.TRAINEE], "Fatou Ndiaye", locale="en")
    enrol(user, cohort, actor=None)
    db.session.commit()
    return user


@pytest.fixture
def mentor(app_context: None) -> User:
    return make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="en")


@pytest.fixture
def sent(trainee: User, mentor: User) -> BusinessPlan:
    """Version 1 of a complete plan, waiting for review by the trainee's mentor."""
    assign_mentor(trainee, mentor, None)
    plan = services.create_plan(
        owner=trainee, business_type="food", title="Fatou's Kitchen", from_example=True
    )
    db.session.flush()
    services.submit_plan(plan, trainee)
    db.session.commit()
    return plan


@pytest.fixture
def signals() -> Iterator[list[tuple[object, dict]]]:
    """What events.plan_endorsed announced during the test: (sender, keywords)."""
    received: list[tuple[object, dict]] = []

    def receive(sender, **keywords):
        received.append((sender, keywords))

    events.plan_endorsed.connect(receive)
    yield received
    events.plan_endorsed.disconnect(receive)


def change_and_resend(plan: BusinessPlan, trainee: User, words: str) -> None:
    idea = plan.answer("idea")
    services.save_answers(
        plan, [services.AnswerEdit("idea", idea.text + words, idea.language, idea.revision)], trainee
    )
    services.submit_plan(plan, trainee)
    db.session.commit()


def reload(plan: BusinessPlan) -> BusinessPlan:
    db.session.expire_all()
    return db.session.get(BusinessPlan, plan.id)


# --- the service --------------------------------------------------------------------------------------------


def test_endorsing_records_a_decision_an_audit_event_and_the_signal(sent, mentor, signals) -> None:
    decision = services.endorse_plan(sent, mentor, f"  {WHY}  ")
    assert (decision.version.number, decision.reviewer_id, decision.decision, decision.note) == (
        1,
        mentor.id,
        "endorsed",
        WHY,
    )
    assert review_state(sent) == ReviewState.ENDORSED
    [event] = audit_events("plan.endorsed")
    assert (event.object_id, event.actor_id, event.before, event.after) == (
        sent.id,
        mentor.id,
        {"status": "submitted"},
        {"status": "endorsed", "version": 1, "note": WHY, "decision_id": decision.id},
    )
    # Sent once, in the same transaction: the decision already has its id, nothing is committed yet.
    assert signals == [(decision, {"actor": mentor})]
    assert decision.id is not None
    db.session.rollback()
    assert db.session.scalars(select(ReviewDecision)).all() == []


def test_request_changes_sends_no_endorsement_signal(sent, mentor, signals) -> None:
    services.request_changes(sent, mentor, "Explain the prices.")
    assert signals == []


@pytest.mark.parametrize(
    ("note", "field"),
    [("", "note"), ("   \n ", "note"), ("x" * (services.MAX_NOTE_CHARACTERS + 1), "note")],
    ids=["empty", "blank", "too-long"],
)
def test_an_endorsement_needs_a_bounded_note(sent, mentor, signals, note: str, field: str) -> None:
    with pytest.raises(DomainError) as raised:
        services.endorse_plan(sent, mentor, note)
    assert set(raised.value.errors) == {field}
    db.session.rollback()
    assert review_state(sent) == ReviewState.SUBMITTED
    assert signals == []
    assert audit_events("plan.endorsed") == []


def test_a_note_of_the_largest_size_is_kept_whole(sent, mentor) -> None:
    note = "y" * services.MAX_NOTE_CHARACTERS
    assert services.endorse_plan(sent, mentor, note).note == note


def test_a_draft_cannot_be_endorsed(trainee, mentor) -> None:
    assign_mentor(trainee, mentor, None)
    plan = services.create_plan(owner=trainee, business_type="food", title="", from_example=True)
    db.session.commit()
    with pytest.raises(DomainError) as raised:
        services.endorse_plan(plan, mentor, WHY)
    assert raised.value.errors == {"": "Only a plan waiting for review can be sent back or endorsed."}


def test_one_decision_per_version_whichever_comes_first(app: Flask, sent, mentor) -> None:
    services.endorse_plan(sent, mentor, WHY)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(DomainError) as raised:
            services.request_changes(sent, mentor, "Explain the prices.")
        assert raised.value.errors == {
            "": "Marco Bianchi has already endorsed version 1 as ready for credit: it is no longer waiting "
            "for review."
        }
        with pytest.raises(DomainError):
            services.endorse_plan(sent, mentor, "Again.")
    db.session.rollback()
    assert [d.decision for d in db.session.scalars(select(ReviewDecision))] == ["endorsed"]


def test_a_version_sent_back_cannot_be_endorsed(sent, mentor) -> None:
    services.request_changes(sent, mentor, "Explain the prices.")
    db.session.commit()
    with pytest.raises(DomainError) as raised:
        services.endorse_plan(sent, mentor, WHY)
    assert raised.value.errors == {"": services.already_sent_back()}


def test_an_endorsed_plan_changed_and_sent_again_waits_for_review_again(sent, trainee, mentor) -> None:
    first = services.endorse_plan(sent, mentor, WHY)
    db.session.commit()
    assert can_apply_for_credit(trainee, sent)
    change_and_resend(sent, trainee, " A second oven.")
    plan = reload(sent)
    assert review_state(plan) == ReviewState.RESUBMITTED
    assert not can_apply_for_credit(db.session.get(User, trainee.id), plan)
    assert can_endorse(db.session.get(User, mentor.id), plan)
    # The endorsement stays on version 1, untouched.
    assert db.session.get(ReviewDecision, first.id).version.number == 1
    [earlier] = endorsements_of(trainee.id)
    assert (earlier.decision.id, earlier.current, earlier.latest_version) == (first.id, False, 2)

    second = services.endorse_plan(plan, db.session.get(User, mentor.id), "Still ready, with the oven.")
    db.session.commit()
    assert review_state(reload(plan)) == ReviewState.ENDORSED
    [latest] = endorsements_of(trainee.id)
    assert (latest.decision.id, latest.current) == (second.id, True)


# --- who may endorse, who may apply -------------------------------------------------------------------------


def test_every_current_mentor_may_endorse_nobody_else(sent, trainee, mentor, officer, manager) -> None:
    other = make_person("amina.diallo@example.org", [Role.MENTOR], "Amina Diallo")
    stranger = make_person("paolo.verdi@example.org", [Role.MENTOR], "Paolo Verdi")
    add_mentor(trainee, other, manager)
    db.session.commit()
    assert can_endorse(mentor, sent)
    assert can_endorse(other, sent)  # another mentor, not the primary one
    for refused in (stranger, trainee, officer, manager):
        assert not can_endorse(refused, sent)
        assert not can_request_changes(refused, sent)
    services.endorse_plan(sent, other, WHY)
    db.session.commit()
    assert not can_endorse(mentor, sent)  # decided: no longer waiting
    assert not can_request_changes(mentor, sent)


def test_only_the_owner_of_an_endorsed_plan_may_apply_for_credit(sent, trainee, mentor, manager) -> None:
    assert not can_apply_for_credit(trainee, sent)  # waiting for review
    services.endorse_plan(sent, mentor, WHY)
    db.session.commit()
    assert can_apply_for_credit(trainee, sent)
    someone = make_person("moussa.sow@example.org", [Role.TRAINEE], "Moussa Sow")
    for refused in (someone, mentor, manager):
        assert not can_apply_for_credit(refused, sent)
    set_active(trainee, False, manager)
    assert not can_apply_for_credit(trainee, sent)


# --- the views: no JavaScript -------------------------------------------------------------------------------


@pytest.mark.signed_in("mentor")
def test_the_mentor_endorses_from_the_overview(signed_in: FlaskClient, sent) -> None:
    response = signed_in.post(f"/plans/{sent.id}/endorse", data={"endorse-note": WHY})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{sent.id}")
    assert review_state(reload(sent)) == ReviewState.ENDORSED
    html = page(signed_in.get(f"/plans/{sent.id}"))
    assert "You endorsed version 1 as ready for credit: Fatou Ndiaye can now apply for microcredit." in html
    assert 'id="review"' not in html  # decided: no forms any more
    assert (
        "Version 1 is endorsed as ready for credit: Fatou Ndiaye can apply for microcredit with it." in html
    )


@pytest.mark.signed_in("mentor")
def test_the_mentor_decides_from_the_version_page_and_comes_back_to_it(signed_in: FlaskClient, sent) -> None:
    version = page(signed_in.get(f"/plans/{sent.id}/versions/1"))
    card = version[version.index('<section class="card" id="review"') :]
    assert f'action="/plans/{sent.id}/request-changes"' in card
    assert f'action="/plans/{sent.id}/endorse"' in card
    assert card.count('name="back" value="version"') == 2
    assert 'id="note"' in card
    assert 'id="endorse-note"' in card
    response = signed_in.post(f"/plans/{sent.id}/endorse", data={"endorse-note": WHY, "back": "version"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{sent.id}/versions/1")
    after = page(signed_in.get(f"/plans/{sent.id}/versions/1"))
    assert "Marco Bianchi endorsed version 1 as ready for credit" in after
    assert 'id="review"' not in after


@pytest.mark.signed_in("mentor")
@pytest.mark.parametrize("back", ["", "version"])
def test_an_empty_endorsement_is_an_error_at_its_field_on_the_same_page(
    signed_in: FlaskClient, sent, back: str
) -> None:
    response = signed_in.post(f"/plans/{sent.id}/endorse", data={"endorse-note": "  ", "back": back})
    assert response.status_code == 422
    html = page(response)
    assert "<html" in html
    assert error_fields(html) == {"endorse-note"}
    assert ("<h1>Fatou's Kitchen — Version 1</h1>" in html) == (back == "version")
    assert review_state(reload(sent)) == ReviewState.SUBMITTED


@pytest.mark.signed_in("mentor")
def test_endorsing_a_plan_decided_meanwhile_says_who_and_keeps_the_note(
    signed_in: FlaskClient, sent, trainee, manager
) -> None:
    other = make_person("amina.diallo@example.org", [Role.MENTOR], "Amina Diallo")
    add_mentor(trainee, other, manager)
    services.endorse_plan(sent, other, "Ready.")
    db.session.commit()
    response = signed_in.post(f"/plans/{sent.id}/endorse", data={"endorse-note": WHY})
    assert response.status_code == 409
    html = page(response)
    assert (
        "Amina Diallo has already endorsed version 1 as ready for credit: it is no longer waiting for review."
        in html
    )
    assert "Your note was not sent: Clear customers" in html
    response = signed_in.post(f"/plans/{sent.id}/request-changes", data={"note": "Explain the prices."})
    assert response.status_code == 409
    assert "Amina Diallo has already endorsed version 1" in page(response)
    assert [d.note for d in db.session.scalars(select(ReviewDecision))] == ["Ready."]


# --- the views: htmx ----------------------------------------------------------------------------------------


@pytest.mark.signed_in("mentor")
def test_an_empty_endorsement_comes_back_in_place_keeping_the_other_note(
    signed_in: FlaskClient, sent
) -> None:
    """The endorse form also posts the other form's note (hx-include): the card comes back with both."""
    overview = page(signed_in.get(f"/plans/{sent.id}"))
    endorse_form = re.search(r'<form[^>]*action="/plans/\d+/endorse"[^>]*>', overview, re.S).group(0)
    assert 'hx-target="#review"' in endorse_form
    assert 'hx-include="#note"' in endorse_form
    changes_form = re.search(r'<form[^>]*action="/plans/\d+/request-changes"[^>]*>', overview, re.S).group(0)
    assert 'hx-include="#endorse-note"' in changes_form

    response = signed_in.post(
        f"/plans/{sent.id}/endorse",
        data={"endorse-note": "", "note": "Half a thought on prices"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = page(response)
    assert html.lstrip().startswith('<section class="card" id="review"')
    assert "<html" not in html
    assert error_fields(html) == {"endorse-note"}
    assert re.search(r'<textarea[^>]*id="note"[^>]*>\s*Half a thought on prices</textarea>', html)


@pytest.mark.signed_in("mentor")
def test_an_endorsement_sent_with_htmx_refreshes_the_page(signed_in: FlaskClient, sent) -> None:
    response = signed_in.post(f"/plans/{sent.id}/endorse", data={"endorse-note": WHY}, headers=HTMX)
    assert (response.status_code, response.headers.get("HX-Refresh")) == (204, "true")
    assert "You endorsed version 1 as ready for credit" in page(signed_in.get(f"/plans/{sent.id}"))


@pytest.mark.signed_in("mentor")
def test_an_endorsement_refused_with_htmx_refreshes_with_the_reason(
    signed_in: FlaskClient, sent, mentor
) -> None:
    services.request_changes(sent, mentor, "Explain the prices.")
    db.session.commit()
    response = signed_in.post(f"/plans/{sent.id}/endorse", data={"endorse-note": WHY}, headers=HTMX)
    assert (response.status_code, response.headers.get("HX-Refresh")) == (204, "true")
    html = page(signed_in.get(f"/plans/{sent.id}"))
    assert "This plan was already sent back to the trainee: it is no longer waiting for review." in html
    assert f"Your note was not sent: {WHY}" in html


# --- who is refused -----------------------------------------------------------------------------------------


def test_who_may_post_an_endorsement(client: FlaskClient, sent, trainee, officer, manager) -> None:
    stranger = make_person("paolo.verdi@example.org", [Role.MENTOR], "Paolo Verdi")
    for person, status in ((stranger, 404), (trainee, 403), (officer, 403), (manager, 403)):
        login_as(client, person)
        response = client.post(f"/plans/{sent.id}/endorse", data={"endorse-note": WHY})
        assert response.status_code == status, person.email
    assert review_state(reload(sent)) == ReviewState.SUBMITTED
    assert audit_events("plan.endorsed") == []


def test_the_decision_forms_show_only_to_a_mentor_who_may_decide(
    client: FlaskClient, sent, trainee, mentor, manager
) -> None:
    for person in (trainee, manager):
        login_as(client, person)
        assert 'id="review"' not in page(client.get(f"/plans/{sent.id}"))
        assert 'id="review"' not in page(client.get(f"/plans/{sent.id}/versions/1"))
    change_and_resend(sent, trainee, " More.")
    login_as(client, mentor)
    assert 'id="review"' not in page(client.get(f"/plans/{sent.id}/versions/1"))  # not the latest version
    assert 'id="review"' in page(client.get(f"/plans/{sent.id}/versions/2"))


# --- what the trainee and the others read -------------------------------------------------------------------


def test_the_trainee_reads_the_endorsement_and_the_honest_next_step(
    client: FlaskClient, sent, trainee, mentor
) -> None:
    services.endorse_plan(sent, mentor, "<script>alert(1)</script> Ready.\nWatch the rent.")
    db.session.commit()
    login_as(client, trainee)
    raw = client.get(f"/plans/{sent.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ready." in raw
    overview = page(client.get(f"/plans/{sent.id}"))
    assert "Marco Bianchi endorsed version 1 as ready for credit" in overview
    assert "Watch the rent." in overview
    assert "Your next step: apply for microcredit with the programme's loan officer, on version 1" in overview
    assert "Endorsed for credit" in overview
    section = page(client.get(f"/plans/{sent.id}/sections/idea"))
    assert "Marco Bianchi endorsed version 1 as ready for credit" in section
    assert "The next step is the application for microcredit" in section
    assert "Watch the rent." in page(client.get(f"/plans/{sent.id}/versions/1"))
    assert "Endorsed for credit" in page(client.get("/plans"))


def test_the_trainee_is_warned_before_sending_changes_to_an_endorsed_plan(
    signed_in: FlaskClient, sent, trainee, mentor
) -> None:
    services.endorse_plan(sent, mentor, WHY)
    idea = sent.answer("idea")
    services.save_answers(
        sent, [services.AnswerEdit("idea", idea.text + " More.", idea.language, idea.revision)], trainee
    )
    db.session.commit()
    html = page(signed_in.get(f"/plans/{sent.id}"))
    assert (
        "If you send these changes, the new version waits for your mentor's review again before you can "
        "apply for credit; the endorsement stays on version 1." in html
    )
    signed_in.post(f"/plans/{sent.id}/submit")
    after = page(signed_in.get(f"/plans/{sent.id}"))
    assert "Version 1 was endorsed as ready for credit by Marco Bianchi" in after
    assert "that endorsement stays on version 1. Version 2, sent since, needs its own review" in after
    assert "Sent again for review" in after
    version_one = page(signed_in.get(f"/plans/{sent.id}/versions/1"))
    assert "This endorsement stays on version 1. Version 2 was sent after it and is reviewed on its own" in (
        version_one
    )


def test_staff_pages_show_the_endorsed_status(client: FlaskClient, sent, trainee, mentor, manager) -> None:
    services.endorse_plan(sent, mentor, WHY)
    db.session.commit()
    login_as(client, manager)
    for url in (f"/programme/people/{trainee.id}", "/plans", f"/plans/{sent.id}", f"/mentees/{trainee.id}"):
        assert "Endorsed for credit" in page(client.get(url)), url
    assert (
        "Version 1 is endorsed as ready for credit by Marco Bianchi: Fatou Ndiaye can apply for microcredit"
        in page(client.get(f"/plans/{sent.id}"))
    )
    login_as(client, mentor)
    assert "Endorsed for credit" in page(client.get("/mentees"))
    history = page(client.get(f"/plans/{sent.id}"))
    assert "Notes from the review" in history


# --- the trainee's path -------------------------------------------------------------------------------------


def trained(trainee: User) -> None:
    complete_training(enrolment_of(trainee), None)
    db.session.commit()


def test_my_path_shows_the_endorsement_and_the_next_step(
    signed_in: FlaskClient, sent, trainee, mentor
) -> None:

    trained(trainee)
    before = page(signed_in.get("/path"))
    assert "endorsed version 1" not in before
    services.endorse_plan(sent, mentor, WHY)
    db.session.commit()
    html = page(signed_in.get("/path"))
    states = re.findall(r'<li class="path-step path-(\w+)"', html)
    assert states[4:6] == ["done", "next"]  # plan endorsed, then apply for microcredit
    assert "Marco Bianchi endorsed version 1 of Fatou's Kitchen as ready for credit" in html
    assert "Watch the rent." in html
    assert (
        "Apply for microcredit with the programme's loan officer, on the endorsed version of your plan."
        in html
    )
    assert f'href="/plans/{sent.id}/versions/1"' in html


def test_my_path_after_an_endorsed_plan_was_sent_again(signed_in: FlaskClient, sent, trainee, mentor) -> None:
    trained(trainee)
    services.endorse_plan(sent, mentor, WHY)
    db.session.commit()
    change_and_resend(sent, trainee, " More.")
    html = page(signed_in.get("/path"))
    states = re.findall(r'<li class="path-step path-(\w+)"', html)
    assert states[3:5] == ["done", "next"]  # sent; the endorsement waits for the new version
    assert "Version 1 of Fatou's Kitchen was endorsed on" in html
    assert (
        "You sent version 2 since: it needs its own review before you can apply for credit with it." in html
    )
    assert "Apply for microcredit with the programme's loan officer" not in html
