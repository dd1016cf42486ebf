"""A person's gender and protection status are sensitive: managers record them on the person's page (gender
may also be given at registration), only managers ever see them, the audit trail says that they changed and
never what they are, a save from a stale page never overwrites another manager's, and a double click or two
managers at once record one change."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.concurrency import ROUNDS, at_once
from tests.support import audit_events, error_fields, login_as, make_person
from workbench.auth.models import User
from workbench.auth.permissions import can_see_sensitive_data
from workbench.auth.profile import profile_digest
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending.services import record_disbursement
from workbench.plans.services import create_plan, submit_plan
from workbench.programme.models import Cohort
from workbench.programme.services import assign_mentor, enrol

pytestmark = pytest.mark.usefixtures("english_readers")


def selected(html: str, name: str) -> str:
    """The value of the option chosen in the select `name` ("" when none is)."""
    select_tag = re.search(rf'<select[^>]*id="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select_tag, f"no select {name}"
    for option in re.findall(r"<option[^>]*>", select_tag.group(1)):
        if " selected" in option:
            return re.search(r'value="([^"]*)"', option).group(1)
    return ""


def details(trainee: User, **changes: str) -> dict[str, str]:
    data = {
        "country": "NG",
        "gender": "female",
        "protection_status": "refugee",
        "seen": profile_digest(trainee),
    }
    data.update(changes)
    return data


@pytest.mark.signed_in("manager")
def test_a_manager_records_the_details_and_the_audit_trail_keeps_no_value(
    signed_in: FlaskClient, trainee: User, manager: User
) -> None:
    page = signed_in.get(f"/programme/people/{trainee.id}").get_data(as_text=True)
    assert 'id="profile-heading"' in page
    assert selected(page, "gender") == ""
    response = signed_in.post(f"/programme/people/{trainee.id}/profile", data=details(trainee))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/programme/people/{trainee.id}#profile-heading")
    db.session.expire_all()
    assert (trainee.country, trainee.gender, trainee.protection_status) == ("NG", "female", "refugee")
    [event] = audit_events("user.profile_changed")
    assert (event.object_id, event.actor_id) == (trainee.id, manager.id)
    assert event.after == {"changed": ["country", "gender", "protection_status"]}
    assert event.before is None
    assert "refugee" not in json.dumps(event.after)
    assert "female" not in json.dumps(event.after)
    page = signed_in.get(f"/programme/people/{trainee.id}").get_data(as_text=True)
    assert (selected(page, "gender"), selected(page, "protection_status")) == ("female", "refugee")
    assert "Details saved." in page


@pytest.mark.signed_in("manager")
def test_the_same_save_twice_records_one_change(signed_in: FlaskClient, trainee: User) -> None:
    data = details(trainee)
    url = f"/programme/people/{trainee.id}/profile"
    assert signed_in.post(url, data=data).status_code == 303
    again = signed_in.post(url, data=data, follow_redirects=True)  # the page it came from, now stale
    assert again.status_code == 200
    assert "Nothing changed." in again.get_data(as_text=True)
    assert len(audit_events("user.profile_changed")) == 1


@pytest.mark.signed_in("manager")
def test_a_save_from_a_stale_page_is_refused_and_what_was_chosen_stays(
    signed_in: FlaskClient, trainee: User, manager: User
) -> None:
    from workbench.auth.services import set_profile

    seen = profile_digest(trainee)
    other = make_person("other.manager@example.org", [Role.MANAGER], "Other Manager")
    set_profile(trainee, country="NG", gender="female", protection_status=None, actor=other)
    db.session.commit()
    url = f"/programme/people/{trainee.id}/profile"
    response = signed_in.post(
        url, data=details(trainee, seen=seen, protection_status="subsidiary_protection")
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone changed the details of Fatou Ndiaye since your page was loaded" in html
    assert selected(html, "protection_status") == "subsidiary_protection"  # what this manager chose
    db.session.expire_all()
    assert trainee.protection_status is None
    fresh = re.search(r'<input[^>]*id="seen"[^>]*value="([0-9a-f]+)"', html).group(1)
    assert fresh == profile_digest(trainee)
    saved = signed_in.post(url, data=details(trainee, seen=fresh, protection_status="subsidiary_protection"))
    assert saved.status_code == 303
    db.session.expire_all()
    assert trainee.protection_status == "subsidiary_protection"


@pytest.mark.signed_in("manager")
def test_an_answer_that_is_not_offered_is_refused_at_its_field(signed_in: FlaskClient, trainee: User) -> None:
    response = signed_in.post(
        f"/programme/people/{trainee.id}/profile",
        data=details(trainee, gender="unknown", protection_status="x" * 5000, country="ZZ"),
    )
    assert response.status_code == 422
    assert error_fields(response.get_data(as_text=True)) == {"gender", "protection_status", "country"}
    db.session.expire_all()
    assert trainee.gender is None
    assert audit_events("user.profile_changed") == []


def test_only_managers_see_the_details(
    client: FlaskClient, trainee: User, mentor: User, officer: User, manager: User
) -> None:
    trainee.gender, trainee.protection_status = "female", "refugee"
    assign_mentor(trainee, mentor, None)
    plan = create_plan(owner=trainee, business_type="food", title="", from_example=True)
    db.session.flush()
    loan = record_disbursement(
        submit_plan(plan, trainee),
        principal=Decimal("5000"),
        annual_rate=Decimal("0.05"),
        term_months=24,
        grace_months=0,
        method="annuity",
        disbursed_on=date(2026, 1, 15),
        disbursement_method="bank_transfer",
        actor=officer,
    )
    db.session.commit()
    assert [can_see_sensitive_data(p) for p in (trainee, mentor, officer, manager)] == [
        False,
        False,
        False,
        True,
    ]
    pages = {
        mentor: [f"/mentees/{trainee.id}", f"/loans/{loan.id}", f"/plans/{plan.id}"],
        officer: [f"/loans/{loan.id}", "/queue"],
        trainee: ["/path", f"/loans/{loan.id}"],
    }
    for person, urls in pages.items():
        login_as(client, person)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            for word in ("Refugee status", "Protection status", "Gender", "Female"):
                assert word not in html, (person.email, url, word)
    login_as(client, manager)
    html = client.get(f"/programme/people/{trainee.id}").get_data(as_text=True)
    assert selected(html, "protection_status") == "refugee"


def test_a_trainee_may_give_their_gender_when_registering(client: FlaskClient, cohort: Cohort) -> None:
    from tests.auth.test_register import form_data

    page = client.get(f"/register?code={cohort.invite_code}").get_data(as_text=True)
    assert 'id="gender"' in page
    refused = client.post("/register", data=form_data(cohort.invite_code, gender="robot"))
    assert "gender" in error_fields(refused.get_data(as_text=True))
    assert client.post("/register", data=form_data(cohort.invite_code, gender="female")).status_code == 302
    awa = db.session.scalars(select(User).where(User.email == "awa.kone@example.org")).one()
    assert (awa.gender, awa.protection_status) == ("female", None)
    [created] = [e for e in audit_events("user.created") if e.object_id == awa.id]
    assert "female" not in json.dumps(created.after)


def test_two_managers_saving_at_once(app: Flask, cohort: Cohort) -> None:
    browsers = []
    for n in range(2):
        manager = make_person(f"manager{n}@example.org", [Role.MANAGER], f"Manager {n}")
        browser = app.test_client()
        login_as(browser, manager)
        browsers.append(browser)
    for round_ in range(ROUNDS):
        trainee = make_person(f"t{round_}@example.org", [Role.TRAINEE], f"Trainee {round_}")
        enrol(trainee, cohort, actor=None)
        db.session.commit()
        url = f"/programme/people/{trainee.id}/profile"
        same = details(trainee)
        # The same details from two managers (or a double click): saved once, one change recorded.
        responses = at_once(app, *(partial(b.post, url, data=same) for b in browsers))
        assert [r.status_code for r in responses] == [303, 303], f"round {round_}"
        changes = [e for e in audit_events("user.profile_changed") if e.object_id == trainee.id]
        assert len(changes) == 1, f"round {round_}"
        # Different details from pages loaded at the same moment: one is saved, the other is told.
        db.session.expire_all()
        seen = profile_digest(trainee)
        choices = ("subsidiary_protection", "special_protection")
        responses = at_once(
            app,
            *(
                partial(b.post, url, data=details(trainee, seen=seen, protection_status=choice))
                for b, choice in zip(browsers, choices, strict=True)
            ),
        )
        statuses = [r.status_code for r in responses]
        assert sorted(statuses) == [303, 409], f"round {round_}: {statuses}"
        db.session.expire_all()
        assert trainee.protection_status == choices[statuses.index(303)]
