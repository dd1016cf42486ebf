"""Managers create cohorts, hand out and retire invite codes, record training and read the overview."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.concurrency import ROUNDS, at_once
from tests.support import audit_events, error_fields, field_value, login_as, make_person, path_states
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import set_active
from workbench.extensions import db
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.services import (
    INVITE_ALPHABET,
    INVITE_LENGTH,
    create_cohort,
    enrol,
    find_cohort_by_code,
)


def cohort_form(**changes: str) -> dict[str, str]:
    data = {
        "name": "A.Mi.C.I. Torino 2026",
        "city": "Torino",
        "starts_on": "2026-03-02",
        "ends_on": "2026-06-30",
    }
    data.update(changes)
    return data


@pytest.mark.signed_in("manager")
def test_a_manager_creates_a_cohort(signed_in: FlaskClient, manager: User) -> None:
    response = signed_in.post("/programme/cohorts/new", data=cohort_form())
    db.session.expire_all()
    assert response.status_code == 303
    made = db.session.scalars(select(Cohort)).one()
    assert urlsplit(response.headers["Location"]).path == f"/programme/cohorts/{made.id}"
    assert made.name == "A.Mi.C.I. Torino 2026"
    assert made.city == "Torino"
    assert made.starts_on.isoformat() == "2026-03-02"
    assert made.ends_on.isoformat() == "2026-06-30"
    code = made.invite_code
    assert code
    assert len(code) == INVITE_LENGTH == 8
    assert set(code) <= set(INVITE_ALPHABET)
    assert not set(code) & set("01OIL")
    created = audit_events("cohort.created")
    assert [(e.object_id, e.actor_id) for e in created] == [(made.id, manager.id)]
    assert created[0].after == {"name": "A.Mi.C.I. Torino 2026", "city": "Torino"}
    page = signed_in.get(f"/programme/cohorts/{made.id}").get_data(as_text=True)
    assert f"<code>{code}</code>" in page
    assert f"/register?code={code}" in page


def test_invite_codes_differ_between_cohorts(app_context: None) -> None:
    codes = {
        create_cohort(name=f"Cohort {n}", city=None, starts_on=None, ends_on=None, actor=None).invite_code
        for n in range(20)
    }
    assert len(codes) == 20


@pytest.mark.signed_in("manager")
def test_a_duplicate_name_is_reported_with_everything_kept(signed_in: FlaskClient, cohort: Cohort) -> None:
    data = cohort_form(name="  re-lab VENEZIA 2026 ", city="Mestre")
    response = signed_in.post("/programme/cohorts/new", data=data)
    db.session.expire_all()
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_fields(html) == {"name"}
    assert field_value(html, "name") == data["name"]
    assert field_value(html, "city") == "Mestre"
    assert field_value(html, "starts_on") == "2026-03-02"
    assert field_value(html, "ends_on") == "2026-06-30"
    assert db.session.scalar(select(func.count(Cohort.id))) == 1
    assert [e.object_id for e in audit_events("cohort.created")] == [cohort.id]


@pytest.mark.signed_in("manager")
def test_a_duplicate_name_with_letters_beyond_ascii_is_reported(signed_in: FlaskClient) -> None:
    """SQLite's lower() leaves "É" as it is: the same name typed again must still be caught at the field."""
    data = cohort_form(name="Éco-Lab Città")
    assert signed_in.post("/programme/cohorts/new", data=data).status_code == 303
    again = signed_in.post("/programme/cohorts/new", data=data)
    assert again.status_code == 200
    assert error_fields(again.get_data(as_text=True)) == {"name"}
    assert db.session.scalar(select(func.count(Cohort.id))) == 1


def test_two_managers_creating_the_same_cohort_at_once_get_one_cohort(app: Flask, manager: User) -> None:
    second = make_person("paola.conti@example.org", [Role.MANAGER])
    for round_number in range(ROUNDS):
        clients = []
        for person in (manager, second):
            client = app.test_client()
            login_as(client, person)
            clients.append(client)
        data = cohort_form(name=f"Re-Lab Mestre {round_number}")
        statuses = sorted(
            at_once(
                app,
                *(lambda c=c, d=data: c.post("/programme/cohorts/new", data=d).status_code for c in clients),
            )
        )
        assert statuses == [200, 303]  # one created, the other told at the name field
        names = db.session.scalars(select(Cohort.name).where(Cohort.name == data["name"])).all()
        assert names == [data["name"]]


@pytest.mark.signed_in("manager")
def test_the_end_must_come_after_the_start(signed_in: FlaskClient) -> None:
    data = cohort_form(starts_on="2026-06-30", ends_on="2026-03-02")
    response = signed_in.post("/programme/cohorts/new", data=data)
    db.session.expire_all()
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_fields(html) == {"ends_on"}
    assert field_value(html, "name") == data["name"]
    assert field_value(html, "ends_on") == "2026-03-02"
    assert db.session.scalar(select(func.count(Cohort.id))) == 0
    assert audit_events("cohort.created") == []


@pytest.mark.signed_in("manager")
def test_a_name_is_required(signed_in: FlaskClient) -> None:
    response = signed_in.post("/programme/cohorts/new", data=cohort_form(name=""))
    db.session.expire_all()
    assert response.status_code == 200
    assert error_fields(response.get_data(as_text=True)) == {"name"}
    assert db.session.scalar(select(func.count(Cohort.id))) == 0


@pytest.mark.signed_in("manager")
def test_a_new_code_retires_the_old_one(signed_in: FlaskClient, cohort: Cohort, manager: User) -> None:
    old = cohort.invite_code
    assert old
    response = signed_in.post(f"/programme/cohorts/{cohort.id}/invite-code")
    db.session.expire_all()
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/programme/cohorts/{cohort.id}"
    new = cohort.invite_code
    assert new
    assert new != old
    assert len(new) == 8
    assert find_cohort_by_code(old) is None
    assert find_cohort_by_code(new.lower()) == cohort
    issued = audit_events("cohort.invite_code_issued")
    assert [(e.object_id, e.actor_id, e.before, e.after) for e in issued] == [
        (cohort.id, manager.id, {"code": old}, {"code": new})
    ]


@pytest.mark.signed_in("manager")
def test_closing_registration_leaves_no_working_code(
    signed_in: FlaskClient, cohort: Cohort, manager: User
) -> None:
    old = cohort.invite_code
    response = signed_in.post(f"/programme/cohorts/{cohort.id}/invite-code", data={"action": "close"})
    db.session.expire_all()
    assert response.status_code == 303
    assert cohort.invite_code is None
    assert old
    assert find_cohort_by_code(old) is None
    closed = audit_events("cohort.registration_closed")
    assert [(e.object_id, e.actor_id, e.after) for e in closed] == [(cohort.id, manager.id, {"code": None})]
    page = signed_in.get(f"/programme/cohorts/{cohort.id}").get_data(as_text=True)
    assert f"<code>{old}</code>" not in page
    assert "<code>" not in page
    # Closing twice changes nothing more.
    signed_in.post(f"/programme/cohorts/{cohort.id}/invite-code", data={"action": "close"})
    db.session.expire_all()
    assert len(audit_events("cohort.registration_closed")) == 1
    # Registration opens again with a new code.
    signed_in.post(f"/programme/cohorts/{cohort.id}/invite-code")
    db.session.expire_all()
    assert cohort.invite_code
    assert cohort.invite_code != old


@pytest.mark.signed_in("manager")
def test_marking_training_completed_moves_the_trainees_path(
    app: Flask, signed_in: FlaskClient, trainee: User, enrolment: Enrolment, manager: User
) -> None:
    response = signed_in.post(f"/programme/enrolments/{enrolment.id}/training-completed")
    db.session.expire_all()
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/programme/cohorts/{enrolment.cohort_id}"
    assert enrolment.training_completed_at is not None
    completed = audit_events("enrolment.training_completed")
    assert [(e.object_id, e.actor_id) for e in completed] == [(enrolment.id, manager.id)]
    # Recording it again changes nothing.
    first = enrolment.training_completed_at
    signed_in.post(f"/programme/enrolments/{enrolment.id}/training-completed")
    db.session.expire_all()
    assert enrolment.training_completed_at == first
    assert len(audit_events("enrolment.training_completed")) == 1
    # The cohort page no longer offers the button for this trainee.
    page = signed_in.get(f"/programme/cohorts/{enrolment.cohort_id}").get_data(as_text=True)
    assert f"/programme/enrolments/{enrolment.id}/training-completed" not in page

    trainee_client = app.test_client()
    login_as(trainee_client, trainee)
    states = path_states(trainee_client.get("/path").get_data(as_text=True))
    assert states[:3] == ["done", "done", "next"]
    assert set(states[3:]) == {"later"}


@pytest.mark.signed_in("manager")
def test_the_cohort_page_lists_its_trainees(signed_in: FlaskClient, trainee: User, enrolment: Enrolment):
    page = signed_in.get(f"/programme/cohorts/{enrolment.cohort_id}").get_data(as_text=True)
    assert f'href="/programme/people/{trainee.id}">Fatou Ndiaye</a>' in page
    assert f"/programme/enrolments/{enrolment.id}/training-completed" in page


@pytest.mark.signed_in("manager")
def test_an_unknown_cohort_is_not_found(signed_in: FlaskClient) -> None:
    assert signed_in.get("/programme/cohorts/999").status_code == 404
    assert signed_in.post("/programme/cohorts/999/invite-code").status_code == 404
    assert signed_in.post("/programme/enrolments/999/training-completed").status_code == 404


@pytest.mark.signed_in("manager")
def test_the_overview_counts_trainees_per_cohort_and_active_people_per_role(
    signed_in: FlaskClient, cohort: Cohort, trainee: User, mentor: User, manager: User
) -> None:
    second = make_person("moussa.sow@example.org", [Role.TRAINEE], "Moussa Sow")
    enrol(second, cohort, actor=None)
    empty = create_cohort(name="Re-Lab Padova 2027", city="Padova", starts_on=None, ends_on=None, actor=None)
    gone = make_person("gone@example.org", [Role.MENTOR, Role.OFFICER])
    set_active(gone, False, manager)
    db.session.commit()

    html = signed_in.get("/programme").get_data(as_text=True)
    rows = {
        int(cohort_id): row
        for cohort_id, row in re.findall(
            r'<tr>\s*<td><a href="/programme/cohorts/(\d+)">(.*?)</tr>', html, re.S
        )
    }
    assert set(rows) == {cohort.id, empty.id}
    assert '<td class="num">2</td>' in rows[cohort.id]
    assert '<td class="num">0</td>' in rows[empty.id]
    assert f"<code>{cohort.invite_code}</code>" in rows[cohort.id]

    counts = {
        role: int(n)
        for role, n in re.findall(r'href="/programme/people\?role=(\w+)"><strong>(\d+)</strong>', html)
    }
    assert counts == {"trainee": 2, "mentor": 1, "officer": 0, "manager": 1}


@pytest.mark.signed_in("manager")
def test_the_overview_without_cohorts_explains_what_a_cohort_is(signed_in: FlaskClient) -> None:
    html = signed_in.get("/programme").get_data(as_text=True)
    assert 'class="empty-state"' in html
    assert "No cohorts yet" in html
    assert 'href="/programme/cohorts/new"' in html


@pytest.mark.signed_in("manager")
def test_an_english_manager_sees_the_form_errors_in_english(signed_in: FlaskClient, cohort: Cohort) -> None:
    html = signed_in.post("/programme/cohorts/new", data=cohort_form(name=cohort.name)).get_data(as_text=True)
    db.session.expire_all()
    assert "A cohort with this name already exists." in html
