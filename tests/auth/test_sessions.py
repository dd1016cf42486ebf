"""Logins live on the server: logout, a new password and deactivation end every cookie of that person,
copied ones included, and "keep me logged in" lasts 30 days at most whatever the cookie says."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import PASSWORD, audit_events, login_as, make_person
from workbench.auth.models import LoginSession, User
from workbench.auth.roles import Role
from workbench.auth.services import issue_password_reset, set_active
from workbench.extensions import db
from workbench.timeutil import utcnow

HOST = "workbench.test"


def logged_in(client: FlaskClient) -> bool:
    response = client.get("/programme")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    return False


def form_login(client: FlaskClient, email: str, remember: bool = False):
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    db.session.expire_all()
    assert response.status_code == 302
    return response


def copy_cookie(source: FlaskClient, target: FlaskClient, name: str) -> None:
    cookie = source.get_cookie(name, domain=HOST)
    assert cookie is not None, f"no {name} cookie to copy"
    target.set_cookie(name, cookie.value, domain=HOST)


def test_a_session_cookie_copied_before_logout_no_longer_works_after_it(
    app: Flask, client: FlaskClient, manager: User
) -> None:
    form_login(client, manager.email)
    thief = app.test_client()
    copy_cookie(client, thief, "session")
    assert logged_in(thief)
    assert client.post("/logout").status_code == 302
    db.session.expire_all()
    assert not logged_in(client)
    assert not logged_in(thief)


def test_a_remember_cookie_no_longer_works_after_logout(
    app: Flask, client: FlaskClient, manager: User
) -> None:
    form_login(client, manager.email, remember=True)
    later = app.test_client()  # the browser was closed: only the remember cookie is left
    copy_cookie(client, later, "remember_token")
    assert logged_in(later)
    only_the_cookie = app.test_client()
    copy_cookie(client, only_the_cookie, "remember_token")
    client.post("/logout")
    db.session.expire_all()
    assert not logged_in(later)
    answer = only_the_cookie.get("/programme")
    assert answer.status_code == 302
    assert urlsplit(answer.headers["Location"]).path == "/login"
    # The dead cookie is deleted from the browser that showed it.
    assert any(h.startswith("remember_token=;") for h in answer.headers.getlist("Set-Cookie"))


def test_logout_ends_the_logins_of_that_person_on_every_device(
    app: Flask, client: FlaskClient, manager: User, mentor: User
) -> None:
    phone, computer, other_person = app.test_client(), app.test_client(), app.test_client()
    login_as(phone, manager)
    login_as(computer, manager, remember=True)
    login_as(other_person, mentor)
    phone.post("/logout")
    db.session.expire_all()
    assert not logged_in(phone)
    assert not logged_in(computer)
    assert other_person.get("/mentees").status_code == 200
    assert [e.object_id for e in audit_events("user.logged_out")] == [manager.id]


def test_remember_me_lasts_thirty_days_at_most(app: Flask, client: FlaskClient, manager: User) -> None:
    assert app.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)
    response = form_login(client, manager.email, remember=True)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    assert expires <= utcnow() + timedelta(days=30, minutes=1)
    row = db.session.scalars(select(LoginSession).where(LoginSession.user_id == manager.id)).one()
    assert row.remember
    assert row.expires_at - row.created_at <= timedelta(days=30)

    browser = app.test_client()
    copy_cookie(client, browser, "remember_token")
    assert logged_in(browser)
    # 31 days later the server refuses it, whatever the browser kept.
    row.created_at -= timedelta(days=31)
    row.expires_at -= timedelta(days=31)
    db.session.commit()
    later = app.test_client()
    copy_cookie(client, later, "remember_token")
    assert not logged_in(later)
    assert not logged_in(client)


def test_the_server_caps_a_login_at_thirty_days_even_if_its_row_says_longer(
    app: Flask, client: FlaskClient, manager: User
) -> None:
    login_as(client, manager, remember=True)
    row = db.session.scalars(select(LoginSession)).one()
    row.created_at = utcnow() - timedelta(days=31)
    row.expires_at = utcnow() + timedelta(days=300)  # as a 365-day cookie would have had it
    db.session.commit()
    assert not logged_in(client)


def test_a_new_password_ends_every_other_session(app: Flask, client: FlaskClient, trainee: User) -> None:
    before = app.test_client()
    login_as(before, trainee, remember=True)
    assert before.get("/path").status_code == 200
    token = issue_password_reset(trainee, None)
    db.session.commit()
    new_password = "a brand new sentence"
    response = client.post(f"/reset/{token}", data={"password": new_password, "confirm": new_password})
    db.session.expire_all()
    assert response.status_code == 302
    assert client.get("/path").status_code == 200  # the browser that set it is logged in
    assert before.get("/path").status_code == 302


def test_deactivation_ends_the_sessions_for_good(
    app: Flask, client: FlaskClient, manager: User, mentor: User
) -> None:
    login_as(client, mentor, remember=True)
    assert client.get("/mentees").status_code == 200
    set_active(mentor, False, manager)
    db.session.commit()
    assert client.get("/mentees").status_code == 302
    # Reactivating the account does not bring the old sessions back.
    set_active(mentor, True, manager)
    db.session.commit()
    assert client.get("/mentees").status_code == 302
    assert db.session.scalars(select(LoginSession).where(LoginSession.ended_at.is_(None))).all() == []


def test_only_a_hash_of_the_login_token_is_stored_and_logins_are_audited(
    client: FlaskClient, manager: User
) -> None:
    token = login_as(client, manager)
    row = db.session.scalars(select(LoginSession)).one()
    assert token not in row.token_hash
    assert [e.object_id for e in audit_events("user.logged_in")] == [manager.id]


def test_a_forged_or_oversized_token_is_refused(client: FlaskClient, manager: User) -> None:
    for forged in (f"{manager.id}:1", "x" * 10_000, ""):
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert not logged_in(client)


def test_a_person_can_log_in_again_after_logging_out(client: FlaskClient) -> None:
    make_person("someone@example.org", [Role.MANAGER])
    form_login(client, "someone@example.org")
    client.post("/logout")
    db.session.expire_all()
    assert not logged_in(client)
    form_login(client, "someone@example.org")
    assert logged_in(client)
