"""Demo lending: a small portfolio with repayment histories on time, late by more than 30 days and late by
more than 90 days, a loan restructured after months of arrears and a loan written off, for the loan officer's
and the mentor's pages to show.

The restructured and the written-off loans went through the four eyes (loan_decisions.py): one officer
proposed, the other confirmed, some weeks ago; the restructured borrower paid the first installment of the new
schedule, and the written-off one paid a little since (a recovery).

Idempotent: a plan is made only for a trainee who has none, a loan is one per plan version, a loan is
rescheduled or written off only when it never was (and nothing waits on it), and each demo repayment carries
a fixed idempotency key, so running it again posts nothing twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending import decisions, loan_decisions
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
#: "restructured" stopped paying five months ago, was rescheduled 40 days ago and paid the new schedule's
#: first installment; "written_off" stopped ten months ago and was written off 20 days ago.
DEMO_LOANS = (
    (7, "food", 420, "9000", 36, "late_30"),
    (8, "shop", 480, "12000", 36, "late_90"),
    (9, "beauty", 300, "6000", 24, "on_time"),
    (12, "cleaning", 330, "7000", 36, "restructured"),
    (13, "delivery", 540, "5000", 24, "written_off"),
)
#: How the financed trainee of the mentoring demo (plans.demo's endorsed plan) repays.
MENTORING_LOAN_HISTORY = "on_time"
_STOPPED_DAYS_AGO = {"on_time": 0, "late_30": 60, "late_90": 120, "restructured": 150, "written_off": 300}
#: The reschedule: proposed and confirmed that many days ago, its first installment 30 days after.
RESCHEDULED_DAYS_AGO = 40
RESCHEDULE = {"annual_rate": Decimal("0.045"), "term_months": 30, "grace_months": 1, "method": "annuity"}
#: The write-off: proposed and confirmed that many days ago; a recovery paid since.
WRITTEN_OFF_DAYS_AGO = 20
RECOVERY = Decimal("150.00")


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


def _restructure(loan: Loan, officer: User, checker: User, today: date) -> tuple[int, int]:
    """Reschedule the loan (once, through the four eyes), then pay the new installments due by now; how
    many decisions and repayments were added."""
    decided = paid = 0
    if loan.schedule_version == 1 and decisions.pending_proposal(loan_decisions.SUBJECT, loan.id) is None:
        with back_in_time(RESCHEDULED_DAYS_AGO + 5):
            proposal = loan_decisions.propose_reschedule(
                loan,
                officer,
                **RESCHEDULE,
                first_due_on=today - timedelta(days=RESCHEDULED_DAYS_AGO - 30),
                note="Tre mesi di malattia: chiede rate più basse, l'attività riparte a settembre.",
            )
        with back_in_time(RESCHEDULED_DAYS_AGO):
            decisions.confirm(proposal, checker)
        decided += 1
    effective_on = loan.reschedules[-1].effective_on  # type: ignore[attr-defined]
    for row in schedule_of(loan):
        if row.due_date <= effective_on:
            continue
        if row.due_date > today:
            break
        posted = post_repayment(
            loan,
            paid_on=row.due_date,
            amount=row.total,
            reference=f"Bonifico rata {row.number} WB-{loan.id}",
            key=f"demo-{loan.id}-v{loan.schedule_version}-{row.number}",
            actor=officer,
            today=today,
        )
        paid += not posted.already
    return decided, paid


def _write_off(loan: Loan, officer: User, checker: User, today: date) -> tuple[int, int]:
    """Write off all that is owed (once, through the four eyes), then a small recovery; how many decisions
    and repayments were added."""
    decided = 0
    pending = decisions.pending_proposal(loan_decisions.SUBJECT, loan.id)
    if not loan_decisions.is_written_off(loan) and pending is None:
        with back_in_time(WRITTEN_OFF_DAYS_AGO + 5):
            proposal = loan_decisions.propose_write_off(
                loan,
                officer,
                amount=None,
                written_off_on=programme_today(),  # the day it was proposed
                note="Attività chiusa da sei mesi, nessun contatto: recupero improbabile.",
            )
        with back_in_time(WRITTEN_OFF_DAYS_AGO):
            decisions.confirm(proposal, checker)
        decided += 1
    posted = post_repayment(
        loan,
        paid_on=today - timedelta(days=5),
        amount=RECOVERY,
        reference=f"Versamento WB-{loan.id}",
        key=f"demo-{loan.id}-recovery",
        actor=officer,
        today=today,
    )
    return decided, int(not posted.already)


def seed_lending(trainees: list[User], officer: User, checker: User) -> dict[str, int]:
    """The demo portfolio; `officer` posts the repayments and proposes, `checker` confirms."""
    added = {"demo_loans": 0, "repayments": 0, "loan_decisions": 0}
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
        if history in ("restructured", "written_off"):
            decide = _restructure if history == "restructured" else _write_off
            decided, paid = decide(loan, officer, checker, today)
            added["loan_decisions"] += decided
            added["repayments"] += paid
    # The loan of the mentoring demo, repaid on time.
    listed = {loan_index for loan_index, *_ in DEMO_LOANS}
    others = [t.id for i, t in enumerate(trainees) if i not in listed]
    for loan in db.session.scalars(select(Loan).where(Loan.borrower_id.in_(others)).order_by(Loan.id)):
        added["repayments"] += _repay(loan, MENTORING_LOAN_HISTORY, officer, today)
    db.session.flush()
    return added
