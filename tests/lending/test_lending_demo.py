"""`flask seed-demo` gives the demo a small portfolio: loans repaid on time, more than 30 and more than 90
days late, one restructured and one written off through the four eyes; run again, it adds nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from tests.lending.test_repayments import assert_books_balance
from workbench.audit.models import AuditEvent
from workbench.extensions import db
from workbench.lending import loan_decisions
from workbench.lending.decisions_models import Proposal
from workbench.lending.models import Loan
from workbench.lending.position import portfolio_positions, positions_of
from workbench.lending.repayment_models import LoanPayment
from workbench.timeutil import programme_today


@pytest.fixture
def runner(app: Flask, app_context: None) -> FlaskCliRunner:
    return app.test_cli_runner()


def test_the_demo_portfolio_has_on_time_and_late_loans_and_loads_once(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["seed-demo", "--without-relab"])
    assert result.exit_code == 0, result.output
    loans = list(db.session.scalars(select(Loan)))
    assert len(loans) == 6
    today = programme_today()
    positions = positions_of(loans, today)
    restructured = [loan for loan in loans if loan.schedule_version > 1]
    written_off = [loan for loan in loans if loan_decisions.is_written_off(loan)]
    assert len(restructured) == len(written_off) == 1
    assert positions[restructured[0].id].days_past_due == 0  # the new schedule, its first installment paid
    assert positions[restructured[0].id].paid_to_date > 0
    assert portfolio_positions(written_off, today)[written_off[0].id].outstanding_principal == 0
    late = sorted(positions[loan.id].days_past_due for loan in loans if loan not in written_off)
    assert late[0] == 0  # on time
    assert late[1] == 0
    assert late[2] == 0  # restructured
    assert 30 < late[3] <= 90
    assert late[4] > 90
    # both went through four eyes: proposed by one officer, confirmed by another
    proposals = list(db.session.scalars(select(Proposal).where(Proposal.subject_type == "loan")))
    assert len(proposals) == 2
    assert all(p.confirmed and p.decided_by_id != p.proposed_by_id for p in proposals)
    assert_books_balance(loans)
    payments = db.session.scalar(select(func.count()).select_from(LoanPayment))
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    again = runner.invoke(args=["seed-demo", "--without-relab"])
    assert again.exit_code == 0, again.output
    assert "0 repayments added" in again.output
    assert "0 loan_decisions added" in again.output
    assert db.session.scalar(select(func.count()).select_from(LoanPayment)) == payments
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
