"""Country of origin, gender and protection status are seen by managers only: the mentor's mentee page, the
officer's loan and application pages never show them, and the manager's pages show them only while the
predicate (auth.permissions.can_see_sensitive_data) holds."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from tests.privacy.privacy_support import person_everywhere, staff
from tests.support import login_as
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.programme.models import Enrolment

SENEGAL = b"Senegal"


@pytest.fixture
def world(app_context):
    people = staff()
    someone = person_everywhere(people, with_loan=True)
    return people, someone


def _pages(app: Flask, someone) -> dict[str, str]:
    loan = db.session.get(Loan, someone.loan_id)
    enrolment = db.session.scalars(db.select(Enrolment).where(Enrolment.user_id == someone.id)).one()
    with app.test_request_context():
        return {
            "mentee": url_for("mentoring.mentee", user_id=someone.id),
            "loan": url_for("lending.loan", loan_id=loan.id),
            "application": url_for("lending.application", application_id=loan.application_id)
            if loan.application_id
            else url_for("lending.loan", loan_id=loan.id),
            "person": url_for("programme.person", user_id=someone.id),
            "cohort": url_for("programme.cohort", cohort_id=enrolment.cohort_id),
        }


def test_mentors_and_officers_never_see_the_country(app: Flask, client, world) -> None:
    people, someone = world
    pages = _pages(app, someone)
    login_as(client, people["mentor"])
    page = client.get(pages["mentee"])
    assert page.status_code == 200
    assert SENEGAL not in page.data
    login_as(client, people["officer"])
    for name in ("loan", "application"):
        page = client.get(pages[name])
        assert page.status_code == 200, name
        assert SENEGAL not in page.data, name


def test_the_manager_pages_show_the_country_only_while_the_predicate_holds(
    app: Flask, client, world, monkeypatch
) -> None:
    people, someone = world
    pages = _pages(app, someone)
    login_as(client, people["manager"])
    for name in ("person", "cohort"):
        assert SENEGAL in client.get(pages[name]).data, name
    monkeypatch.setitem(app.jinja_env.globals, "can_see_sensitive_data", lambda user: False)
    for name in ("person", "cohort"):
        page = client.get(pages[name])
        assert page.status_code == 200
        assert SENEGAL not in page.data, name
        assert b'name="protection_status"' not in page.data
