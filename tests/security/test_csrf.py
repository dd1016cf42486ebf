"""CSRF protection on every state-changing request, htmx requests included (token in a header)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import login_as, make_app, make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme.models import Cohort


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


@pytest.fixture
def manager_client(csrf_app: Flask) -> FlaskClient:
    client = csrf_app.test_client()
    login_as(client, make_person("giulia@example.org", [Role.MANAGER]))
    return client


def test_a_form_post_without_token_is_refused_and_what_was_typed_is_offered_again(
    manager_client: FlaskClient,
) -> None:
    response = manager_client.post("/programme/cohorts/new", data={"name": "Palermo Sud", "city": "Palermo"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Palermo Sud"' in html
    assert 'value="Palermo"' in html
    assert 'action="/programme/cohorts/new"' in html
    assert db.session.query(Cohort).count() == 0
    # Sending it again from that page (which carries a fresh token) goes through.
    resent = manager_client.post(
        "/programme/cohorts/new",
        data={"name": "Palermo Sud", "city": "Palermo", "csrf_token": token_from(html)},
    )
    assert resent.status_code == 303
    assert db.session.query(Cohort).one().name == "Palermo Sud"


def test_passwords_are_never_echoed_back_on_the_expired_form_page(csrf_app: Flask) -> None:
    response = csrf_app.test_client().post(
        "/login", data={"email": "a@example.org", "password": "secret-words"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "secret-words" not in html
    assert 'value="a@example.org"' in html


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
