"""The ledger: every movement writes balanced lines; after any sequence of operations (disburse, repay,
reverse, overpay, write off...) debits = credits and loans receivable = the loans' outstanding principal less
what was written off. The trial balance page and the journal's CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.factories import disbursed_loan
from tests.lending.test_repayments import PAYOUT, TODAY, assert_books_balance
from tests.support import login_as
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending import ledger
from workbench.lending.models import Loan
from workbench.lending.repayment_models import LoanPayment
from workbench.lending.repayments import new_idempotency_key, post_repayment, reverse_payment

pytestmark = pytest.mark.usefixtures("english_readers")

operations = st.lists(
    st.one_of(
        st.tuples(st.just("disburse"), st.integers(1_000, 20_000)),
        st.tuples(st.just("repay"), st.integers(0, 5), st.integers(1, 600_000), st.integers(0, 130)),
        st.tuples(st.just("overpay"), st.integers(0, 5)),
        st.tuples(st.just("reverse"), st.integers(0, 20)),
        st.tuples(st.just("write_off"), st.integers(0, 5), st.integers(1, 300_000)),
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_the_books_balance_after_any_sequence_of_operations(trainee: User, officer: User, steps) -> None:
    loans: list[Loan] = list(db.session.scalars(db.select(Loan).order_by(Loan.id)))
    if not loans:
        loans.append(disbursed_loan(trainee, disbursed_on=PAYOUT, officer=officer))
    for step in steps:
        kind = step[0]
        try:
            if kind == "disburse":
                loans.append(
                    disbursed_loan(trainee, disbursed_on=PAYOUT, principal=str(step[1]), officer=officer)
                )
            elif kind == "repay":
                loan = loans[step[1] % len(loans)]
                post_repayment(
                    loan,
                    paid_on=PAYOUT + timedelta(days=step[3]),
                    amount=Decimal(step[2]) / 100,
                    reference="",
                    key=new_idempotency_key(),
                    actor=officer,
                    confirmed_duplicate=True,
                    today=TODAY,
                )
            elif kind == "overpay":
                loan = loans[step[1] % len(loans)]
                post_repayment(
                    loan,
                    paid_on=TODAY,
                    amount=loan.principal * 2,
                    reference="",
                    key=new_idempotency_key(),
                    actor=officer,
                    today=TODAY,
                )
                pytest.fail("an overpayment was accepted")
            elif kind == "reverse":
                rows = list(db.session.scalars(db.select(LoanPayment).order_by(LoanPayment.id)))
                if rows:
                    reverse_payment(rows[step[1] % len(rows)], reason="test", actor=officer, today=TODAY)
            elif kind == "write_off":
                loan = loans[step[1] % len(loans)]
                ledger.post_write_off(loan, Decimal(step[2]) / 100, TODAY, officer)
            db.session.commit()
        except DomainError:
            db.session.rollback()
        assert_books_balance(loans)


def test_every_entry_balances(trainee: User, officer: User) -> None:
    loan = disbursed_loan(trainee, disbursed_on=PAYOUT, officer=officer)
    post_repayment(
        loan, paid_on=TODAY, amount=Decimal("400"), reference="", key="k" * 32, actor=officer, today=TODAY
    )
    db.session.commit()
    for entry in db.session.scalars(db.select(ledger.JournalEntry)):
        assert sum(line.debit for line in entry.lines) == sum(line.credit for line in entry.lines)
    kinds = [
        e.kind for e in db.session.scalars(db.select(ledger.JournalEntry).order_by(ledger.JournalEntry.id))
    ]
    assert kinds == ["disbursement", "repayment"]


@pytest.fixture
def booked(trainee: User, officer: User) -> Loan:
    loan = disbursed_loan(trainee, disbursed_on=PAYOUT, officer=officer)
    payment = post_repayment(
        loan,
        paid_on=TODAY,
        amount=Decimal("300"),
        reference="=HYPERLINK()",
        key="a" * 32,
        actor=officer,
        today=TODAY,
    ).payment
    reverse_payment(payment, reason="Wrong", actor=officer, today=TODAY)
    db.session.commit()
    return loan


def test_trial_balance_page(client: FlaskClient, booked: Loan, manager: User) -> None:
    login_as(client, manager)
    page = client.get("/ledger").get_data(as_text=True)
    assert "Loans receivable" in page
    assert "Interest income" in page
    assert "Loan write-offs" in page
    assert page.count("€8,600.00") == 2  # debits and credits: the 8,000 lent, 300 in and 300 back out


def test_the_journal_as_csv(client: FlaskClient, booked: Loan, officer: User) -> None:
    login_as(client, officer)
    response = client.get("/ledger/journal.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Entry", "Date", "Kind"]
    body = rows[1:]
    assert sum(Decimal(r[6]) for r in body) == sum(Decimal(r[7]) for r in body)
    assert {r[2] for r in body} == {"Disbursement", "Repayment", "Reversal"}


def test_the_journal_as_xlsx_opens_in_openpyxl(client: FlaskClient, booked: Loan, officer: User) -> None:
    login_as(client, officer)
    response = client.get("/ledger/journal.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Entry"
    assert isinstance(rows[1][1], date)  # a real date (openpyxl reads it back as a datetime)
    assert sum(Decimal(str(r[6])) for r in rows[1:]) == sum(Decimal(str(r[7])) for r in rows[1:])
    assert len(rows) == 1 + 2 + 3 + 3


def test_the_trainee_and_the_mentor_do_not_read_the_ledger(
    client: FlaskClient, trainee: User, mentor: User
) -> None:
    for person in (trainee, mentor):
        login_as(client, person)
        assert client.get("/ledger").status_code == 403
        assert client.get("/ledger/journal.xlsx").status_code == 403
