"""A mentee's record: their mentor and the managers see it, nobody else; it shows plans and loans."""

from __future__ import annotations

import html
from datetime import date

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from tests.factories import disbursed_loan
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme.services import assign_mentor
from workbench.web.templating import day, money


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    return trainee


def test_the_mentor_sees_the_plans_and_the_loan(client: FlaskClient, mentee: User, mentor: User) -> None:
    loan = disbursed_loan(mentee, disbursed_on=date(2027, 3, 1))
    login_as(client, mentor)
    page = client.get(f"/mentees/{mentee.id}").get_data(as_text=True)
    assert mentee.full_name in page
    assert "Fatou&#39;s Kitchen" in page or "Fatou's Kitchen" in page
    assert f'href="/loans/{loan.id}"' in page  # the loan, linked to its record
    with force_locale(mentor.locale):
        terms = gettext(
            "%(amount)s disbursed on %(date)s, over %(months)s months",
            amount=money(loan.principal),
            date=day(loan.disbursed_on),
            months=36,
        )
    assert terms in html.unescape(page)


def test_another_mentor_and_other_trainees_are_refused(client: FlaskClient, mentee: User) -> None:
    stranger = make_person("other.mentor@example.org", [Role.MENTOR])
    login_as(client, stranger)
    assert client.get(f"/mentees/{mentee.id}").status_code == 403
    login_as(client, mentee)
    assert client.get(f"/mentees/{mentee.id}").status_code == 403


def test_only_trainees_have_a_record(client: FlaskClient, mentor: User, manager: User) -> None:
    login_as(client, manager)
    assert client.get(f"/mentees/{mentor.id}").status_code == 404
    assert client.get("/mentees/999999").status_code == 404
