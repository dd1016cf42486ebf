"""Trainees register with their cohort's invite code, enrolled, then log in; an e-mail that already has
an account gets the very same answer, and its owner hears about the attempt at their next login."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import PASSWORD, audit_events, error_fields, field_value, login, make_person
from workbench.audit.models import AuditEvent
from workbench.auth.models import AccountNotice, User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.services import close_registration, issue_invite_code
from workbench.web.forms import collation_key

NEW_PASSWORD = "my shop opens in may"


def form_data(code: str, **changes: str) -> dict[str, str]:
    data = {
        "invite_code": code,
        "full_name": "Awa Koné",
        "email": "Awa.Kone@Example.org",
        "phone": "+39 333 123 4567",
        "country": "CI",
        "locale": "fr",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    data.update(changes)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def assert_typed_values_kept(html: str, data: dict[str, str]) -> None:
    assert field_value(html, "invite_code") == data["invite_code"]
    assert field_value(html, "full_name") == data["full_name"]
    assert field_value(html, "email") == data["email"]
    assert field_value(html, "phone") == data["phone"]
    assert re.search(rf'<option[^>]*selected[^>]*value="{data["country"]}"', html) or re.search(
        rf'<option[^>]*value="{data["country"]}"[^>]*selected', html
    )
    # Passwords are never sent back to the browser.
    assert NEW_PASSWORD not in html


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "  {lower}  ", "{a}-{b}", "{a} {b}", "{a_lower}-{b}"])
def test_a_valid_code_in_any_form_creates_an_enrolled_trainee(
    client: FlaskClient, cohort: Cohort, typed: str
) -> None:
    code = cohort.invite_code
    assert code
    typed_code = typed.format(code=code, lower=code.lower(), a=code[:4], b=code[4:], a_lower=code[:4].lower())
    response = client.post("/register", data=form_data(typed_code))
    db.session.expire_all()
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"

    user = db.session.scalars(select(User).where(User.email == "awa.kone@example.org")).one()
    assert user.roles == {Role.TRAINEE}
    assert user.full_name == "Awa Koné"
    assert user.phone == "+39 333 123 4567"
    assert user.country == "CI"
    assert user.locale == "fr"
    enrolment = db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    assert enrolment.cohort_id == cohort.id
    assert enrolment.training_completed_at is None
    # The new trainee logs in with what they chose, and lands on their path.
    assert client.get("/path").status_code == 302
    logged_in = login(client, "awa.kone@example.org", NEW_PASSWORD)
    assert urlsplit(logged_in.headers["Location"]).path == "/path"
    assert client.get("/path").status_code == 200


def test_registration_writes_audit_events(client: FlaskClient, cohort: Cohort) -> None:
    client.post("/register", data=form_data(cohort.invite_code or ""))
    db.session.expire_all()
    user = db.session.scalars(select(User).where(User.email == "awa.kone@example.org")).one()
    enrolment = db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    created = [e for e in events if e.action == "user.created" and e.object_id == user.id]
    enrolled = [e for e in events if e.action == "enrolment.created" and e.object_id == enrolment.id]
    assert len(created) == 1
    assert created[0].object_type == "user"
    assert created[0].after["email"] == "awa.kone@example.org"
    assert created[0].after["roles"] == ["trainee"]
    assert "password" not in str(created[0].after)
    assert len(enrolled) == 1
    assert enrolled[0].actor_id == user.id
    assert enrolled[0].after == {"user_id": user.id, "cohort_id": cohort.id}


def test_the_code_in_the_link_fills_the_form(client: FlaskClient, cohort: Cohort) -> None:
    html = client.get(f"/register?code={cohort.invite_code}").get_data(as_text=True)
    assert field_value(html, "invite_code") == cohort.invite_code


def test_a_wrong_code_keeps_everything_typed_and_creates_nothing(client: FlaskClient, cohort: Cohort) -> None:
    users, events = count(User), count(AuditEvent)
    data = form_data("WRONG-CODE")
    response = client.post("/register", data=data)
    db.session.expire_all()
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_fields(html) == {"invite_code"}
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="invite_code"[^>]*>', html).group(0)
    assert_typed_values_kept(html, data)
    assert count(User) == users
    assert count(Enrolment) == 0
    assert count(AuditEvent) == events
    assert client.get("/path").status_code == 302


def test_the_wrong_code_message_is_in_english_for_an_english_browser(
    client: FlaskClient, cohort: Cohort
) -> None:
    response = client.post(
        "/register", data=form_data("WRONG-CODE", locale="en"), headers={"Accept-Language": "en"}
    )
    db.session.expire_all()
    assert "This invite code is not valid." in response.get_data(as_text=True)


def flash_after(client: FlaskClient, response) -> str:
    """The message the page after a redirect shows."""
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    found = re.search(r'<p class="flash flash-\w+">(.*?)</p>', page.get_data(as_text=True), re.S)
    assert found, "no message on the page"
    return found.group(1).strip()


def test_a_taken_email_gets_the_same_answer_as_a_new_one(
    app, client: FlaskClient, cohort: Cohort, trainee: User
) -> None:
    users = count(User)
    english = {"Accept-Language": "en"}
    new = client.post("/register", data=form_data(cohort.invite_code or ""), headers=english)
    db.session.expire_all()
    taken_by_someone = app.test_client()
    taken = taken_by_someone.post(
        "/register",
        data=form_data(cohort.invite_code or "", email="FATOU.NDIAYE@example.org"),
        headers=english,
    )
    db.session.expire_all()
    assert (taken.status_code, taken.headers["Location"]) == (new.status_code, new.headers["Location"])
    told_new, told_taken = flash_after(client, new), flash_after(taken_by_someone, taken)
    assert told_new == told_taken == "Your account is ready: log in with your e-mail and password."
    assert count(User) == users + 1  # only the new one
    assert count(Enrolment) == 2
    db.session.refresh(trainee)
    assert trainee.full_name == "Fatou Ndiaye"
    assert trainee.password_hash != ""


def test_a_taken_email_costs_a_password_hash_like_a_new_account(
    client: FlaskClient, cohort: Cohort, trainee: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.programme import services

    hashed: list[str] = []
    real = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda password: hashed.append(password) or real(password))
    client.post("/register", data=form_data(cohort.invite_code or "", email=trainee.email))
    assert hashed == [NEW_PASSWORD]


def test_the_owner_of_a_taken_email_is_told_at_their_next_login_once(
    app, client: FlaskClient, cohort: Cohort
) -> None:
    trainee = make_person("amina@example.org", [Role.TRAINEE], locale="en")
    someone = app.test_client()
    someone.post("/register", data=form_data(cohort.invite_code or "", email=trainee.email))
    someone.post("/register", data=form_data(cohort.invite_code or "", email=trainee.email.upper()))
    db.session.expire_all()
    notices = db.session.scalars(select(AccountNotice).where(AccountNotice.user_id == trainee.id)).all()
    assert len(notices) == 1  # one notice however many attempts
    assert [e.object_id for e in audit_events("user.registration_attempted")] == [trainee.id, trainee.id]

    response = client.post("/login", data={"email": trainee.email, "password": PASSWORD})
    db.session.expire_all()
    assert response.status_code == 302
    message = flash_after(client, response)
    assert "Someone tried to register a new account with your e-mail on" in message
    assert db.session.scalars(select(AccountNotice)).one().seen_at is not None
    client.post("/logout")
    again = login(client, trainee.email)
    db.session.expire_all()
    page = client.get(again.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Someone tried to register" not in page


def test_a_taken_email_with_a_wrong_code_is_told_about_the_code_only(
    client: FlaskClient, cohort: Cohort, trainee: User
) -> None:
    data = form_data("WRONG-CODE", email=trainee.email)
    response = client.post("/register", data=data)
    db.session.expire_all()
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_fields(html) == {"invite_code"}
    assert_typed_values_kept(html, data)
    assert count(AccountNotice) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"confirm": "something else entirely"}, "confirm"),
        ({"password": "short", "confirm": "short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"full_name": ""}, "full_name"),
    ],
)
def test_bad_input_is_reported_at_its_field(
    client: FlaskClient, cohort: Cohort, changes: dict[str, str], field: str
) -> None:
    response = client.post("/register", data=form_data(cohort.invite_code or "", **changes))
    db.session.expire_all()
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field in error_fields(html)
    assert field_value(html, "invite_code") == cohort.invite_code
    assert count(User) == 0


def test_a_closed_registration_code_no_longer_works(
    client: FlaskClient, cohort: Cohort, manager: User
) -> None:
    old_code = cohort.invite_code or ""
    close_registration(cohort, manager)
    db.session.commit()
    response = client.post("/register", data=form_data(old_code))
    db.session.expire_all()
    assert response.status_code == 200
    assert error_fields(response.get_data(as_text=True)) == {"invite_code"}
    assert count(User) == 1  # only the manager


def test_a_retired_code_no_longer_works_and_the_new_one_does(
    client: FlaskClient, cohort: Cohort, manager: User
) -> None:
    old_code = cohort.invite_code or ""
    new_code = issue_invite_code(cohort, manager)
    db.session.commit()
    refused = client.post("/register", data=form_data(old_code))
    db.session.expire_all()
    assert error_fields(refused.get_data(as_text=True)) == {"invite_code"}
    accepted = client.post("/register", data=form_data(new_code))
    db.session.expire_all()
    assert accepted.status_code == 302
    assert count(Enrolment) == 1


def test_a_logged_in_person_is_sent_home(client: FlaskClient, cohort: Cohort) -> None:
    client.post("/register", data=form_data(cohort.invite_code or ""))
    db.session.expire_all()
    login(client, "awa.kone@example.org", NEW_PASSWORD)
    db.session.expire_all()
    response = client.get("/register")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/path"


def test_the_country_list_holds_real_countries_sorted_in_the_readers_language(
    client: FlaskClient, cohort: Cohort
) -> None:
    for language, egypt in (("fr", "Égypte"), ("en", "Egypt"), ("ar", "مصر")):
        html = client.get("/register", headers={"Accept-Language": language}).get_data(as_text=True)
        select = re.search(r'<select[^>]*name="country"[^>]*>(.*?)</select>', html, re.S)
        assert select
        options = re.findall(r'<option[^>]*value="(\w*)"[^>]*>([^<]*)</option>', select.group(1))
        codes = [code for code, _name in options]
        for pseudo in ("XA", "XB", "EU", "EZ", "ZZ", "UN", "QO", "AQ"):
            assert pseudo not in codes
        assert {"IT", "SN", "CI", "BD", "NG", "UA", "XK"} <= set(codes)
        names = [html_lib.unescape(name) for code, name in options if code]
        assert names == sorted(names, key=collation_key)
        assert egypt in names
        if language == "fr":  # under E, not after Z as a plain code-point sort puts "É"
            assert names.index("Égypte") < names.index("Espagne") < names.index("Fidji")
