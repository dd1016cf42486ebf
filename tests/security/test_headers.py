"""Browser-facing hardening: strict CSP, no framing, no sniffing, cookies that scripts cannot read."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.support import login, make_app, make_person
from workbench.auth.roles import Role
from workbench.extensions import db


def test_every_page_sends_a_strict_content_security_policy(client: FlaskClient) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval, no CDN
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in response.headers["Vary"]


def test_pages_have_no_inline_script_and_load_nothing_from_outside(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html
    assert "<script " not in html.replace('<script src="/static/', "")
    assert "http://" not in html.replace("http://workbench.test", "")
    assert "https://" not in html


def test_htmx_is_vendored_with_its_licence(client: FlaskClient) -> None:
    root = Path(__file__).resolve().parents[2] / "static" / "vendor" / "htmx"
    assert (root / "LICENSE").read_text().strip()
    assert "2.0.11" in (root / "VERSION").read_text()
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
    assert b"htmx" in response.data[:2000]
    response.close()


def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient, app_context: None) -> None:
    make_person("amina@example.org", [Role.MENTOR])
    response = login(client, "amina@example.org")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development runs on plain http://127.0.0.1


def test_production_cookies_are_secure_and_hsts_is_sent(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    production = make_app(database_url, tmp_path, PRODUCTION=True, SECRET_KEY="production-secret")
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    with production.app_context():
        response = production.test_client().get("/login")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        db.session.remove()


def test_passwords_are_stored_as_scrypt_hashes(app_context: None) -> None:
    from workbench.auth.services import create_user

    user = create_user(
        email="x@example.org",
        full_name="X",
        password="a long enough password",
        roles=[Role.MENTOR],
        actor=None,
    )
    assert user.password_hash.startswith("scrypt:")
    assert "a long enough password" not in user.password_hash
