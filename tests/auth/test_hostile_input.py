"""The login, registration, reset and logout endpoints answer hostile input with a 4xx or a field error."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support import error_fields
from workbench.auth.models import User
from workbench.extensions import db

HUGE_EMAIL = "a" * 10_000 + "@example.org"


def test_a_ten_kilobyte_email_is_a_field_error_on_login(client: FlaskClient, manager: User) -> None:
    response = client.post("/login", data={"email": HUGE_EMAIL, "password": "whatever it is"})
    assert response.status_code == 200
    assert "email" in error_fields(response.get_data(as_text=True))


def test_a_ten_kilobyte_email_is_a_field_error_on_registration(client: FlaskClient) -> None:
    response = client.post(
        "/register",
        data={
            "invite_code": "ABCD2345",
            "full_name": "X" * 10_000,
            "email": HUGE_EMAIL,
            "password": "long enough password",
            "confirm": "long enough password",
            "locale": "it",
        },
    )
    assert response.status_code == 200
    assert {"email", "full_name"} <= error_fields(response.get_data(as_text=True))
    assert db.session.query(User).count() == 0


def test_huge_or_odd_reset_tokens_are_unknown_links(client: FlaskClient) -> None:
    for token in ("x" * 10_000, "..%2F..%2Fetc"):
        assert client.get(f"/reset/{token}").status_code == 404
        response = client.post(f"/reset/{token}", data={"password": "p" * 20, "confirm": "p" * 20})
        assert response.status_code == 404
    # A NUL byte is refused before any view runs (workbench/web/guards.py), the link never looked up.
    assert client.get("/reset/%00abc").status_code == 400
    assert client.post("/reset/%00abc", data={"password": "p" * 20, "confirm": "p" * 20}).status_code == 400


def test_logout_without_a_login_and_with_garbage_cookies_is_harmless(client: FlaskClient) -> None:
    client.set_cookie("remember_token", "not|a-real-cookie" * 200, domain="workbench.test")
    assert client.post("/logout").status_code == 302
    assert client.get("/programme").status_code == 302
