"""The mentor's home: for each mentee, what waits for the mentor and where the mentee stands.

Every fact comes in one query per kind (plans, review states, journey, threads, milestones, loans, sessions),
so the page costs the same number of queries for 3 mentees as for 30. Mentees with something waiting for the
mentor come first: plans to review, then comments to answer, then overdue milestones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workbench.auth.models import User
from workbench.finance.schedule import Installment
from workbench.lending.models import Loan
from workbench.lending.services import loans_by_borrower, next_installment, schedule_of
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
    """A loan as its schedule says: repayments arrive with the lending issue, so nothing here is arrears."""

    loan: Loan
    #: The schedule's next installment; None once the last one's date has passed.
    next_due: Installment | None


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
                loans=[LoanLine(loan, next_installment(schedule, today)) for loan, schedule in schedules],
                last_session=sessions.get(trainee_id),
            )
        )
    return sorted(rows, key=MenteeRow.urgency)
