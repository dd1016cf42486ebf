"""Managers add staff, edit roles, (de)activate accounts, search people and read a person's history."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import audit_events, error_fields, field_value, make_person
from workbench.audit.models import AuditEvent
from workbench.auth.models import PasswordReset, User
from workbench.auth.roles import Role
from workbench.extensions import db


def checked_roles(html: str) -> set[str]:
    boxes = re.findall(r'<input[^>]*name="roles"[^>]*>', html)
    assert boxes, "no role checkboxes"
    return {re.search(r'value="(\w+)"', box).group(1) for box in boxes if "checked" in box}


def result_names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/programme/people/\d+">(.*?)</a></td>', html)


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


STAFF = {"full_name": "Amina Diallo", "email": "Amina.Diallo@Example.org", "roles": ["mentor", "officer"]}


@pytest.mark.signed_in("manager")
def test_a_new_staff_member_gets_a_one_time_link_that_works(
    app: Flask, signed_in: FlaskClient, manager: User
) -> None:
    response = signed_in.post("/programme/people/new", data={**STAFF, "locale": "fr"})
    db.session.expire_all()
    assert response.status_code == 200
    person = db.session.scalars(select(User).where(User.email == "amina.diallo@example.org")).one()
    assert person.full_name == "Amina Diallo"
    assert person.roles == {Role.MENTOR, Role.OFFICER}
    assert person.locale == "fr"
    assert person.active
    assert person.password_hash.startswith("!")  # nobody can log in until the link is used
    created = audit_events("user.created")
    assert [(e.object_id, e.actor_id) for e in created] == [
        (manager.id, None),
        (person.id, manager.id),
    ]
    assert [(e.object_id, e.actor_id) for e in audit_events("user.password_reset_issued")] == [
        (person.id, manager.id)
    ]

    link = field_value(response.get_data(as_text=True), "one-time-link")
    assert link
    parts = urlsplit(link)
    assert parts.scheme in ("http", "https")
    assert parts.netloc == "workbench.test"
    assert parts.path.startswith("/reset/")
    assert db.session.scalars(select(PasswordReset).where(PasswordReset.user_id == person.id)).one()

    newcomer = app.test_client()
    assert newcomer.get(parts.path).status_code == 200
    password = "a mentor who lends an ear"
    done = newcomer.post(parts.path, data={"password": password, "confirm": password})
    db.session.expire_all()
    assert done.status_code == 302
    assert urlsplit(done.headers["Location"]).path == "/queue"
    assert newcomer.get("/mentees").status_code == 200
    assert not person.password_hash.startswith("!")


@pytest.mark.signed_in("manager")
def test_a_duplicate_email_keeps_what_was_typed(signed_in: FlaskClient, mentor: User) -> None:
    before = count_users()
    data = {"full_name": "Marco Bianchi Jr", "email": "MARCO.BIANCHI@example.org", "roles": ["officer"]}
    response = signed_in.post("/programme/people/new", data={**data, "locale": "it"})
    db.session.expire_all()
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_fields(html) == {"email"}
    assert field_value(html, "full_name") == "Marco Bianchi Jr"
    assert field_value(html, "email") == "MARCO.BIANCHI@example.org"
    assert checked_roles(html) == {"officer"}
    assert 'id="one-time-link"' not in html
    assert count_users() == before
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0


@pytest.mark.signed_in("manager")
def test_a_staff_member_needs_a_role(signed_in: FlaskClient) -> None:
    before = count_users()
    response = signed_in.post(
        "/programme/people/new", data={"full_name": "No Role", "email": "norole@example.org", "locale": "it"}
    )
    db.session.expire_all()
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "roles" in error_fields(html)
    assert field_value(html, "email") == "norole@example.org"
    assert count_users() == before


@pytest.mark.signed_in("manager")
def test_staff_cannot_be_created_as_trainees(signed_in: FlaskClient) -> None:
    before = count_users()
    response = signed_in.post(
        "/programme/people/new",
        data={"full_name": "Sneaky", "email": "sneaky@example.org", "roles": ["trainee"], "locale": "it"},
    )
    db.session.expire_all()
    assert response.status_code == 200
    assert "roles" in error_fields(response.get_data(as_text=True))
    assert count_users() == before


@pytest.mark.signed_in("manager")
def test_roles_can_be_added_and_removed(signed_in: FlaskClient, mentor: User, manager: User) -> None:
    added = signed_in.post(f"/programme/people/{mentor.id}/roles", data={"roles": ["mentor", "officer"]})
    db.session.expire_all()
    assert added.status_code == 303
    assert urlsplit(added.headers["Location"]).path == f"/programme/people/{mentor.id}"
    assert mentor.roles == {Role.MENTOR, Role.OFFICER}
    removed = signed_in.post(f"/programme/people/{mentor.id}/roles", data={"roles": ["officer"]})
    db.session.expire_all()
    assert removed.status_code == 303
    assert mentor.roles == {Role.OFFICER}
    changes = audit_events("user.roles_changed")
    assert [(e.object_id, e.actor_id, e.before, e.after) for e in changes] == [
        (mentor.id, manager.id, {"roles": ["mentor"]}, {"roles": ["mentor", "officer"]}),
        (mentor.id, manager.id, {"roles": ["mentor", "officer"]}, {"roles": ["officer"]}),
    ]
    # Saving the same roles records nothing.
    signed_in.post(f"/programme/people/{mentor.id}/roles", data={"roles": ["officer"]})
    db.session.expire_all()
    assert len(audit_events("user.roles_changed")) == 2
    page = signed_in.get(f"/programme/people/{mentor.id}").get_data(as_text=True)
    assert checked_roles(page) == {"officer"}


@pytest.mark.signed_in("manager")
def test_no_roles_at_all_is_refused(signed_in: FlaskClient, mentor: User) -> None:
    response = signed_in.post(f"/programme/people/{mentor.id}/roles", data={})
    db.session.expire_all()
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "roles" in error_fields(html)
    assert mentor.roles == {Role.MENTOR}
    assert audit_events("user.roles_changed") == []


@pytest.mark.signed_in("manager")
def test_a_manager_cannot_remove_their_own_manager_role(signed_in: FlaskClient, manager: User) -> None:
    response = signed_in.post(f"/programme/people/{manager.id}/roles", data={"roles": ["officer"]})
    db.session.expire_all()
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "roles" in error_fields(html)
    assert "You cannot take the manager role away from yourself." in html
    assert manager.roles == {Role.MANAGER}
    # Adding a role to oneself is fine.
    added = signed_in.post(f"/programme/people/{manager.id}/roles", data={"roles": ["manager", "officer"]})
    db.session.expire_all()
    assert added.status_code == 303
    assert manager.roles == {Role.MANAGER, Role.OFFICER}


@pytest.mark.signed_in("manager")
def test_deactivate_and_reactivate(signed_in: FlaskClient, mentor: User, manager: User) -> None:
    version = mentor.session_version
    response = signed_in.post(f"/programme/people/{mentor.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/programme/people/{mentor.id}"
    assert not mentor.active
    assert mentor.session_version == version + 1
    page = signed_in.get(f"/programme/people/{mentor.id}").get_data(as_text=True)
    assert 'class="badge badge-off"' in page
    assert 'name="active" value="1"' in page
    back = signed_in.post(f"/programme/people/{mentor.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert back.status_code == 303
    assert mentor.active
    assert [
        (e.action, e.object_id, e.actor_id)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["user.deactivated", "user.reactivated"]))
            .order_by(AuditEvent.id)
        )
    ] == [("user.deactivated", mentor.id, manager.id), ("user.reactivated", mentor.id, manager.id)]


@pytest.mark.signed_in("manager")
def test_a_manager_cannot_deactivate_themselves(signed_in: FlaskClient, manager: User) -> None:
    response = signed_in.post(f"/programme/people/{manager.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert response.status_code == 403
    assert manager.active
    assert audit_events("user.deactivated") == []
    page = signed_in.get(f"/programme/people/{manager.id}").get_data(as_text=True)
    assert f"/programme/people/{manager.id}/active" not in page


@pytest.fixture
def people(trainee: User, mentor: User, officer: User, manager: User) -> dict[str, User]:
    return {"trainee": trainee, "mentor": mentor, "officer": officer, "manager": manager}


@pytest.mark.signed_in("manager")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Fatou Ndiaye", "Giulia Rossi", "Luca Ferraro", "Marco Bianchi"]),
        ("?q=ndia", ["Fatou Ndiaye"]),
        ("?q=BIANCHI", ["Marco Bianchi"]),
        ("?q=ferraro%40example", ["Luca Ferraro"]),
        ("?role=mentor", ["Marco Bianchi"]),
        ("?role=trainee", ["Fatou Ndiaye"]),
        ("?role=manager&q=ross", ["Giulia Rossi"]),
        ("?role=officer&q=ross", []),
        ("?q=nobody-like-this", []),
        ("?role=not-a-role", ["Fatou Ndiaye", "Giulia Rossi", "Luca Ferraro", "Marco Bianchi"]),
    ],
)
def test_people_search_by_name_and_role(
    signed_in: FlaskClient, people: dict[str, User], query: str, expected: list[str]
) -> None:
    response = signed_in.get("/programme/people" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert result_names(html) == expected
    if not expected:
        assert 'class="empty-state"' in html


@pytest.mark.signed_in("manager")
def test_the_search_form_keeps_its_values(signed_in: FlaskClient, people: dict[str, User]) -> None:
    html = signed_in.get("/programme/people?q=ross&role=manager").get_data(as_text=True)
    assert field_value(html, "people-q") == "ross"
    assert re.search(r'<option value="manager" selected>', html)


@pytest.mark.signed_in("manager")
def test_an_htmx_request_gets_only_the_results(signed_in: FlaskClient, people: dict[str, User]) -> None:
    response = signed_in.get("/programme/people?q=ndia", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "<form" not in html
    assert 'id="people-results"' not in html
    assert "<table>" in html
    assert result_names(html) == ["Fatou Ndiaye"]
    assert "HX-Request" in response.headers.get("Vary", "")
    empty = signed_in.get("/programme/people?q=nobody", headers={"HX-Request": "true"})
    assert empty.status_code == 200
    assert "<html" not in empty.get_data(as_text=True)
    assert 'class="empty-state"' in empty.get_data(as_text=True)


@pytest.mark.signed_in("manager")
def test_a_boosted_request_gets_the_whole_page(signed_in: FlaskClient, people: dict[str, User]) -> None:
    response = signed_in.get("/programme/people?q=ndia", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert 'id="people-results"' in html
    assert result_names(html) == ["Fatou Ndiaye"]


@pytest.mark.signed_in("manager")
def test_a_person_page_lists_their_history(signed_in: FlaskClient, mentor: User, manager: User) -> None:
    signed_in.post(f"/programme/people/{mentor.id}/roles", data={"roles": ["mentor", "officer"]})
    db.session.expire_all()
    signed_in.post(f"/programme/people/{mentor.id}/active", data={"active": "0"})
    db.session.expire_all()
    html = signed_in.get(f"/programme/people/{mentor.id}").get_data(as_text=True)
    history = re.search(r'<ol class="history">(.*?)</ol>', html, re.S)
    assert history
    entries = re.findall(r"<li><time[^>]*>.*?</time> (.*?)</li>", history.group(1))
    # Newest first; the manager reads English.
    assert entries == ["Account deactivated", "Roles changed", "Account created"]


@pytest.mark.signed_in("manager")
def test_an_unknown_person_is_not_found(signed_in: FlaskClient) -> None:
    assert signed_in.get("/programme/people/999").status_code == 404
    assert signed_in.post("/programme/people/999/active", data={"active": "0"}).status_code == 404


@pytest.mark.signed_in("manager")
def test_the_people_list_pages_beyond_fifty(signed_in: FlaskClient) -> None:
    for n in range(51):
        make_person(f"person{n:02d}@example.org", [Role.MENTOR], f"Person {n:02d}")
    first = signed_in.get("/programme/people?role=mentor").get_data(as_text=True)
    assert len(result_names(first)) == 50
    assert 'rel="next"' in first
    second = signed_in.get("/programme/people?role=mentor&page=2").get_data(as_text=True)
    assert result_names(second) == ["Person 50"]
