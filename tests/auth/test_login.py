"""Logging in through the real form, where it lands each role, `next`, logging out and ending sessions."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import PASSWORD, login, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import issue_password_reset, set_active
from workbench.extensions import db


def path_of(response) -> str:
    return urlsplit(response.headers["Location"]).path


def heading(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found, "the page has no <h1>"
    return found.group(1).strip()


def form_errors(html: str) -> str:
    found = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S)
    assert found, "the form shows no error"
    return found.group(1).strip()


def login_form(html: str) -> str:
    found = re.search(r'<form method="post" action="/login".*?</form>', html, re.S)
    assert found, "no login form on the page"
    return found.group(0)


def input_value(html: str, name: str) -> str | None:
    """The value of the login form's input `name` (the page has other forms, such as the language switch)."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', login_form(html))
    assert tag, f"no input named {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def test_the_login_form_logs_in_and_opens_a_session(client: FlaskClient, manager: User) -> None:
    assert client.get("/login").status_code == 200
    response = login(client, "Giulia.Rossi@Example.org")
    assert response.status_code == 302
    assert path_of(response) == "/programme"
    assert client.get("/programme").status_code == 200
    # A logged-in person asking for the login page goes home instead.
    again = client.get("/login")
    assert again.status_code == 302
    assert path_of(again) == "/programme"


def test_wrong_password_and_unknown_email_give_the_same_answer(client: FlaskClient, manager: User) -> None:
    wrong_password = login(client, manager.email, "not the password at all")
    unknown_email = login(client, "nobody@example.org", "not the password at all")
    assert wrong_password.status_code == 200
    assert unknown_email.status_code == 200
    wrong_html = wrong_password.get_data(as_text=True)
    unknown_html = unknown_email.get_data(as_text=True)
    assert form_errors(wrong_html) == form_errors(unknown_html)
    assert input_value(wrong_html, "email") == manager.email
    assert input_value(unknown_html, "email") == "nobody@example.org"
    assert "not the password at all" not in wrong_html
    assert input_value(wrong_html, "password") in (None, "")
    # Nobody was logged in.
    response = client.get("/programme")
    assert response.status_code == 302
    assert path_of(response) == "/login"


def test_the_error_is_in_english_for_an_english_browser(client: FlaskClient, manager: User) -> None:
    response = client.post(
        "/login",
        data={"email": manager.email, "password": "wrong password"},
        headers={"Accept-Language": "en"},
    )
    db.session.expire_all()
    assert "The e-mail or the password is not right." in response.get_data(as_text=True)


def test_a_deactivated_account_cannot_log_in(client: FlaskClient, manager: User) -> None:
    person = make_person("left@example.org", [Role.OFFICER])
    set_active(person, False, manager)
    db.session.commit()
    response = login(client, "left@example.org")
    assert response.status_code == 200
    assert form_errors(response.get_data(as_text=True))
    queue = client.get("/queue")
    assert queue.status_code == 302
    assert path_of(queue) == "/login"


def test_next_is_followed_for_a_same_site_path(client: FlaskClient, manager: User) -> None:
    response = client.post(
        "/login", data={"email": manager.email, "password": PASSWORD, "next": "/programme/people?q=ros"}
    )
    db.session.expire_all()
    assert response.status_code == 302
    assert response.headers["Location"] == "/programme/people?q=ros"


def test_next_from_the_query_string_survives_the_login_form(client: FlaskClient, manager: User) -> None:
    sent_to_login = client.get("/programme/people")
    assert sent_to_login.status_code == 302
    login_page = client.get(sent_to_login.headers["Location"])
    assert input_value(login_page.get_data(as_text=True), "next") == "/programme/people"
    response = client.post(
        "/login", data={"email": manager.email, "password": PASSWORD, "next": "/programme/people"}
    )
    db.session.expire_all()
    assert response.headers["Location"] == "/programme/people"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/programme",
        "https://evil.example",
        "https://evil.example/programme",
        "http:evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\\evil.example",
        "/\t/evil.example",
    ],
)
def test_next_never_leaves_the_site(client: FlaskClient, manager: User, target: str) -> None:
    response = client.post("/login", data={"email": manager.email, "password": PASSWORD, "next": target})
    db.session.expire_all()
    assert response.status_code == 302
    location = response.headers["Location"]
    # Browsers read a backslash as a slash: the target must stay on this site either way.
    parts = urlsplit(location.replace("\\", "/"))
    assert parts.netloc in ("", "workbench.test")
    assert parts.scheme in ("", "http", "https")
    assert "evil.example" not in parts.netloc
    if not target.startswith("/\\"):
        assert parts.path == "/programme"


@pytest.mark.signed_in("manager")
def test_logout_ends_the_session(signed_in: FlaskClient) -> None:
    assert signed_in.get("/programme").status_code == 200
    response = signed_in.post("/logout")
    db.session.expire_all()
    assert response.status_code == 302
    assert path_of(response) == "/login"
    after = signed_in.get("/programme")
    assert after.status_code == 302
    assert path_of(after) == "/login"


@pytest.mark.signed_in("manager")
def test_logout_is_not_a_get(signed_in: FlaskClient) -> None:
    assert signed_in.get("/logout").status_code == 405
    assert signed_in.get("/programme").status_code == 200


@pytest.mark.parametrize(
    ("role", "home", "title"),
    [
        (Role.TRAINEE, "/path", "My path"),
        (Role.MENTOR, "/mentees", "My mentees"),
        (Role.OFFICER, "/queue", "Application queue"),
        (Role.MANAGER, "/programme", "Programme"),
    ],
)
def test_each_role_lands_on_its_home(client: FlaskClient, role: Role, home: str, title: str) -> None:
    make_person("someone@example.org", [role], "Some One", locale="en")
    response = login(client, "someone@example.org")
    assert path_of(response) == home
    page = client.get(home)
    assert page.status_code == 200
    assert heading(page.get_data(as_text=True)) == title


def test_following_the_redirect_after_login_shows_the_home_page(client: FlaskClient) -> None:
    make_person("mentor.en@example.org", [Role.MENTOR], locale="en")
    response = login(client, "mentor.en@example.org", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/mentees"
    assert heading(response.get_data(as_text=True)) == "My mentees"


def test_a_person_without_a_role_gets_a_page_that_says_so(client: FlaskClient, manager: User) -> None:
    person = make_person("norole@example.org", [Role.MENTOR], locale="en")
    person.grants.clear()
    db.session.commit()
    response = login(client, "norole@example.org", follow_redirects=True)
    assert response.request.path == "/no-role"
    assert heading(response.get_data(as_text=True)) == "Your account has no role yet"


def test_a_manager_who_is_also_an_officer_sees_both_homes(client: FlaskClient) -> None:
    make_person("both@example.org", [Role.MANAGER, Role.OFFICER], "Sara Conti", locale="en")
    response = login(client, "both@example.org")
    assert path_of(response) == "/programme"
    html = client.get("/programme").get_data(as_text=True)
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S)
    assert nav
    links = re.findall(r'href="([^"]+)"', nav.group(0))
    assert "/programme" in links
    assert "/queue" in links
    assert "/mentees" not in links
    assert "/path" not in links
    assert client.get("/queue").status_code == 200


def test_deactivation_ends_an_open_session(app: Flask, client: FlaskClient, trainee: User, manager: User):
    login_as(client, trainee)
    assert client.get("/path").status_code == 200
    managing = app.test_client()
    login_as(managing, manager)
    done = managing.post(f"/programme/people/{trainee.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert done.status_code == 303
    response = client.get("/path")
    assert response.status_code == 302
    assert path_of(response) == "/login"
    # Reactivating does not bring the old session back: the person logs in again.
    managing.post(f"/programme/people/{trainee.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert client.get("/path").status_code == 302


def test_a_password_change_ends_older_sessions(app: Flask, signed_in: FlaskClient, trainee: User) -> None:
    assert signed_in.get("/path").status_code == 200
    token = issue_password_reset(trainee, None)
    db.session.commit()
    elsewhere = app.test_client()
    new_password = "a brand new sentence"
    changed = elsewhere.post(f"/reset/{token}", data={"password": new_password, "confirm": new_password})
    db.session.expire_all()
    assert changed.status_code == 302
    # The device where the password was set stays logged in; the old session does not.
    assert elsewhere.get("/path").status_code == 200
    response = signed_in.get("/path")
    assert response.status_code == 302
    assert path_of(response) == "/login"
