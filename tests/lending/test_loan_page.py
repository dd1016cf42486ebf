"""A loan's record page: the borrower, their mentor, officers and managers see it, nobody else learns that it
exists; it shows the terms, the payout, the schedule with its totals and what is due next, and links from the
mentee's record and the trainee's path lead to it."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from tests.factories import disbursed_loan, make_plan
from tests.mentoring.actuals_support import accompanied, paid_out_months_ago
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.services import (
    due_so_far,
    next_installment,
    record_disbursement,
    schedule_of,
)
from workbench.plans.services import submit_plan
from workbench.timeutil import programme_today
from workbench.web.templating import money


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    return accompanied(trainee, mentor)


@pytest.fixture
def loan(mentee: User) -> Loan:
    return disbursed_loan(mentee, disbursed_on=paid_out_months_ago(2))


def page_of(client: FlaskClient, loan: Loan) -> str:
    response = client.get(f"/loans/{loan.id}")
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def in_locale(language: str, function, *args):
    with force_locale(language):
        return function(*args)


@pytest.mark.parametrize("person", ["mentee", "mentor", "officer", "manager"])
def test_the_borrower_their_mentor_officers_and_managers_see_the_loan(
    request: pytest.FixtureRequest, client: FlaskClient, loan: Loan, person: str
) -> None:
    login_as(client, request.getfixturevalue(person))
    page = page_of(client, loan)
    assert loan.borrower.full_name in page
    assert f"/loans/{loan.id}/actuals" in page
    assert f"/loans/{loan.id}/monitoring-report" in page
    # the services the rules require come from mentoring, loaded in place, a plain link without JavaScript
    assert f'hx-get="/loans/{loan.id}/tutoring"' in page
    assert f'href="/loans/{loan.id}/tutoring"' in page
    fragment = client.get(f"/loans/{loan.id}/tutoring", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'id="loan-tutoring"' in fragment.get_data(as_text=True)


def test_nobody_else_learns_the_loan_exists(client: FlaskClient, loan: Loan) -> None:
    assert client.get(f"/loans/{loan.id}").status_code == 302  # anonymous: the login page
    for email, role in (
        ("other.trainee@example.org", Role.TRAINEE),
        ("other.mentor@example.org", Role.MENTOR),
    ):
        login_as(client, make_person(email, [role]))
        assert client.get(f"/loans/{loan.id}").status_code == 404
        assert client.get(f"/loans/{loan.id + 1}").status_code == 404
        assert client.get("/loans/99999999999999999999").status_code == 404


def test_a_mentor_no_longer_assigned_loses_the_loan(
    client: FlaskClient, loan: Loan, mentee: User, mentor: User, manager: User
) -> None:
    from workbench.programme.services import assign_mentor

    assign_mentor(mentee, make_person("new.mentor@example.org", [Role.MENTOR]), manager)
    db.session.commit()
    login_as(client, mentor)
    assert client.get(f"/loans/{loan.id}").status_code == 404


def test_the_page_shows_the_terms_the_payout_and_the_schedule(
    client: FlaskClient, loan: Loan, mentee: User
) -> None:
    login_as(client, mentee)
    page = page_of(client, loan)
    schedule = schedule_of(loan)
    rows = re.findall(r"<tr class=\"[^\"]*\">\s*<th scope=\"row\">(\d+)</th>", page)
    assert rows == [str(n) for n in range(1, 37)]
    # The totals: the principal lent exactly, the interest of the whole schedule.
    assert in_locale("fr", money, Decimal("8000.00")) in page
    assert in_locale("fr", money, sum(row.interest for row in schedule)) in page
    assert "7%" in page.replace("\u00a0", "").replace("\u202f", "")  # the yearly rate
    due = next_installment(schedule, programme_today())
    assert due is not None
    assert in_locale("fr", money, due.total) in page
    so_far = due_so_far(schedule, programme_today())
    # Paid out on the 10th two months ago: installments fall due on the 10th of last month and of this one.
    assert so_far.count == (2 if programme_today().day >= 10 else 1)
    assert in_locale("fr", money, so_far.amount) in page
    # The version financed, linked for someone who may read the plan.
    assert f"/plans/{loan.plan_version.plan_id}/versions/{loan.plan_version.number}" in page


def test_an_officer_sees_the_version_but_no_link_to_a_plan_they_cannot_open(
    client: FlaskClient, loan: Loan, officer: User
) -> None:
    login_as(client, officer)
    page = page_of(client, loan)
    assert loan.plan_version.title in page
    assert f"/plans/{loan.plan_version.plan_id}/versions/" not in page
    assert client.get(f"/plans/{loan.plan_version.plan_id}/versions/1").status_code == 403


def test_after_the_last_installment_nothing_is_next(trainee: User, client: FlaskClient) -> None:
    loan = disbursed_loan(trainee, disbursed_on=date(2020, 1, 10))
    schedule = schedule_of(loan)
    assert next_installment(schedule, date(2023, 2, 1)) is None
    assert due_so_far(schedule, date(2023, 2, 1)).count == 36
    assert due_so_far(schedule, date(2020, 2, 9)).count == 0
    assert due_so_far(schedule, date(2020, 2, 10)).count == 1  # due on the day counts
    assert next_installment(schedule, date(2020, 2, 10)).number == 1
    login_as(client, trainee)
    page = page_of(client, loan)
    assert in_locale("fr", gettext, "The date of the last installment has passed.") in page


def test_what_people_typed_is_shown_as_text(client: FlaskClient, cohort, mentor: User) -> None:
    from workbench.programme.services import enrol

    borrower = make_person("x@example.org", [Role.TRAINEE], '<script>alert("name")</script>')
    enrol(borrower, cohort, actor=None)
    plan = make_plan(borrower, title="<img src=x onerror=alert(1)>", from_example=True)
    version = submit_plan(plan, borrower)
    loan = record_disbursement(
        version,
        principal=Decimal(5000),
        annual_rate=Decimal("0.05"),
        term_months=24,
        grace_months=3,
        method="equal_principal",
        disbursed_on=paid_out_months_ago(1),
        disbursement_method="cheque",
        actor=None,
    )
    db.session.commit()
    login_as(client, borrower)
    for url in (f"/loans/{loan.id}", f"/loans/{loan.id}/actuals", f"/loans/{loan.id}/monitoring-report"):
        raw = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in raw
        assert "<img src=x" not in raw
        assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in raw
        assert "&lt;img src=x onerror=alert(1)&gt;" in raw


def test_the_mentee_record_and_the_trainees_path_lead_to_the_loan(
    client: FlaskClient, loan: Loan, mentee: User, mentor: User
) -> None:
    login_as(client, mentor)
    record = client.get(f"/mentees/{mentee.id}").get_data(as_text=True)
    assert f'href="/loans/{loan.id}"' in record
    assert f'href="/loans/{loan.id}/actuals"' in record
    login_as(client, mentee)
    path = client.get("/path").get_data(as_text=True)
    assert f'href="/loans/{loan.id}"' in path
    assert f'href="/loans/{loan.id}/actuals"' in path


def test_a_trainee_without_a_loan_sees_no_loan_on_their_path(client: FlaskClient, trainee: User) -> None:
    login_as(client, trainee)
    assert "/loans/" not in client.get("/path").get_data(as_text=True)
