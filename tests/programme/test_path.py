"""Each home explains itself: the trainee's path derived from events, and empty states for staff."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.support import login_as, make_person, path_states
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.plans import services as plan_services
from workbench.programme.journey import STEPS, trainee_path
from workbench.programme.models import Enrolment
from workbench.programme.services import complete_training


def current_step(html: str) -> int:
    """1-based position of the step marked as the current one."""
    items = re.findall(r'<li class="path-step path-\w+"([^>]*)>', html)
    marked = [n for n, attrs in enumerate(items, start=1) if 'aria-current="step"' in attrs]
    assert len(marked) == 1
    return marked[0]


def english(user: User) -> User:
    user.locale = "en"
    db.session.commit()
    return user


def test_an_enrolled_trainee_has_joined_and_training_is_next(signed_in: FlaskClient) -> None:
    response = signed_in.get("/path")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    states = path_states(html)
    assert len(states) == len(STEPS) == 9
    assert states == ["done", "next"] + ["later"] * 7
    assert current_step(html) == 2
    assert "Re-Lab Venezia 2026" in html


def test_after_training_the_next_step_is_the_plan(
    signed_in: FlaskClient, enrolment: Enrolment, manager: User
) -> None:
    complete_training(enrolment, manager)
    db.session.commit()
    html = signed_in.get("/path").get_data(as_text=True)
    assert path_states(html) == ["done", "done", "next"] + ["later"] * 6
    assert current_step(html) == 3


def test_the_path_reads_in_english_for_an_english_trainee(signed_in: FlaskClient, trainee: User) -> None:
    english(trainee)
    html = signed_in.get("/path").get_data(as_text=True)
    assert re.search(r"<h1>My path</h1>", html)
    assert "You are in Re-Lab Venezia 2026." in html
    assert "A mentor will be assigned to you as your plan takes shape." in html
    assert "Next step" in html
    assert "Complete the entrepreneurship training" in html


def test_a_trainee_not_in_a_cohort_is_told_so(client: FlaskClient) -> None:
    loner = make_person("loner@example.org", [Role.TRAINEE], "Lone Trainee", locale="en")
    login_as(client, loner)
    response = client.get("/path")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "You are not in a cohort yet." in html
    assert path_states(html) == ["next"] + ["later"] * 8
    assert current_step(html) == 1


def test_the_path_is_derived_from_facts() -> None:
    assert [s.state for s in trainee_path(None)] == ["next"] + ["later"] * 8
    assert [s.key for s in trainee_path(None)] == [s.key for s in STEPS]


@pytest.mark.signed_in("mentor")
def test_a_mentor_without_mentees_sees_what_will_appear(signed_in: FlaskClient, mentor: User) -> None:
    english(mentor)
    response = signed_in.get("/mentees")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="empty-state"' in html
    assert "No mentees yet" in html
    assert "The programme manager assigns trainees to you." in html
    assert 'class="card-list"' not in html


@pytest.mark.signed_in("officer")
def test_an_officer_sees_an_empty_queue_explained(signed_in: FlaskClient, officer: User) -> None:
    english(officer)
    response = signed_in.get("/queue")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="empty-state"' in html
    assert "No applications waiting" in html
    assert "endorsed by their mentor" in html


@pytest.mark.signed_in("mentor")
def test_the_empty_state_is_there_in_the_mentors_own_language(signed_in: FlaskClient) -> None:
    html = signed_in.get("/mentees").get_data(as_text=True)
    assert 'lang="it"' in html
    assert 'class="empty-state"' in html
    assert re.search(r'<p class="empty-title">\S.*</p>', html)


def test_a_plan_just_started_is_not_a_drafted_plan_a_complete_one_is(
    signed_in: FlaskClient, trainee: User, enrolment: Enrolment, manager: User
) -> None:
    complete_training(enrolment, manager)
    plan_services.create_plan(owner=trainee, business_type="food", title="")
    db.session.commit()
    assert path_states(signed_in.get("/path").get_data(as_text=True))[2] == "next"
    plan_services.create_plan(owner=trainee, business_type="shop", title="", from_example=True)
    db.session.commit()
    assert path_states(signed_in.get("/path").get_data(as_text=True))[:4] == ["done", "done", "done", "next"]
