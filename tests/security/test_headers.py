"""Browser-facing hardening: strict CSP, no framing, no sniffing, cookies that scripts cannot read."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.support import TEST_REDIS_URI, login, login_as, make_app, make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.plans.services import create_plan


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
    production = make_app(
        database_url,
        tmp_path,
        PRODUCTION=True,
        SECRET_KEY="production-secret",
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=TEST_REDIS_URI,
        BASE_URL="https://workbench.example.org",
    )
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    with production.app_context():
        response = production.test_client().get("/login")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        db.session.remove()
    make_app(database_url, tmp_path / "reset")  # flask-limiter's Limiter is shared: leave it disabled


def test_downloads_are_never_stored_in_caches_but_static_files_are_cacheable(
    client: FlaskClient, app_context: None
) -> None:
    owner = make_person("awa@example.org", [Role.TRAINEE])
    plan = create_plan(owner=owner, business_type="food", title="Sartoria Awa")
    db.session.commit()
    login_as(client, owner)
    download = client.get(f"/plans/{plan.id}/assumptions.json")
    assert download.status_code == 200
    assert download.mimetype == "application/json"
    assert download.headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get("/no-such-page").headers["Cache-Control"] == "no-store"
    redirect = client.get("/")
    assert redirect.status_code == 302
    assert redirect.headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


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
