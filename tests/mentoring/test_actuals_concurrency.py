"""Two tabs (or the borrower and their mentor) saving the same month at the same moment: exactly one set of
figures is stored, once, audited once; the other tab gets the conflict with both sets, nothing is lost.

Each race runs real threads, each request with its own session and connection, released together
(tests/concurrency.py), several rounds, each on its own month."""

from __future__ import annotations

from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.concurrency import ROUNDS, at_once
from tests.mentoring.actuals_support import accompanied, loan_of, post_month, shift, this_month
from tests.support import audit_events, login_as
from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.mentoring.actuals_models import MonthlyActual


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    return accompanied(trainee, mentor)


@pytest.fixture
def loan(mentee: User) -> Loan:
    """Paid out long enough ago that every round has a month of its own."""
    return loan_of(mentee, months_ago=ROUNDS + 1)


def browser(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    login_as(client, user)
    return client


def rows_of(loan: Loan, month) -> list[MonthlyActual]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(MonthlyActual).where(MonthlyActual.loan_id == loan.id, MonthlyActual.month == month)
        )
    )


def test_two_tabs_entering_a_new_month_at_once(app: Flask, loan: Loan, mentee: User) -> None:
    tabs = [browser(app, mentee), browser(app, mentee)]
    loan_id = loan.id
    for round_number in range(ROUNDS):
        month = shift(this_month(), -round_number)
        typed = ("1000", "2000")
        statuses = [
            response.status_code
            for response in at_once(
                app,
                *(
                    partial(post_month, tab, loan_id, month, sales, "500", "100")
                    for tab, sales in zip(tabs, typed, strict=True)
                ),
            )
        ]
        assert sorted(statuses) == [303, 409], statuses
        (row,) = rows_of(loan, month)
        winner = typed[statuses.index(303)]
        assert (str(row.sales), row.revision) == (f"{winner}.00", 1)
    assert len(audit_events("monthly_actual.recorded")) == ROUNDS


def test_the_borrower_and_the_mentor_correcting_a_month_at_once(
    app: Flask, loan: Loan, mentee: User, mentor: User
) -> None:
    people = [browser(app, mentee), browser(app, mentor)]
    loan_id = loan.id
    for round_number in range(ROUNDS):
        month = shift(this_month(), -round_number)
        assert post_month(people[0], loan, month, "900", "500", "100").status_code == 303
        typed = ("1100", "1200")
        responses = at_once(
            app,
            *(
                partial(post_month, client, loan_id, month, sales, "500", "100", revision=1)
                for client, sales in zip(people, typed, strict=True)
            ),
        )
        statuses = [response.status_code for response in responses]
        assert sorted(statuses) == [303, 409], statuses
        loser = responses[statuses.index(409)].get_data(as_text=True)
        assert f'value="{typed[statuses.index(409)]}"' in loser  # the loser's figures are still on its page
        (row,) = rows_of(loan, month)
        assert (str(row.sales), row.revision) == (f"{typed[statuses.index(303)]}.00", 2)
    assert len(audit_events("monthly_actual.changed")) == ROUNDS


def test_a_double_click_stores_the_month_once(app: Flask, loan: Loan, mentee: User) -> None:
    tabs = [browser(app, mentee), browser(app, mentee)]
    loan_id = loan.id
    for round_number in range(ROUNDS):
        month = shift(this_month(), -round_number)
        responses = at_once(
            app, *(partial(post_month, tab, loan_id, month, "750", "500", "100") for tab in tabs)
        )
        assert [response.status_code for response in responses] == [303, 303]  # the same figures: no conflict
        assert len(rows_of(loan, month)) == 1
    assert len(audit_events("monthly_actual.recorded")) == ROUNDS
    assert db.session.scalar(select(func.count(MonthlyActual.id))) == ROUNDS
