"""Two presses of the same repayment form, two officers reversing the same payment, two officers posting the
same bank statement preview, at the same moment: exactly one effect, a clear answer for the other.

Each race runs real threads, each request with its own session and connection, released together
(tests/concurrency.py), several rounds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.concurrency import ROUNDS, at_once
from tests.factories import disbursed_loan
from tests.lending.test_repayments import assert_books_balance
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending import bank_import
from workbench.lending.models import Loan
from workbench.lending.repayment_models import LoanPayment
from workbench.lending.repayments import new_idempotency_key, post_repayment
from workbench.timeutil import programme_today

pytestmark = pytest.mark.usefixtures("english_readers")


@pytest.fixture
def loan(trainee: User, officer: User) -> Loan:
    return disbursed_loan(trainee, disbursed_on=programme_today() - timedelta(days=60), officer=officer)


def browser(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    login_as(client, user)
    return client


def count(kind: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(LoanPayment).where(LoanPayment.kind == kind))


def test_a_double_click_posts_the_repayment_once(app: Flask, loan: Loan, officer: User) -> None:
    tabs = [browser(app, officer), browser(app, officer)]
    loan_id = loan.id
    for round_number in range(ROUNDS):
        data = {
            "paid_on": programme_today().isoformat(),
            "amount": f"{10 + round_number}",
            "reference": f"R{round_number}",
            "idempotency_key": new_idempotency_key(),
        }
        responses = at_once(
            app, *(partial(tab.post, f"/loans/{loan_id}/payments", data=data) for tab in tabs)
        )
        assert [r.status_code for r in responses] == [303, 303]
        assert count("payment") == round_number + 1
    assert_books_balance([db.session.get(Loan, loan_id)])


def test_two_officers_reversing_the_same_payment_at_once(app: Flask, loan: Loan, officer: User) -> None:
    second = make_person("o2@example.org", [Role.OFFICER])
    people = [browser(app, officer), browser(app, second)]
    loan_id = loan.id
    for round_number in range(ROUNDS):
        payment = post_repayment(
            loan,
            paid_on=programme_today(),
            amount=Decimal("20") + round_number,
            reference="x",
            key=new_idempotency_key(),
            actor=officer,
        ).payment
        db.session.commit()
        payment_id = payment.id
        responses = at_once(
            app,
            *(
                partial(
                    client.post,
                    f"/loans/{loan_id}/reversals",
                    data={"payment_id": payment_id, "reason": "Wrong"},
                )
                for client in people
            ),
        )
        assert sorted(r.status_code for r in responses) == [303, 422]
        loser = responses[[r.status_code for r in responses].index(422)].get_data(as_text=True)
        assert "already reversed" in loser
        assert count("reversal") == round_number + 1
        loan = db.session.get(Loan, loan_id)
    assert_books_balance([loan])


def test_two_officers_posting_the_same_preview_at_once(app: Flask, loan: Loan, officer: User) -> None:
    second = make_person("o3@example.org", [Role.OFFICER])
    people = [browser(app, officer), browser(app, second)]
    for round_number in range(ROUNDS):
        day = programme_today() - timedelta(days=round_number)
        data = f"{day.isoformat()};{30 + round_number},00;WB-{loan.id}\n".encode()
        batch = bank_import.store_preview("s.csv", bank_import.preview(data), officer)
        db.session.commit()
        batch_id = batch.id
        responses = at_once(
            app, *(partial(client.post, f"/bank-imports/{batch_id}/post") for client in people)
        )
        assert [r.status_code for r in responses] == [303, 303]
        assert count("payment") == round_number + 1
