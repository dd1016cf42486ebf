"""What the plan-against-actual tests share: a mentee with a loan paid out two months before this month (so
three months are open: the payout month, the next one and this one), and helpers to post a month."""

from __future__ import annotations

import html as html_lib
from datetime import date
from decimal import Decimal

from flask.testing import FlaskClient

from tests.factories import disbursed_loan
from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.mentoring import plan_actual
from workbench.programme.services import assign_mentor
from workbench.timeutil import programme_today

HTMX = {"HX-Request": "true"}


shift = plan_actual.shift_month


def this_month() -> date:
    return plan_actual.month_start(programme_today())


def paid_out_months_ago(count: int) -> date:
    """The 10th of the month ``count`` months before this one."""
    return plan_actual.shift_month(this_month(), -count).replace(day=10)


def accompanied(trainee: User, mentor: User) -> User:
    """The trainee, with ``mentor`` assigned to them."""
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    return trainee


def loan_of(borrower: User, months_ago: int = 2) -> Loan:
    """A loan on the borrower's example food plan, paid out on the 10th ``months_ago`` months back."""
    return disbursed_loan(borrower, disbursed_on=paid_out_months_ago(months_ago))


def label(month: date) -> str:
    return plan_actual.label(month)


def post_month(
    client: FlaskClient,
    loan: Loan | int,
    month: date,
    sales: str = "1200",
    costs: str = "800",
    cash: str = "400",
    revision: int | str = 0,
    headers: dict[str, str] | None = None,
):
    """Post one month's figures; give the loan's id when the call runs in another thread
    (tests/concurrency.py), where the test's own session must not be touched."""
    loan_id = loan if isinstance(loan, int) else loan.id
    return client.post(
        f"/loans/{loan_id}/actuals",
        data={
            "month": label(month),
            "revision": str(revision),
            "sales": sales,
            "costs": costs,
            "closing_cash": cash,
        },
        headers=headers or {},
    )


def text_of(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def planned(loan: Loan, number: int, row: str) -> Decimal:
    """Plan month ``number``'s value of a row of the loan's version, as stored."""
    return Decimal(loan.plan_version.results["table"][row][number - 1])
