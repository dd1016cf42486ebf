"""Password links by e-mail: "Forgot your password?" on the login page sends a one-time link through the
outbox, in the person's language; the answer is the same (and as much work) whether an account uses the
address or not; a double click sends one link; the page is rate limited like the login. Managers still hand
links over."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.concurrency import ROUNDS, at_once
from tests.notifications.conftest import BASE_URL, SmtpServer, run
from tests.security import fuzzing as fz
from tests.support import audit_events, login_as, make_app, make_person
from workbench.auth.models import PasswordReset, User
from workbench.auth.roles import Role
from workbench.auth.services import set_active
from workbench.extensions import db
from workbench.notifications import outbox, passwords
from workbench.notifications.models import Frequency, OutboxMessage
from workbench.notifications.outbox import set_frequency
from workbench.timeutil import as_utc, utcnow

NEW_PASSWORD = "sewing machines at dawn"


def ask(client: FlaskClient, email: str):
    response = client.post("/forgot-password", data={"email": email})
    db.session.expire_all()
    return response


def reset_mails(person: User | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == "password_reset").order_by(OutboxMessage.id)
    if person is not None:
        query = query.where(OutboxMessage.recipient_id == person.id)
    return list(db.session.scalars(query))


def link_in(text: str) -> str:
    found = re.search(r"https?://\S+/reset/[\w-]+", text)
    assert found, text
    return found.group(0)


def test_the_login_page_offers_a_link_by_e_mail(client: FlaskClient) -> None:
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in login
    page = client.get("/forgot-password")
    assert page.status_code == 200
    assert 'name="email"' in page.get_data(as_text=True)


def test_the_link_arrives_in_the_persons_language_and_sets_the_password(
    app: Flask, client: FlaskClient, smtp: SmtpServer, app_context: None
) -> None:
    person = make_person("samira@example.org", [Role.TRAINEE], "Samira", locale="ar")
    response = ask(client, "  Samira@Example.org ")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/login"
    [message] = reset_mails(person)
    assert (message.locale, message.transactional, message.status) == ("ar", True, "pending")
    reset = db.session.scalars(select(PasswordReset).where(PasswordReset.user_id == person.id)).one()
    assert reset.created_by_id is None
    lifetime = as_utc(reset.expires_at) - as_utc(reset.created_at)
    assert lifetime == app.config["PASSWORD_RESET_MAIL_VALID_FOR"]
    assert [e.object_id for e in audit_events("user.password_link_mailed")] == [person.id]

    assert run().sent == 1
    [received] = smtp.received
    assert received.rcpt_tos == ["samira@example.org"]
    body = received.message.get_body(("plain",)).get_content()
    assert "تعيين كلمة المرور" in body  # "Set your password", in Arabic
    link = link_in(body)
    assert link.startswith(f"{BASE_URL}/reset/")  # the configured address, never the request's Host
    path = urlsplit(link).path
    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    done = visitor.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert visitor.get(path).status_code == 404  # once only


def test_the_answer_is_the_same_whether_an_account_exists_or_not(
    app: Flask, client: FlaskClient, trainee: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []
    real = passwords.render_mail

    def counting(kind, locale, **context):
        rendered.append(kind)
        return real(kind, locale, **context)

    monkeypatch.setattr(passwords, "render_mail", counting)
    monkeypatch.setattr(outbox, "render_mail", counting)

    known = ask(client, trainee.email)
    page_known = client.get("/login").get_data(as_text=True)
    work_known = list(rendered)
    db.session.commit()
    before = fz.snapshot()
    rendered.clear()
    unknown = ask(client, "nobody.here@example.org")
    page_unknown = client.get("/login").get_data(as_text=True)
    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert flashes(page_unknown) == [
        m.replace(trainee.email, "nobody.here@example.org") for m in flashes(page_known)
    ]
    assert rendered == work_known == ["password_reset"]  # the mail is written on both paths
    assert fz.changed_tables(before, fz.snapshot()) == []  # and stored on neither for nobody


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html, flags=re.S)


def test_deactivated_accounts_get_nothing_and_the_same_answer(
    client: FlaskClient, trainee: User, manager: User
) -> None:
    set_active(trainee, False, manager)
    db.session.commit()
    response = ask(client, trainee.email)
    assert response.status_code == 303
    assert reset_mails() == []


def test_a_person_who_chose_no_e_mail_still_gets_the_link(client: FlaskClient, trainee: User) -> None:
    set_frequency(trainee, Frequency.NONE.value, trainee)
    db.session.commit()
    ask(client, trainee.email)
    assert [m.status for m in reset_mails(trainee)] == ["pending"]


def test_a_double_click_sends_one_link_and_an_hour_holds_a_few(
    app: Flask, client: FlaskClient, trainee: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask(client, trainee.email)
    ask(client, trainee.email)
    assert len(reset_mails(trainee)) == 1
    # A minute later another may go, up to the hourly limit.
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAILS_PER_HOUR", 2)
    for message in reset_mails(trainee):
        message.created_at = utcnow().replace(microsecond=0) - timedelta(minutes=2)
    db.session.commit()
    ask(client, trainee.email)
    assert len(reset_mails(trainee)) == 2
    for message in reset_mails(trainee):
        message.created_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    assert ask(client, trainee.email).status_code == 303
    assert len(reset_mails(trainee)) == 2  # the hourly limit


def test_two_requests_at_once_send_one_link(app: Flask, trainee: User) -> None:
    email = trainee.email
    for _round in range(ROUNDS):
        statuses = at_once(
            app,
            lambda: app.test_client().post("/forgot-password", data={"email": email}).status_code,
            lambda: app.test_client().post("/forgot-password", data={"email": email}).status_code,
        )
        assert statuses == [303, 303]
        assert len(reset_mails(trainee)) == 1
        for message in reset_mails(trainee):
            db.session.delete(message)
        db.session.commit()


def test_a_logged_in_person_is_sent_home(signed_in: FlaskClient) -> None:
    response = signed_in.get("/forgot-password")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/path"


def test_a_mistyped_address_is_told_at_the_field(client: FlaskClient) -> None:
    response = client.post("/forgot-password", data={"email": "not an address"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert 'value="not an address"' in response.get_data(as_text=True)


def test_managers_still_hand_links_over(app: Flask, trainee: User, manager: User) -> None:
    managing = app.test_client()
    login_as(managing, manager)
    response = managing.post(f"/programme/people/{trainee.id}/reset-link")
    assert response.status_code == 200
    assert 'id="one-time-link"' in response.get_data(as_text=True)
    assert reset_mails() == []  # handed over, not mailed


def test_an_expired_link_page_offers_a_new_one_by_e_mail(client: FlaskClient) -> None:
    page = client.get("/reset/not-a-token").get_data(as_text=True)
    assert 'href="/forgot-password"' in page


@pytest.fixture
def limited(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    built = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    yield built
    make_app(database_url, tmp_path / "reset")  # flask-limiter's Limiter is shared: leave it disabled


def test_the_page_is_rate_limited_like_the_login(limited: Flask) -> None:
    with limited.app_context():
        client = limited.test_client()
        statuses = [
            client.post("/forgot-password", data={"email": f"n{i}@example.org"}).status_code for i in range(4)
        ]
        assert statuses == [303, 303, 303, 429]
        assert client.get("/forgot-password").status_code == 200  # reading the page is not limited
        db.session.remove()
