"""The e-mail settings page every logged-in person reaches from the navigation (audited, safe in two tabs),
and the outbox's problems a manager sees from the programme page."""

from __future__ import annotations

import itertools
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import select, update

from tests.concurrency import ROUNDS, at_once
from tests.support import audit_events, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.notifications.models import Frequency, MailPreference, OutboxMessage
from workbench.notifications.outbox import frequency_of, notify


@pytest.mark.parametrize("signed_in", ["trainee", "mentor", "officer", "manager"], indirect=True)
def test_everyone_reaches_the_settings_from_the_navigation(signed_in: FlaskClient) -> None:
    home = signed_in.get("/", follow_redirects=True).get_data(as_text=True)
    nav = re.search(r'<nav class="main-nav".*?</nav>', home, flags=re.S).group(0)
    assert 'href="/settings/e-mail"' in nav
    page = signed_in.get("/settings/e-mail")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="immediate" checked' in html  # the default


def test_a_choice_is_saved_and_audited(signed_in: FlaskClient, trainee: User) -> None:
    response = signed_in.post("/settings/e-mail", data={"frequency": "daily"})
    assert response.status_code == 303
    db.session.expire_all()
    assert frequency_of(trainee) == Frequency.DAILY
    assert 'value="daily" checked' in signed_in.get("/settings/e-mail").get_data(as_text=True)
    [event] = audit_events("user.mail_preference_changed")
    assert (event.object_id, event.actor_id, event.before, event.after) == (
        trainee.id,
        trainee.id,
        {"mail": "immediate"},
        {"mail": "daily"},
    )
    # The same choice again changes nothing and records nothing.
    again = signed_in.post("/settings/e-mail", data={"frequency": "daily"}, follow_redirects=True)
    with force_locale(trainee.locale):
        told = gettext("Nothing changed: this was already your choice.")
    assert str(escape(told)) in again.get_data(as_text=True)
    assert len(audit_events("user.mail_preference_changed")) == 1


@pytest.mark.parametrize("value", ["", "weekly", "9" * 5000])
def test_a_choice_that_is_not_offered_is_refused_at_the_field(
    signed_in: FlaskClient, trainee: User, value: str
) -> None:
    response = signed_in.post("/settings/e-mail", data={"frequency": value})
    assert response.status_code == 422
    assert 'id="frequency-error"' in response.get_data(as_text=True)
    assert db.session.scalars(select(MailPreference)).all() == []


def test_two_tabs_saving_at_once_store_one_choice_and_record_each_change_once(
    app: Flask, trainee: User
) -> None:
    tabs = [app.test_client(), app.test_client()]
    for tab in tabs:
        login_as(tab, trainee)
    for number in range(ROUNDS):
        wanted = ["daily", "none"][number % 2]
        statuses = at_once(
            app,
            lambda tab=tabs[0], wanted=wanted: (
                tab.post("/settings/e-mail", data={"frequency": wanted}).status_code
            ),
            lambda tab=tabs[1], wanted=wanted: (
                tab.post("/settings/e-mail", data={"frequency": wanted}).status_code
            ),
        )
        assert statuses == [303, 303]
        assert db.session.scalars(select(MailPreference.frequency)).all() == [wanted]
        # one event per round: the second of the two found the choice already made
        assert len(audit_events("user.mail_preference_changed")) == number + 1


def test_different_choices_at_once_end_with_one_of_them_and_a_true_history(app: Flask, trainee: User) -> None:
    tabs = [app.test_client(), app.test_client()]
    for tab in tabs:
        login_as(tab, trainee)
    for _round in range(ROUNDS):
        at_once(
            app,
            lambda: tabs[0].post("/settings/e-mail", data={"frequency": "daily"}).status_code,
            lambda: tabs[1].post("/settings/e-mail", data={"frequency": "none"}).status_code,
        )
        [stored] = db.session.scalars(select(MailPreference.frequency)).all()
        history = audit_events("user.mail_preference_changed")
        assert history[-1].after == {"mail": stored}
        assert all(a.after == b.before for a, b in itertools.pairwise(history))


def test_the_settings_need_a_login(client: FlaskClient) -> None:
    response = client.get("/settings/e-mail")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- the outbox's problems ---------------------------------------------------------------------------------


def failed_mail(person: User, error: str) -> OutboxMessage:
    message = notify(
        person, "password_reset", transactional=True, reset_link="https://x.test/r", valid_hours=24
    )
    db.session.flush()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(status="failed", attempts=5, last_error=error)
    )
    db.session.commit()
    return message


@pytest.mark.signed_in("manager")
def test_a_manager_sees_what_could_not_be_sent_and_why(signed_in: FlaskClient, trainee: User) -> None:
    overview = signed_in.get("/programme").get_data(as_text=True)
    assert 'href="/programme/outbox"' in overview
    assert "could not be sent" not in overview
    failed_mail(trainee, "550 5.1.1 <fatou.ndiaye@example.org>: <script>no such user</script>")
    overview = signed_in.get("/programme").get_data(as_text=True)
    assert "1 e-mail could not be sent" in overview
    page = signed_in.get("/programme/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Fatou Ndiaye" in html
    assert "550 5.1.1 &lt;fatou.ndiaye@example.org&gt;: &lt;script&gt;no such user&lt;/script&gt;" in html
    assert "No mail server is configured" in html  # the suite's app has no SMTP_HOST


@pytest.mark.parametrize("signed_in", ["trainee", "mentor", "officer"], indirect=True)
def test_only_managers_see_the_outbox(signed_in: FlaskClient) -> None:
    assert signed_in.get("/programme/outbox").status_code == 403


@pytest.mark.signed_in("manager")
def test_the_outbox_pages_its_problems(signed_in: FlaskClient, app_context: None) -> None:
    person = make_person("many@example.org", [Role.TRAINEE], "Many Failures")
    for number in range(55):
        failed_mail(person, f"error {number}")
    first = signed_in.get("/programme/outbox").get_data(as_text=True)
    assert first.count("Many Failures") == 50
    second = signed_in.get("/programme/outbox?page=2").get_data(as_text=True)
    assert second.count("Many Failures") == 5
