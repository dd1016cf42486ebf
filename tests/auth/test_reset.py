"""One-time password links: a manager issues them, they work once, expire, and die with a new password."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import PASSWORD, login, login_as
from workbench.audit.models import AuditEvent
from workbench.auth.models import PasswordReset, User
from workbench.auth.services import issue_password_reset, set_active
from workbench.extensions import db
from workbench.timeutil import utcnow

NEW_PASSWORD = "sewing machines at dawn"


def issue_through_the_page(app: Flask, manager: User, person: User) -> str:
    """The manager asks for a link on the person's page; returns the link's path."""
    managing = app.test_client()
    login_as(managing, manager)
    response = managing.post(f"/programme/people/{person.id}/reset-link")
    db.session.expire_all()
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    link = re.search(r'<input[^>]*id="one-time-link"[^>]*>', html)
    assert link
    url = re.search(r'value="([^"]+)"', link.group(0))
    assert url
    parts = urlsplit(url.group(1))
    assert parts.netloc == "workbench.test"
    return parts.path


def set_password(client: FlaskClient, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    response = client.post(path, data={"password": password, "confirm": confirm or password})
    db.session.expire_all()  # each request runs in its own session: read what it saved
    return response


def test_a_manager_issues_a_link_that_sets_the_password_once(
    app: Flask, client: FlaskClient, trainee: User, manager: User
) -> None:
    path = issue_through_the_page(app, manager, trainee)
    assert path.startswith("/reset/")
    reset = db.session.scalars(select(PasswordReset).where(PasswordReset.user_id == trainee.id)).one()
    assert reset.created_by_id == manager.id
    assert reset.used_at is None
    # Only a hash of the token is stored.
    assert path.removeprefix("/reset/") != reset.token_hash
    issued = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_reset_issued"))
    assert [(e.object_id, e.actor_id) for e in issued] == [(trainee.id, manager.id)]

    form = client.get(path)
    assert form.status_code == 200
    assert trainee.email in form.get_data(as_text=True)
    response = set_password(client, path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/path"
    assert client.get("/path").status_code == 200  # logged in with the new password
    assert reset.used_at is not None
    changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_changed")).all()
    assert [e.object_id for e in changed] == [trainee.id]

    stranger = app.test_client()
    assert stranger.get(path).status_code == 404
    second = set_password(stranger, path, "another password altogether")
    assert second.status_code == 404
    assert stranger.get("/path").status_code == 302


def test_after_a_reset_the_old_password_fails_and_the_new_one_works(
    app: Flask, client: FlaskClient, trainee: User
) -> None:
    token = issue_password_reset(trainee, None)
    db.session.commit()
    assert set_password(app.test_client(), f"/reset/{token}").status_code == 302
    old = login(client, trainee.email, PASSWORD)
    assert old.status_code == 200
    new = login(client, trainee.email, NEW_PASSWORD)
    assert new.status_code == 302
    assert urlsplit(new.headers["Location"]).path == "/path"


def test_an_expired_link_is_refused(client: FlaskClient, trainee: User) -> None:
    token = issue_password_reset(trainee, None)
    reset = db.session.scalars(select(PasswordReset)).one()
    reset.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    hash_before = trainee.password_hash
    assert client.get(f"/reset/{token}").status_code == 404
    assert set_password(client, f"/reset/{token}").status_code == 404
    db.session.refresh(trainee)
    assert trainee.password_hash == hash_before


def test_a_link_is_valid_until_it_expires(client: FlaskClient, trainee: User) -> None:
    token = issue_password_reset(trainee, None)
    reset = db.session.scalars(select(PasswordReset)).one()
    reset.expires_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    assert client.get(f"/reset/{token}").status_code == 200


def test_an_unknown_token_is_refused(client: FlaskClient, trainee: User) -> None:
    response = client.get("/reset/not-a-token")
    assert response.status_code == 404
    assert "/login" in response.get_data(as_text=True)


def test_a_link_for_a_deactivated_person_is_refused(
    app: Flask, client: FlaskClient, trainee: User, manager: User
) -> None:
    token = issue_password_reset(trainee, manager)
    set_active(trainee, False, manager)
    db.session.commit()
    assert client.get(f"/reset/{token}").status_code == 404
    assert set_password(client, f"/reset/{token}").status_code == 404
    # And the manager cannot issue a new one while the account is deactivated.
    managing = app.test_client()
    login_as(managing, manager)
    assert managing.post(f"/programme/people/{trainee.id}/reset-link").status_code == 403
    assert len(db.session.scalars(select(PasswordReset)).all()) == 1


def test_older_unused_links_die_when_the_password_changes(client: FlaskClient, trainee: User) -> None:
    first = issue_password_reset(trainee, None)
    second = issue_password_reset(trainee, None)
    db.session.commit()
    assert set_password(client, f"/reset/{second}").status_code == 302
    assert client.get(f"/reset/{first}").status_code == 404


@pytest.mark.parametrize(
    ("password", "confirm", "field"),
    [("short", "short", "password"), (NEW_PASSWORD, "not the same sentence", "confirm")],
)
def test_a_bad_new_password_is_reported_and_the_link_still_works(
    client: FlaskClient, trainee: User, password: str, confirm: str, field: str
) -> None:
    token = issue_password_reset(trainee, None)
    db.session.commit()
    response = set_password(client, f"/reset/{token}", password, confirm)
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalars(select(PasswordReset)).one().used_at is None
    assert client.get(f"/reset/{token}").status_code == 200
