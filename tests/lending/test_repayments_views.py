"""The loan page with payments: who sees what, the officer posts and reverses, the borrower reads their own
loan in their language, and only officers reach the forms."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import disbursed_loan
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.repayment_models import LoanPayment
from workbench.lending.repayments import new_idempotency_key, post_repayment
from workbench.lending.services import schedule_of
from workbench.timeutil import programme_today

pytestmark = pytest.mark.usefixtures("english_readers")


@pytest.fixture
def loan(trainee: User, officer: User) -> Loan:
    return disbursed_loan(trainee, disbursed_on=programme_today() - timedelta(days=100), officer=officer)


def page(client: FlaskClient, loan: Loan) -> str:
    response = client.get(f"/loans/{loan.id}")
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def form_for(loan: Loan, **values: str) -> dict[str, str]:
    data = {
        "paid_on": (programme_today() - timedelta(days=5)).isoformat(),
        "amount": "150,50",
        "reference": "Bonifico rata",
        "idempotency_key": new_idempotency_key(),
    }
    data.update(values)
    return data


def test_the_officer_posts_a_repayment_and_the_page_shows_it(
    client: FlaskClient, loan: Loan, officer: User
) -> None:
    login_as(client, officer)
    assert f'action="/loans/{loan.id}/payments"' in page(client, loan)
    response = client.post(f"/loans/{loan.id}/payments", data=form_for(loan))
    assert response.status_code == 303
    shown = page(client, loan)
    assert "Repayment of €150.50" in shown or "150.50" in shown
    assert "Bonifico rata" in shown
    assert db.session.scalar(select(func.sum(LoanPayment.amount))) == Decimal("150.50")


def test_the_same_form_sent_twice_posts_once_and_says_so(
    client: FlaskClient, loan: Loan, officer: User
) -> None:
    login_as(client, officer)
    data = form_for(loan)
    assert client.post(f"/loans/{loan.id}/payments", data=data).status_code == 303
    again = client.post(f"/loans/{loan.id}/payments", data=data, follow_redirects=True)
    assert "already posted" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == 1


def test_a_possible_duplicate_is_asked_to_be_confirmed(
    client: FlaskClient, loan: Loan, officer: User
) -> None:
    login_as(client, officer)
    assert client.post(f"/loans/{loan.id}/payments", data=form_for(loan)).status_code == 303
    warned = client.post(f"/loans/{loan.id}/payments", data=form_for(loan))
    assert warned.status_code == 422
    assert 'name="confirm_duplicate"' in warned.get_data(as_text=True)
    confirmed = client.post(f"/loans/{loan.id}/payments", data=form_for(loan, confirm_duplicate="y"))
    assert confirmed.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == 2


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"amount": "0"}, "above zero"),
        ({"amount": "1e9"}, "Write the amount in full"),
        ({"amount": "9" * 5000}, "too long"),
        ({"amount": "abc"}, "Enter an amount"),
        ({"amount": "999999"}, "more than the whole loan still asks"),
        ({"paid_on": "2999-01-01"}, "future"),
        ({"paid_on": "2000-01-01"}, "before the loan was paid out"),
        ({"idempotency_key": "x"}, "out of date"),
    ],
)
def test_bad_input_comes_back_with_the_reason_and_posts_nothing(
    client: FlaskClient, loan: Loan, officer: User, values: dict, message: str
) -> None:
    login_as(client, officer)
    response = client.post(f"/loans/{loan.id}/payments", data=form_for(loan, **values))
    assert response.status_code == 422
    assert message in html_lib.unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == 0


def test_the_officer_reverses_a_payment_with_a_reason(client: FlaskClient, loan: Loan, officer: User) -> None:
    payment = post_repayment(
        loan,
        paid_on=programme_today(),
        amount=Decimal("80"),
        reference="R",
        key=new_idempotency_key(),
        actor=officer,
    ).payment
    db.session.commit()
    login_as(client, officer)
    no_reason = client.post(f"/loans/{loan.id}/reversals", data={"payment_id": payment.id, "reason": ""})
    assert no_reason.status_code == 422
    done = client.post(f"/loans/{loan.id}/reversals", data={"payment_id": payment.id, "reason": "Wrong loan"})
    assert done.status_code == 303
    twice = client.post(f"/loans/{loan.id}/reversals", data={"payment_id": payment.id, "reason": "Again"})
    assert twice.status_code == 422
    assert "already reversed" in twice.get_data(as_text=True)
    shown = page(client, loan)
    assert "Reversal: Wrong loan" in shown
    assert "Reversed" in shown


def test_a_payment_of_another_loan_is_not_found(client: FlaskClient, loan: Loan, officer: User) -> None:
    other = disbursed_loan(
        make_person("x@example.org", [Role.TRAINEE]),
        disbursed_on=programme_today() - timedelta(days=10),
        officer=officer,
    )
    payment = post_repayment(
        other,
        paid_on=programme_today(),
        amount=Decimal("80"),
        reference="R",
        key=new_idempotency_key(),
        actor=officer,
    ).payment
    db.session.commit()
    login_as(client, officer)
    response = client.post(f"/loans/{loan.id}/reversals", data={"payment_id": payment.id, "reason": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("person", ["trainee", "mentor", "manager"])
def test_only_officers_post(
    request: pytest.FixtureRequest, client: FlaskClient, loan: Loan, person: str
) -> None:
    login_as(client, request.getfixturevalue(person))
    assert client.post(f"/loans/{loan.id}/payments", data=form_for(loan)).status_code == 403
    assert (
        client.post(f"/loans/{loan.id}/reversals", data={"payment_id": 1, "reason": "x"}).status_code == 403
    )
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == 0


def test_the_borrower_sees_their_payments_and_what_is_due_next_but_no_form(
    client: FlaskClient, loan: Loan, trainee: User, officer: User
) -> None:
    first = schedule_of(loan)[0]
    post_repayment(
        loan,
        paid_on=first.due_date,
        amount=first.total,
        reference="Rata 1",
        key=new_idempotency_key(),
        actor=officer,
    )
    db.session.commit()
    login_as(client, trainee)
    shown = page(client, loan)
    assert "Rata 1" in shown
    assert "Paid so far" in shown
    assert "Next: installment" in shown
    assert "/payments" not in re.sub(r'id="payments"', "", shown)
    assert "Reverse this payment" not in shown
    assert re.search(r"<td>Paid</td>", shown)


def test_the_borrower_reads_it_in_italian(client: FlaskClient, loan: Loan) -> None:
    italian = make_person("it@example.org", [Role.TRAINEE], locale="it")
    mine = disbursed_loan(italian, disbursed_on=programme_today() - timedelta(days=40))
    login_as(client, italian)
    response = client.get(f"/loans/{mine.id}")
    assert response.status_code == 200
    assert 'lang="it"' in response.get_data(as_text=True)


def test_another_trainee_does_not_learn_the_loan_exists(client: FlaskClient, loan: Loan) -> None:
    login_as(client, make_person("y@example.org", [Role.TRAINEE]))
    assert client.get(f"/loans/{loan.id}").status_code == 404


def test_the_monitoring_report_says_what_was_paid_and_what_is_overdue(
    client: FlaskClient, loan: Loan, officer: User
) -> None:
    from flask import url_for

    post_repayment(
        loan,
        paid_on=programme_today(),
        amount=Decimal("10"),
        reference="",
        key=new_idempotency_key(),
        actor=officer,
    )
    db.session.commit()
    login_as(client, officer)
    response = client.get(url_for("mentoring.monitoring_report", loan_id=loan.id))
    text = html_lib.unescape(response.get_data(as_text=True))
    assert "Paid so far: €10.00." in text
    assert "Overdue: €" in text
