"""Friendly, translated pages for every error a person can meet."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import make_app
from workbench.extensions import db


def test_unknown_page_gets_a_friendly_404_with_a_way_home(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "We could not find this page" in html
    assert 'href="/"' in html
    assert "<html" in html  # the whole layout, not a bare message


@pytest.mark.signed_in("manager")
def test_missing_object_is_a_404_before_any_403(signed_in: FlaskClient) -> None:
    assert signed_in.get("/programme/cohorts/999999").status_code == 404


def test_wrong_method_gets_405_page(client: FlaskClient) -> None:
    response = client.get("/logout", headers={"Accept-Language": "en"})
    assert response.status_code == 405
    assert "This action cannot be done this way" in response.get_data(as_text=True)


def test_forbidden_page_is_translated(signed_in: FlaskClient) -> None:
    response = signed_in.get("/programme")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert '<html lang="fr"' in html  # the trainee reads French
    assert "This page is not for your role" not in html


def test_too_large_request_gets_413_page(client: FlaskClient, app: Flask) -> None:
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        "/login",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)


def test_server_error_page_says_nothing_saved_is_lost(app: Flask, database_url: str, tmp_path: Path) -> None:
    broken = make_app(database_url, tmp_path, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @broken.get("/explode")
    def explode():
        raise RuntimeError("boom")

    with broken.app_context():
        response = broken.test_client().get("/explode", headers={"Accept-Language": "en"})
        db.session.remove()
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong on our side" in html
    assert "boom" not in html
