"""A loan is paid out once per plan version, is audited, and tells the other domains it happened."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale

from tests.factories import disbursed_loan
from workbench import events
from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.services import loans_by_borrower, record_disbursement, schedule_of


def test_a_disbursed_loan_has_its_schedule_from_the_month_after(trainee: User, officer: User) -> None:
    loan = disbursed_loan(trainee, disbursed_on=date(2027, 1, 31), officer=officer)
    schedule = schedule_of(loan)
    assert len(schedule) == 36
    assert schedule[0].due_date == date(2027, 2, 28)  # a month later, clamped to the month's end
    assert sum(row.principal for row in schedule) == Decimal("8000.00")
    event = db.session.query(AuditEvent).filter_by(action="loan.disbursed").one()
    assert (event.object_id, event.actor_id) == (loan.id, officer.id)


def test_a_version_is_financed_once(trainee: User, officer: User) -> None:
    loan = disbursed_loan(trainee, officer=officer)
    with force_locale("en"), pytest.raises(DomainError) as refused:
        record_disbursement(
            loan.plan_version,
            principal=Decimal("8000"),
            annual_rate=Decimal("0.07"),
            term_months=36,
            grace_months=0,
            method="annuity",
            disbursed_on=date(2027, 1, 16),
            disbursement_method="bank_transfer",
            actor=officer,
        )
    assert "already been financed" in refused.value.errors[""]
    db.session.rollback()
    assert [found.id for found in loans_by_borrower([trainee.id])[trainee.id]] == [loan.id]


def test_an_unknown_payout_method_is_refused(trainee: User) -> None:
    loan = disbursed_loan(trainee)
    version = loan.plan_version
    with pytest.raises(DomainError):
        record_disbursement(
            version,
            principal=Decimal("100"),
            annual_rate=Decimal("0.07"),
            term_months=12,
            grace_months=0,
            method="annuity",
            disbursed_on=date(2027, 1, 1),
            disbursement_method="cash in a bag",
            actor=None,
        )


def test_the_disbursement_is_announced_in_the_same_transaction(trainee: User) -> None:
    heard: list[int] = []

    def listener(loan, actor) -> None:
        heard.append(loan.id)

    events.loan_disbursed.connect(listener)
    try:
        loan = disbursed_loan(trainee)
    finally:
        events.loan_disbursed.disconnect(listener)
    assert heard == [loan.id]
