"""CSRF protection on every state-changing request, htmx requests included (token in a header).

A refused form is never offered again for sending (that page would carry out a forged request with one
click), and the refused request neither creates nor replaces a session or remember cookie.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import PASSWORD, login_as, make_app, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme.models import Cohort

SITE = "http://workbench.test"
SAME_SITE = {"Origin": SITE, "Referer": f"{SITE}/programme/cohorts/new"}
OTHER_SITE = {"Origin": "https://evil.example", "Referer": "https://evil.example/win-a-prize"}


@pytest.fixture
def csrf_app(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A second app on the same (migrated) database, with CSRF protection on as in production."""
    protected = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with protected.app_context():
        yield protected
        db.session.remove()


def token_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "every page carries the token for htmx in a meta tag"
    return match.group(1)


def forms_in(html: str) -> list[str]:
    """The forms of the page's content (the layout's own language and logout forms left out)."""
    main = re.search(r"<main.*?</main>", html, re.S)
    return re.findall(r"<form.*?</form>", main.group(0) if main else html, re.S)


def session_cookies_set(response) -> list[str]:
    return [
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith(("session=", "remember_token="))
    ]


@pytest.fixture
def manager_client(csrf_app: Flask) -> FlaskClient:
    client = csrf_app.test_client()
    login_as(client, make_person("giulia@example.org", [Role.MANAGER]))
    return client


def test_a_same_site_post_without_token_is_refused_and_shows_what_was_typed_to_copy(
    manager_client: FlaskClient,
) -> None:
    response = manager_client.post(
        "/programme/cohorts/new",
        data={"name": "Palermo Sud", "city": "Palermo"},
        headers={**SAME_SITE, "Accept-Language": "en"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form was not sent" in html
    # What was typed is there, as read-only text to copy...
    assert re.search(r"<textarea readonly[^>]*>Palermo Sud</textarea>", html)
    assert re.search(r"<textarea readonly[^>]*>Palermo</textarea>", html)
    # ...never as a form that could send it again.
    assert forms_in(html) == []
    assert 'value="Palermo Sud"' not in html
    assert 'action="/programme/cohorts/new"' not in html
    # The way back is the page the form came from.
    assert 'href="/programme/cohorts/new"' in html
    assert session_cookies_set(response) == []
    assert db.session.query(Cohort).count() == 0


def test_a_cross_site_post_gets_the_message_without_the_fields(manager_client: FlaskClient) -> None:
    response = manager_client.post(
        "/programme/cohorts/new",
        data={"name": "Palermo Sud", "city": "Palermo"},
        headers={**OTHER_SITE, "Accept-Language": "en"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form was not sent" in html
    assert "Palermo Sud" not in html
    assert "evil.example" not in html
    assert forms_in(html) == []
    assert session_cookies_set(response) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": SITE, "Referer": f"{SITE}/"},
        {"Origin": "null"},
        {"Origin": "http://workbench.test.evil.example"},
        {"Referer": "http://evil.example/?http://workbench.test/"},
        {},
    ],
)
def test_only_requests_the_browser_marks_as_same_origin_see_their_fields(
    manager_client: FlaskClient, headers: dict[str, str]
) -> None:
    response = manager_client.post("/programme/cohorts/new", data={"name": "Palermo Sud"}, headers=headers)
    assert response.status_code == 400
    assert "Palermo Sud" not in response.get_data(as_text=True)


def test_passwords_and_tokens_are_never_echoed_back(csrf_app: Flask) -> None:
    response = csrf_app.test_client().post(
        "/login",
        data={"email": "a@example.org", "password": "secret-words", "csrf_token": "forged-token"},
        headers={"Sec-Fetch-Site": "same-origin", "Referer": f"{SITE}/login"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "secret-words" not in html
    assert "forged-token" not in html
    assert re.search(r"<textarea readonly[^>]*>a@example.org</textarea>", html)
    assert 'href="/login"' in html
    assert session_cookies_set(response) == []


def test_htmx_requests_send_the_token_as_a_header(manager_client: FlaskClient) -> None:
    token = token_from(manager_client.get("/programme").get_data(as_text=True))
    headers = {"HX-Request": "true"}
    refused = manager_client.post("/programme/cohorts/new", data={"name": "Torino"}, headers=headers)
    assert refused.status_code == 400
    accepted = manager_client.post(
        "/programme/cohorts/new", data={"name": "Torino"}, headers={**headers, "X-CSRFToken": token}
    )
    assert accepted.status_code == 303


def test_the_script_that_adds_the_header_is_served(manager_client: FlaskClient) -> None:
    script = manager_client.get("/static/js/app.js").get_data(as_text=True)
    assert "htmx:configRequest" in script
    assert "X-CSRFToken" in script


def remembered_login(app: Flask, email: str) -> FlaskClient:
    """A browser that logged in through the form with "keep me logged in"."""
    browser = app.test_client()
    token = token_from(browser.get("/login").get_data(as_text=True))
    response = browser.post(
        "/login", data={"email": email, "password": PASSWORD, "remember": "y", "csrf_token": token}
    )
    assert response.status_code == 302
    assert browser.get_cookie("remember_token", domain="workbench.test") is not None
    return browser


def test_a_cross_site_post_cannot_make_a_trainee_manager_with_or_without_a_remember_cookie(
    csrf_app: Flask,
) -> None:
    make_person("giulia@example.org", [Role.MANAGER])
    trainee = make_person("awa@example.org", [Role.TRAINEE])
    victim = remembered_login(csrf_app, "giulia@example.org")
    remember = victim.get_cookie("remember_token", domain="workbench.test")
    forged = {"roles": ["trainee", "manager"]}
    target = f"/programme/people/{trainee.id}/roles"

    # SameSite=Lax: a cross-site POST arrives without the victim's cookies.
    bare = csrf_app.test_client().post(target, data=forged, headers=OTHER_SITE)
    # A browser that sends the remember cookie anyway (an older one, or a same-site page) must not help.
    with_remember = csrf_app.test_client()
    with_remember.set_cookie("remember_token", remember.value, domain="workbench.test")
    remembered = with_remember.post(target, data=forged, headers=OTHER_SITE)

    for response in (bare, remembered):
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert forms_in(html) == []  # nothing to click that would send the forged change
        assert 'name="roles"' not in html
        assert response.headers.getlist("Set-Cookie") == []
        # Even the token on that page is worth nothing: it belongs to a session that was never saved.
        again = with_remember.post(target, data={**forged, "csrf_token": token_from(html)}, headers=SAME_SITE)
        assert again.status_code == 400
        assert again.headers.getlist("Set-Cookie") == []

    db.session.expire_all()
    assert db.session.get(User, trainee.id).roles == {Role.TRAINEE}
    # The victim's own browser is still logged in as before: no cookie of theirs was replaced.
    assert victim.get("/programme").status_code == 200
