"""Demo lending: a small portfolio with repayment histories on time, late by more than 30 days and late by
more than 90 days, for the loan officer's and the mentor's pages to show.

Idempotent: a plan is made only for a trainee who has none, a loan is one per plan version, and each demo
repayment carries a fixed idempotency key, so running it again posts nothing twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.repayments import post_repayment
from workbench.lending.services import record_disbursement, schedule_of
from workbench.plans import services as plans
from workbench.plans.models import BusinessPlan
from workbench.programme.services import current_assignment
from workbench.timeutil import back_in_time, programme_today

#: (index of the demo trainee, business type, days since the payout, principal, months, how they repay).
#: "on_time" pays each installment on its day; "late_30" stopped paying two months ago (more than 30 days
#: past due); "late_90" stopped four months ago (more than 90 days past due).
DEMO_LOANS = (
    (7, "food", 420, "9000", 36, "late_30"),
    (8, "shop", 480, "12000", 36, "late_90"),
    (9, "beauty", 300, "6000", 24, "on_time"),
)
#: How the financed trainee of the mentoring demo (plans.demo's endorsed plan) repays.
MENTORING_LOAN_HISTORY = "on_time"
_STOPPED_DAYS_AGO = {"on_time": 0, "late_30": 60, "late_90": 120}


def _endorsed_version(trainee: User, business_type: str, paid_out_days_ago: int):
    plan = db.session.scalars(
        select(BusinessPlan).where(BusinessPlan.owner_id == trainee.id).order_by(BusinessPlan.id)
    ).first()
    if plan is None:
        assignment = current_assignment(trainee)
        if assignment is None:
            return None
        plan = plans.create_plan(owner=trainee, business_type=business_type, title="", from_example=True)
        db.session.flush()
        with back_in_time(paid_out_days_ago + 40):
            plans.submit_plan(plan, trainee)
        with back_in_time(paid_out_days_ago + 30):
            plans.endorse_plan(plan, assignment.mentor, "Piano solido, pronto per il microcredito.")
    return plan.versions[-1] if plan.versions else None


def _repay(loan: Loan, history: str, officer: User, today: date) -> int:
    """Post the installments the history says were paid, each on its due date; how many were added."""
    stopped = today - timedelta(days=_STOPPED_DAYS_AGO[history])
    added = 0
    for row in schedule_of(loan):
        if row.due_date > stopped or row.due_date > today:
            break
        posted = post_repayment(
            loan,
            paid_on=row.due_date,
            amount=row.total,
            reference=f"Bonifico rata {row.number} WB-{loan.id}",
            key=f"demo-{loan.id}-{row.number}",
            actor=officer,
            today=today,
        )
        added += not posted.already
    return added


def seed_lending(trainees: list[User], officer: User) -> dict[str, int]:
    added = {"demo_loans": 0, "repayments": 0}
    today = programme_today()
    for index, business_type, days_ago, principal, months, history in DEMO_LOANS:
        if index >= len(trainees):
            continue
        version = _endorsed_version(trainees[index], business_type, days_ago)
        if version is None:
            continue
        loan = db.session.scalar(select(Loan).where(Loan.plan_version_id == version.id))
        if loan is None:
            loan = record_disbursement(
                version,
                principal=Decimal(principal),
                annual_rate=Decimal("0.045"),
                term_months=months,
                grace_months=0,
                method="annuity",
                disbursed_on=today - timedelta(days=days_ago),
                disbursement_method="bank_transfer",
                actor=officer,
            )
            added["demo_loans"] += 1
        added["repayments"] += _repay(loan, history, officer, today)
    # The loan of the mentoring demo, repaid on time.
    listed = {loan_index for loan_index, *_ in DEMO_LOANS}
    others = [t.id for i, t in enumerate(trainees) if i not in listed]
    for loan in db.session.scalars(select(Loan).where(Loan.borrower_id.in_(others)).order_by(Loan.id)):
        added["repayments"] += _repay(loan, MENTORING_LOAN_HISTORY, officer, today)
    db.session.flush()
    return added
