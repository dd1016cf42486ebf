"""Managers assign mentors; a trainee has one current mentor, history stays, mentors see only their own."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import error_fields, login_as, make_person
from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import set_active, set_roles
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.programme.models import Cohort, MentorAssignment
from workbench.programme.permissions import is_assigned_mentor
from workbench.programme.services import assign_mentor, current_assignment, enrol, mentees_of


@pytest.fixture
def second_mentor(app_context: None) -> User:
    return make_person("amina.diallo@example.org", [Role.MENTOR], "Amina Diallo", locale="fr")


@pytest.fixture
def second_trainee(cohort: Cohort) -> User:
    user = make_person("moussa.sow@example.org", [Role.TRAINEE], "Moussa Sow", locale="fr")
    enrol(user, cohort, actor=None)
    db.session.commit()
    return user


def assignments_of(trainee: User) -> list[MentorAssignment]:
    query = (
        select(MentorAssignment)
        .where(MentorAssignment.trainee_id == trainee.id)
        .order_by(MentorAssignment.id)
    )
    return list(db.session.scalars(query))


def mentor_events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.mentor_assigned").order_by(AuditEvent.id)
        )
    )


def test_assigning_a_mentor(trainee: User, mentor: User, manager: User) -> None:
    assignment = assign_mentor(trainee, mentor, manager)
    db.session.commit()
    assert current_assignment(trainee) == assignment
    assert assignment.mentor_id == mentor.id
    assert assignment.ended_at is None
    assert is_assigned_mentor(mentor, trainee)
    assert [(e.object_id, e.actor_id, e.before, e.after) for e in mentor_events()] == [
        (trainee.id, manager.id, {"mentor_id": None}, {"mentor_id": mentor.id})
    ]
    # The same mentor again changes nothing.
    assert assign_mentor(trainee, mentor, manager) == assignment
    assert len(assignments_of(trainee)) == 1
    assert len(mentor_events()) == 1


def test_reassigning_ends_the_old_assignment_and_keeps_it(
    trainee: User, mentor: User, second_mentor: User, manager: User
) -> None:
    first = assign_mentor(trainee, mentor, manager)
    db.session.commit()
    second = assign_mentor(trainee, second_mentor, manager)
    db.session.commit()
    history = assignments_of(trainee)
    assert history == [first, second]
    assert first.ended_at is not None
    assert second.ended_at is None
    assert current_assignment(trainee) == second
    assert not is_assigned_mentor(mentor, trainee)
    assert is_assigned_mentor(second_mentor, trainee)
    assert mentor_events()[-1].before == {"mentor_id": mentor.id}
    assert mentor_events()[-1].after == {"mentor_id": second_mentor.id}


@pytest.mark.parametrize("who", ["officer", "trainee_as_mentor", "inactive_mentor", "self"])
def test_only_an_active_mentor_can_be_assigned(
    app: Flask, trainee: User, mentor: User, officer: User, manager: User, who: str
) -> None:
    if who == "inactive_mentor":
        set_active(mentor, False, manager)
        db.session.commit()
    candidate = {
        "officer": officer,
        "trainee_as_mentor": make_person("other.trainee@example.org", [Role.TRAINEE]),
        "inactive_mentor": mentor,
        "self": trainee,
    }[who]
    if who == "self":
        set_roles(trainee, [Role.TRAINEE, Role.MENTOR], manager)
        db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(DomainError) as raised:
        assign_mentor(trainee, candidate, manager)
    assert set(raised.value.errors) == {"mentor_id"}
    db.session.rollback()
    assert assignments_of(trainee) == []
    assert mentor_events() == []


@pytest.mark.signed_in("manager")
def test_a_manager_assigns_a_mentor_on_the_trainees_page(
    signed_in: FlaskClient, trainee: User, mentor: User, manager: User
) -> None:
    page = signed_in.get(f"/programme/people/{trainee.id}").get_data(as_text=True)
    assert f'<option value="{mentor.id}">Marco Bianchi</option>' in page
    response = signed_in.post(f"/programme/people/{trainee.id}/mentor", data={"mentor_id": str(mentor.id)})
    db.session.expire_all()
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/programme/people/{trainee.id}"
    assignment = current_assignment(trainee)
    assert assignment is not None
    assert assignment.mentor_id == mentor.id
    assert [(e.object_id, e.actor_id) for e in mentor_events()] == [(trainee.id, manager.id)]
    page = signed_in.get(f"/programme/people/{trainee.id}").get_data(as_text=True)
    assert "Currently mentored by Marco Bianchi." in page
    assert re.search(rf'<option selected value="{mentor.id}">|<option value="{mentor.id}" selected>', page)
    # The mentor's own page lists the mentee.
    mentor_page = signed_in.get(f"/programme/people/{mentor.id}").get_data(as_text=True)
    assert f'<a href="/programme/people/{trainee.id}">Fatou Ndiaye</a>' in mentor_page


@pytest.mark.signed_in("manager")
def test_reassigning_on_the_page_keeps_the_history(
    signed_in: FlaskClient, trainee: User, mentor: User, second_mentor: User
) -> None:
    signed_in.post(f"/programme/people/{trainee.id}/mentor", data={"mentor_id": str(mentor.id)})
    db.session.expire_all()
    signed_in.post(f"/programme/people/{trainee.id}/mentor", data={"mentor_id": str(second_mentor.id)})
    db.session.expire_all()
    history = assignments_of(trainee)
    assert [a.mentor_id for a in history] == [mentor.id, second_mentor.id]
    assert history[0].ended_at is not None
    assert history[1].ended_at is None


@pytest.mark.signed_in("manager")
@pytest.mark.parametrize("choice", ["officer", "unknown", "empty"])
def test_a_non_mentor_is_refused_at_the_field(
    signed_in: FlaskClient, trainee: User, mentor: User, officer: User, choice: str
) -> None:
    value = {"officer": str(officer.id), "unknown": "999", "empty": ""}[choice]
    response = signed_in.post(f"/programme/people/{trainee.id}/mentor", data={"mentor_id": value})
    db.session.expire_all()
    assert response.status_code == 422
    assert "mentor_id" in error_fields(response.get_data(as_text=True))
    assert assignments_of(trainee) == []


@pytest.mark.signed_in("manager")
def test_a_staff_member_cannot_get_a_mentor(signed_in: FlaskClient, officer: User, mentor: User) -> None:
    response = signed_in.post(f"/programme/people/{officer.id}/mentor", data={"mentor_id": str(mentor.id)})
    db.session.expire_all()
    assert response.status_code == 422
    assert db.session.scalars(select(MentorAssignment)).all() == []


def test_a_mentor_sees_only_their_own_mentees(
    app: Flask,
    client: FlaskClient,
    trainee: User,
    second_trainee: User,
    mentor: User,
    second_mentor: User,
    manager: User,
) -> None:
    assign_mentor(trainee, mentor, manager)
    assign_mentor(second_trainee, second_mentor, manager)
    db.session.commit()
    assert [a.trainee_id for a in mentees_of(mentor)] == [trainee.id]
    login_as(client, mentor)
    html = client.get("/mentees").get_data(as_text=True)
    assert re.findall(r"<h2><a [^>]*>(.*?)</a></h2>", html) == ["Fatou Ndiaye"]
    assert "moussa.sow@example.org" not in html
    assert "Re-Lab Venezia 2026" in html

    other = app.test_client()
    login_as(other, second_mentor)
    other_html = other.get("/mentees").get_data(as_text=True)
    assert re.findall(r"<h2><a [^>]*>(.*?)</a></h2>", other_html) == ["Moussa Sow"]


@pytest.mark.signed_in("mentor")
def test_a_former_mentor_no_longer_sees_the_trainee(
    signed_in: FlaskClient, trainee: User, mentor: User, second_mentor: User, manager: User
) -> None:
    assign_mentor(trainee, mentor, manager)
    db.session.commit()
    assign_mentor(trainee, second_mentor, manager)
    db.session.commit()
    html = signed_in.get("/mentees").get_data(as_text=True)
    assert "Fatou Ndiaye" not in html
    assert 'class="empty-state"' in html


def test_the_trainee_sees_their_mentors_name(
    signed_in: FlaskClient, trainee: User, mentor: User, second_mentor: User, manager: User
) -> None:
    before = signed_in.get("/path").get_data(as_text=True)
    assert "Marco Bianchi" not in before
    assign_mentor(trainee, mentor, manager)
    db.session.commit()
    assert "Marco Bianchi" in signed_in.get("/path").get_data(as_text=True)
    assign_mentor(trainee, second_mentor, manager)
    db.session.commit()
    after = signed_in.get("/path").get_data(as_text=True)
    assert "Amina Diallo" in after
    assert "Marco Bianchi" not in after
