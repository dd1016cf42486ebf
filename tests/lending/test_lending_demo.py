"""`flask seed-demo` gives the demo a small portfolio: loans repaid on time, more than 30 and more than 90
days late; run again, it posts nothing twice."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from tests.lending.test_repayments import assert_books_balance
from workbench.audit.models import AuditEvent
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.position import positions_of
from workbench.lending.repayment_models import LoanPayment
from workbench.timeutil import programme_today


@pytest.fixture
def runner(app: Flask, app_context: None) -> FlaskCliRunner:
    return app.test_cli_runner()


def test_the_demo_portfolio_has_on_time_and_late_loans_and_loads_once(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["seed-demo", "--without-relab"])
    assert result.exit_code == 0, result.output
    loans = list(db.session.scalars(select(Loan)))
    assert len(loans) == 4
    late = sorted(p.days_past_due for p in positions_of(loans, programme_today()).values())
    assert late[0] == 0  # on time
    assert late[1] == 0
    assert 30 < late[2] <= 90
    assert late[3] > 90
    assert_books_balance(loans)
    payments = db.session.scalar(select(func.count()).select_from(LoanPayment))
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    again = runner.invoke(args=["seed-demo", "--without-relab"])
    assert again.exit_code == 0, again.output
    assert "0 repayments added" in again.output
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == payments
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
