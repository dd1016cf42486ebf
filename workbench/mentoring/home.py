"""The mentor's home: for each mentee, what waits for the mentor and where the mentee stands.

Every fact comes in one query per kind (plans, review states, journey, threads, milestones, loans, sessions),
so the page costs the same number of queries for 3 mentees as for 30. Mentees with something waiting for the
mentor come first: plans to review, then comments to answer, then overdue milestones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workbench.auth.models import User
from workbench.finance.portfolio import LoanPosition
from workbench.finance.schedule import Installment
from workbench.lending.models import Loan
from workbench.lending.position import PAID, installment_states, positions_of
from workbench.lending.services import loans_by_borrower, schedule_of
from workbench.mentoring.comments import Waiting, waiting_by_trainee
from workbench.mentoring.milestones import overdue_counts
from workbench.mentoring.models import TutoringSession
from workbench.mentoring.sessions import last_sessions
from workbench.plans.models import BusinessPlan
from workbench.plans.review import ReviewStatus, review_statuses
from workbench.plans.services import journey_facts, plans_of
from workbench.programme.journey import PathStep, trainee_path
from workbench.programme.models import Enrolment, MentorAssignment
from workbench.programme.services import cohorts_by_trainee, mentees_of
from workbench.timeutil import programme_today


@dataclass(frozen=True)
class LoanLine:
    """A loan and where it stands today (computed from the payments that stand)."""

    loan: Loan
    #: The first installment not fully paid that falls due today or later; None when there is none.
    next_due: Installment | None
    position: LoanPosition


@dataclass(frozen=True)
class MenteeRow:
    assignment: MentorAssignment
    enrolment: Enrolment | None
    next: PathStep | None
    plans: list[tuple[BusinessPlan, ReviewStatus]]
    comments: Waiting
    overdue: int
    loans: list[LoanLine]
    last_session: TutoringSession | None

    @property
    def to_review(self) -> list[BusinessPlan]:
        return [plan for plan, status in self.plans if status.waiting]

    @property
    def needs_mentor(self) -> bool:
        return bool(self.to_review or self.comments.for_mentor or self.overdue)

    def urgency(self) -> tuple[int, int, int]:
        return (-len(self.to_review), -self.comments.for_mentor, -self.overdue)


def mentee_rows(mentor: User, today: date | None = None) -> list[MenteeRow]:
    """The mentor's current mentees, what needs the mentor first (by name within the same urgency)."""
    assignments = mentees_of(mentor)
    ids = [a.trainee_id for a in assignments]
    if not ids:
        return []
    today = today or programme_today()
    enrolments = cohorts_by_trainee(ids)
    plans = plans_of(ids, answers=False)
    facts = journey_facts(ids, plans)
    statuses = review_statuses(plan.id for owned in plans.values() for plan in owned)
    waiting = waiting_by_trainee(ids)
    overdue = overdue_counts(ids)
    loans = loans_by_borrower(ids)
    sessions = last_sessions(ids)
    positions = positions_of((loan for owned in loans.values() for loan in owned), today)
    rows = []
    for assignment in assignments:
        trainee_id = assignment.trainee_id
        enrolment = enrolments.get(trainee_id)
        path = trainee_path(enrolment, facts[trainee_id])
        schedules = [(loan, schedule_of(loan)) for loan in loans[trainee_id]]
        rows.append(
            MenteeRow(
                assignment=assignment,
                enrolment=enrolment,
                next=next((step for step in path if step.state == "next"), None),
                plans=[(plan, statuses[plan.id]) for plan in plans.get(trainee_id, [])],
                comments=waiting[trainee_id],
                overdue=overdue[trainee_id],
                loans=[
                    LoanLine(loan, _next_unpaid(schedule, positions[loan.id], today), positions[loan.id])
                    for loan, schedule in schedules
                ],
                last_session=sessions.get(trainee_id),
            )
        )
    return sorted(rows, key=MenteeRow.urgency)


def _next_unpaid(
    schedule: tuple[Installment, ...], position: LoanPosition, today: date
) -> Installment | None:
    """The first installment due today or later that the payments do not fully cover."""
    states = installment_states(schedule, position.paid_to_date, today)
    return next((s.installment for s in states if s.state != PAID and s.installment.due_date >= today), None)
