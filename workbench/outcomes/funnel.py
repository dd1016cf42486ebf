"""The programme's funnel: how many people reached each step of the journey, per cohort and overall.

Nothing is stored: every figure is counted from the records the journey leaves (DESIGN.md, "states are derived
from events"), so the funnel is always current. People are counted, not events: a trainee who sent their plan
three times, or applied, was sent back and applied again, counts once at each step.

How each step is reached (a person's records):

1. involved: an enrolment in a cohort; the funnel's population is the people enrolled (filtered below);
2. completed training: the enrolment's training_completed_at;
3. plan drafted: a business plan started (business_plans);
4. plan submitted: a plan version sent for review (plan_versions);
5. plan endorsed: a version a mentor endorsed as ready for credit (review_decisions);
6. applied: a credit application (credit_applications);
7. approved: a four-eyes proposal to approve an application, confirmed by a second person (proposals);
8. loan paid out: a disbursed loan (loans): "financed";
9. repaying on time: a loan paid out on which nothing is late today (days_past_due == 0, after the contract's
   tolerance) and nothing was written off, or that is repaid; a person with several loans, when all of them
   are. A rescheduled loan is read by the schedule in force (workbench.lending.reschedules);
10. repaid: nothing left to repay on any of the person's loans (outstanding principal and overdue both 0). A
   write-off repays nothing: the borrower is "repaid" only once recoveries cover the whole contract.

A person counts at every step up to the furthest one they reached. The journey goes in order, so whoever was
financed also applied, had a plan endorsed, sent and drafted it: the funnel never shows more people at a step
than at the one before, and someone whose earlier record is missing (a training never marked as completed)
still counts there. Steps 9 and 10 are not stored facts but the loan's standing today
(workbench.lending.position): a borrower who falls behind leaves step 9 and is back when they catch up.

Queries: one, grouped by cohort and furthest step, with the steps 1 to 8 as EXISTS tests in SQL; then the
loans of the people financed, their payments and their write-offs (three more) for steps 9 and 10: four in
all, whatever the number of people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, exists, func, select

from workbench.auth.models import User
from workbench.extensions import db
from workbench.finance.money import ZERO
from workbench.lending import ledger
from workbench.lending.application_models import CreditApplication
from workbench.lending.decisions_models import CONFIRMED, Proposal
from workbench.lending.models import Loan
from workbench.lending.position import positions_of
from workbench.plans.models import BusinessPlan, Decision, PlanVersion, ReviewDecision
from workbench.programme.models import Enrolment
from workbench.timeutil import programme_zone

#: The subject type and action of an application's approval (workbench.lending.applications, which these
#: reads need no more of than its two names).
APPLICATION, APPROVE = "credit_application", "approve"
#: The filter value for people who have not given a gender, or whose country of origin is not recorded.
NOT_GIVEN = "none"


@dataclass(frozen=True)
class Step:
    key: str
    label: object
    #: How a person reaches it, as the page explains the figures.
    definition: object


STEPS = (
    Step("involved", _l("Involved"), _l("Enrolled in the cohort.")),
    Step(
        "trained",
        _l("Completed the training"),
        _l("The manager recorded the entrepreneurship training as completed."),
    ),
    Step("plan_drafted", _l("Business plan drafted"), _l("Started a business plan.")),
    Step("plan_submitted", _l("Plan sent for review"), _l("Sent a version of the plan to a mentor.")),
    Step("endorsed", _l("Plan endorsed"), _l("A mentor endorsed a version as ready for credit.")),
    Step("applied", _l("Applied for microcredit"), _l("Sent a credit application on an endorsed plan.")),
    Step("approved", _l("Credit approved"), _l("Two people approved the application (four eyes).")),
    Step("disbursed", _l("Loan paid out"), _l("Financed: the loan was paid out.")),
    Step(
        "repaying",
        _l("Repaying on time"),
        _l(
            "No installment is late today, after the contract's tolerance, and nothing was written off; "
            "repaid loans count too. A rescheduled loan is read by its new schedule."
        ),
    ),
    Step("repaid", _l("Repaid"), _l("Nothing is left to repay.")),
)
STEP_KEYS = tuple(step.key for step in STEPS)
#: Indexes of the steps counted from the loans' standing, not in SQL.
DISBURSED = STEP_KEYS.index("disbursed")
REPAYING = STEP_KEYS.index("repaying")
REPAID = STEP_KEYS.index("repaid")


@dataclass(frozen=True)
class Filters:
    """Who the funnel counts: the people enrolled in `cohort_id` (None: every cohort), between two days
    (enrolment day in the programme's zone, both included), of a gender and a country of origin (NOT_GIVEN:
    those who did not give one; None: anyone)."""

    cohort_id: int | None = None
    enrolled_from: date | None = None
    enrolled_to: date | None = None
    gender: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class StepCount:
    step: Step
    people: int
    #: Share of the people at the step before (None for the first step, or when it has nobody).
    from_previous: Decimal | None
    #: Share of the people involved (None when nobody is).
    from_start: Decimal | None


@dataclass(frozen=True)
class Funnel:
    steps: tuple[StepCount, ...]

    @property
    def involved(self) -> int:
        return self.steps[0].people

    def count(self, key: str) -> int:
        return self.steps[STEP_KEYS.index(key)].people


@dataclass(frozen=True)
class Report:
    """The funnel of the people the filters choose, and the same per cohort they are enrolled in."""

    filters: Filters
    as_of: date
    total: Funnel
    by_cohort: dict[int, Funnel]


def share(part: int, whole: int) -> Decimal | None:
    """part / whole as a fraction with four decimals (28.74 % is 0.2874); None when whole is 0."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def funnel_of(reached: list[int]) -> Funnel:
    """The funnel from how many people reached each step (the same length as STEPS)."""
    steps = []
    for index, (step, people) in enumerate(zip(STEPS, reached, strict=True)):
        previous = share(people, reached[index - 1]) if index else None
        steps.append(StepCount(step, people, previous, share(people, reached[0])))
    return Funnel(tuple(steps))


def _reached(furthest: dict[int, int]) -> list[int]:
    """How many people reached each step, from how many stopped at each (index -> people)."""
    return [sum(n for stop, n in furthest.items() if stop >= index) for index in range(len(STEPS))]


# --- the population ----------------------------------------------------------------------------------------


def day_start(day: date) -> datetime:
    """The first moment of `day` in the programme's zone, in UTC (how enrolled_at is stored)."""
    return datetime.combine(day, time.min, tzinfo=programme_zone()).astimezone(UTC)


def _filtered(query: Select, filters: Filters) -> Select:
    """`query` (over enrolments joined with their users) narrowed to the people the filters choose."""
    if filters.cohort_id is not None:
        query = query.where(Enrolment.cohort_id == filters.cohort_id)
    if filters.enrolled_from is not None:
        query = query.where(Enrolment.enrolled_at >= day_start(filters.enrolled_from))
    if filters.enrolled_to is not None:
        query = query.where(Enrolment.enrolled_at < day_start(filters.enrolled_to + timedelta(days=1)))
    for column, wanted in ((User.gender, filters.gender), (User.country, filters.country)):
        if wanted == NOT_GIVEN:
            query = query.where(column.is_(None))
        elif wanted is not None:
            query = query.where(column == wanted)
    return query


def _furthest_step():
    """The furthest of steps 1 to 8 the enrolled person reached, as an SQL expression (0 = involved)."""
    person = Enrolment.user_id
    owned_plan = BusinessPlan.id == PlanVersion.plan_id
    plan = exists().where(BusinessPlan.owner_id == person)
    sent = exists().where(owned_plan, BusinessPlan.owner_id == person)
    endorsed = exists().where(
        ReviewDecision.version_id == PlanVersion.id,
        owned_plan,
        BusinessPlan.owner_id == person,
        ReviewDecision.decision == Decision.ENDORSED.value,
    )
    applied = exists().where(CreditApplication.applicant_id == person)
    approved = exists().where(
        Proposal.subject_type == APPLICATION,
        Proposal.subject_id == CreditApplication.id,
        CreditApplication.applicant_id == person,
        Proposal.action == APPROVE,
        Proposal.outcome == CONFIRMED,
    )
    financed = exists().where(Loan.borrower_id == person)
    tests = (
        (financed, 7),
        (approved, 6),
        (applied, 5),
        (endorsed, 4),
        (sent, 3),
        (plan, 2),
        (Enrolment.training_completed_at.is_not(None), 1),
    )
    return case(*tests, else_=0)


def _people_query(filters: Filters) -> Select:
    furthest = _furthest_step().label("furthest")
    people = _filtered(
        select(Enrolment.cohort_id.label("cohort_id"), furthest).join(User, User.id == Enrolment.user_id),
        filters,
    ).subquery()
    return select(people.c.cohort_id, people.c.furthest, func.count()).group_by(
        people.c.cohort_id, people.c.furthest
    )


def _standing_of_borrowers(filters: Filters, as_of: date) -> dict[int, tuple[int, int]]:
    """For each borrower the filters choose: (their cohort, the furthest of steps 8 to 10 they stand at)."""
    query = _filtered(
        select(Loan, Enrolment.cohort_id)
        .join(Enrolment, Enrolment.user_id == Loan.borrower_id)
        .join(User, User.id == Enrolment.user_id),
        filters,
    ).order_by(Loan.id)
    rows = db.session.execute(query).all()
    positions = positions_of((loan for loan, _cohort in rows), as_of)
    written_off = ledger.written_off(loan.id for loan, _cohort in rows)
    borrowers: dict[int, tuple[int, list]] = {}
    for loan, cohort_id in rows:
        held = (positions[loan.id], written_off[loan.id] > ZERO)
        borrowers.setdefault(loan.borrower_id, (cohort_id, []))[1].append(held)
    standing = {}
    for borrower_id, (cohort_id, held) in borrowers.items():
        if all(p.outstanding_principal <= ZERO and p.overdue_amount <= ZERO for p, _off in held):
            stop = REPAID
        elif all(p.days_past_due == 0 and not off for p, off in held):
            stop = REPAYING
        else:
            stop = DISBURSED
        standing[borrower_id] = (cohort_id, stop)
    return standing


def funnel_report(filters: Filters, as_of: date) -> Report:
    """The funnel of the people the filters choose, overall and per cohort, on the day `as_of`."""
    stops: dict[int, dict[int, int]] = {}  # cohort -> furthest step -> people
    for cohort_id, furthest, people in db.session.execute(_people_query(filters)):
        stops.setdefault(cohort_id, {})[furthest] = people
    # Every borrower stopped at step 8 in SQL; their loans' standing today moves them on to 9 or 10.
    for cohort_id, stop in _standing_of_borrowers(filters, as_of).values():
        counts = stops.get(cohort_id, {})
        # (A loan paid out between the two reads, on PostgreSQL's read committed, waits for the next page.)
        if stop != DISBURSED and counts.get(DISBURSED, 0) > 0:
            counts[DISBURSED] -= 1
            counts[stop] = counts.get(stop, 0) + 1
    overall: dict[int, int] = {}
    for counts in stops.values():
        for stop, people in counts.items():
            overall[stop] = overall.get(stop, 0) + people
    return Report(
        filters=filters,
        as_of=as_of,
        total=funnel_of(_reached(overall)),
        by_cohort={cohort_id: funnel_of(_reached(counts)) for cohort_id, counts in stops.items()},
    )
