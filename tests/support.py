"""Helpers the tests share: building an app, creating people, logging in."""

from __future__ import annotations

import contextvars
import os
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from workbench import create_app
from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import create_user, hash_password, open_login_session
from workbench.extensions import db

PASSWORD = "correct horse battery"


class IsolatedClient(FlaskClient):
    """Every request runs in a fresh context, as in production.

    Tests hold an app context for their own database work; without this, Flask would reuse it for the
    request, so `g` (the cached locale, the loaded user) and the database session would leak from one
    request into the next and hide real bugs.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url: str, instance_path: Path, **overrides: object) -> Flask:
    os.environ["WORKBENCH_INSTANCE_PATH"] = str(instance_path)
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "workbench.test",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


_PASSWORD_HASH: list[str] = []


def make_person(
    email: str, roles: list[Role], full_name: str | None = None, locale: str | None = "en"
) -> User:
    """Create and commit a person who logs in with PASSWORD; the slow scrypt hash is computed once."""
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(hash_password(PASSWORD))
    user = create_user(
        email=email,
        full_name=full_name or email.split("@")[0].replace(".", " ").title(),
        password=None,
        roles=roles,
        actor=None,
        locale=locale,
    )
    user.password_hash = _PASSWORD_HASH[0]
    db.session.commit()
    return user


def login_as(client: FlaskClient, user: User, remember: bool = False) -> str:
    """Open a real login session for `user` without the login form (the auth tests cover the form).

    Returns the login token the browser now holds in its session cookie.
    """
    token = open_login_session(user, remember=remember)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return token


def login(client: FlaskClient, email: str, password: str = PASSWORD, follow_redirects: bool = False):
    """Log in through the real form."""
    return client.post(
        "/login", data={"email": email, "password": password}, follow_redirects=follow_redirects
    )


def field_value(html: str, name: str) -> str | None:
    """The value of the input with id `name` (WTForms gives each input its field name as id)."""
    tag = re.search(rf'<input[^>]*\bid="{name}"[^>]*>', html)
    assert tag, f"no input {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def error_fields(html: str) -> set[str]:
    """The fields that show an error message next to them."""
    return set(re.findall(r'<p class="error" id="([\w-]+)-error">', html))


def audit_events(action: str) -> list[AuditEvent]:
    """The audit events of one kind, oldest first."""
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    )


def path_states(html: str) -> list[str]:
    """The state of each step on a trainee's path page, in order."""
    return re.findall(r'<li class="path-step path-(\w+)"', html)


#: The Redis database the rate-limit tests may flush: one per engine, so the SQLite and the PostgreSQL runs
#: of the suite can go side by side (CI runs them so) without counting each other's attempts.
TEST_REDIS_URI = f"redis://127.0.0.1:6379/{14 if os.environ.get('WORKBENCH_TEST_DATABASE_URL') else 13}"
