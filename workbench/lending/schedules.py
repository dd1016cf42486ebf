"""Writing a loan's schedule as rows (installment_models.LoanInstallment), for the portfolio's SQL figures.

``store_schedule(loan)`` copies ``schedule_of(loan)`` as the version in force: at the payout (version 1)
and after a confirmed reschedule (lending/loan_decisions.py). The rows are the finance core's figures, not a
second computation; a test holds the portfolio's SQL figures to the finance core's positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import insert

from workbench.extensions import db
from workbench.finance.money import ZERO
from workbench.finance.schedule import Installment
from workbench.lending.installment_models import LoanInstallment
from workbench.lending.models import Loan


def installment_rows(
    loan_id: int, version: int, schedule: Sequence[Installment], tolerance_days: int
) -> list[dict[str, object]]:
    """The rows of one version of a schedule (dated installments only)."""
    rows: list[dict[str, object]] = []
    before = ZERO
    for row in schedule:
        assert row.due_date is not None, "a loan's schedule is dated"
        rows.append(
            {
                "loan_id": loan_id,
                "version": version,
                "number": row.number,
                "due_on": row.due_date,
                "principal": row.principal,
                "interest": row.interest,
                "total": row.total,
                "balance": row.balance,
                "due_before": before,
                "late_after": row.due_date + timedelta(days=tolerance_days),
            }
        )
        before += row.total
    return rows


def store_schedule(loan: Loan) -> int:
    """Write the loan's schedule in force as rows of its version (``Loan.schedule_version``: 1 at the
    payout, the reschedule's after one); the version written. Once per version: the unique key refuses a
    second copy."""
    from workbench.lending.services import schedule_of  # services writes the payout's schedule through here

    version = loan.schedule_version or 1
    rows = installment_rows(loan.id, version, schedule_of(loan), loan.late_tolerance_days or 0)
    db.session.execute(insert(LoanInstallment), rows)
    return version
