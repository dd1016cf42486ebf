"""Reading the review: a plan's state derived from its versions and the decisions on them, the notes the
trainee gets back, and the plans waiting for someone to review them. State changes are in services.py.

The state is never stored: no versions -> draft; the latest version sent back -> changes requested; the
latest version without a decision -> submitted (version 1) or resubmitted (later versions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from workbench.auth.models import User
from workbench.extensions import db
from workbench.plans.models import BusinessPlan, Decision, PlanVersion, ReviewDecision, ReviewState
from workbench.programme.models import MentorAssignment

#: The states in which the latest version waits for a reviewer.
WAITING = frozenset({ReviewState.SUBMITTED, ReviewState.RESUBMITTED})


@dataclass(frozen=True)
class ReviewStatus:
    """Where one plan stands: its state and the number of its latest version (None: never sent)."""

    state: ReviewState
    version: int | None = None

    @property
    def waiting(self) -> bool:
        return self.state in WAITING


DRAFT = ReviewStatus(ReviewState.DRAFT)


def derive(number: int | None, decision: ReviewDecision | None) -> ReviewStatus:
    """The state from the latest version's number and the decision on it, if any."""
    if number is None:
        return DRAFT
    if decision is not None and decision.decision == Decision.CHANGES_REQUESTED:
        return ReviewStatus(ReviewState.CHANGES_REQUESTED, number)
    return ReviewStatus(ReviewState.SUBMITTED if number == 1 else ReviewState.RESUBMITTED, number)


def _latest_versions(plan_ids: list[int] | None = None) -> Select:
    """Each plan's latest version (of `plan_ids`, or of every plan): plan id, version id, number, sent at."""
    numbers = select(PlanVersion.plan_id, func.max(PlanVersion.number).label("number"))
    if plan_ids is not None:
        numbers = numbers.where(PlanVersion.plan_id.in_(plan_ids))
    latest = numbers.group_by(PlanVersion.plan_id).subquery()
    return select(PlanVersion.plan_id, PlanVersion.id, PlanVersion.number, PlanVersion.submitted_at).join(
        latest, (latest.c.plan_id == PlanVersion.plan_id) & (latest.c.number == PlanVersion.number)
    )


def review_statuses(plan_ids: Iterable[int]) -> dict[int, ReviewStatus]:
    """Each plan's review status, in one query whatever the number of plans (lists of plans)."""
    ids = list(plan_ids)
    statuses = dict.fromkeys(ids, DRAFT)
    if not ids:
        return statuses
    latest = _latest_versions(ids).subquery()
    rows = db.session.execute(
        select(latest, ReviewDecision).outerjoin(ReviewDecision, ReviewDecision.version_id == latest.c.id)
    ).all()
    for row in rows:
        statuses[row.plan_id] = derive(row.number, row.ReviewDecision)
    return statuses


def review_status(plan: BusinessPlan) -> ReviewStatus:
    return review_statuses([plan.id])[plan.id]


def review_state(plan: BusinessPlan) -> ReviewState:
    return review_status(plan).state


def notes_of(plan: BusinessPlan) -> list[ReviewDecision]:
    """Every decision on the plan's versions with what the reviewer wrote, the latest first."""
    return list(
        db.session.scalars(
            select(ReviewDecision)
            .join(PlanVersion, PlanVersion.id == ReviewDecision.version_id)
            .where(PlanVersion.plan_id == plan.id)
            .options(selectinload(ReviewDecision.reviewer), selectinload(ReviewDecision.version))
            .order_by(PlanVersion.number.desc())
        )
    )


def open_note(plan: BusinessPlan) -> ReviewDecision | None:
    """The note the trainee is working on: the decision on the latest version, when it was sent back."""
    status = review_status(plan)
    if status.state != ReviewState.CHANGES_REQUESTED:
        return None
    return db.session.scalar(
        select(ReviewDecision)
        .join(PlanVersion, PlanVersion.id == ReviewDecision.version_id)
        .where(PlanVersion.plan_id == plan.id, PlanVersion.number == status.version)
        .options(selectinload(ReviewDecision.reviewer), selectinload(ReviewDecision.version))
    )


@dataclass(frozen=True)
class WaitingPlan:
    plan: BusinessPlan
    owner: User
    version: int
    since: datetime


def waiting_for_a_mentor() -> list[WaitingPlan]:
    """Plans whose latest version waits for review while their owner has no mentor, the longest waiting
    first: the programme's manager assigns one."""
    latest = _latest_versions().subquery()
    has_mentor = (
        select(MentorAssignment.id)
        .where(MentorAssignment.trainee_id == BusinessPlan.owner_id, MentorAssignment.ended_at.is_(None))
        .exists()
    )
    decided = select(ReviewDecision.id).where(ReviewDecision.version_id == latest.c.id).exists()
    query = (
        select(BusinessPlan, latest.c.number, latest.c.submitted_at)
        .join(latest, latest.c.plan_id == BusinessPlan.id)
        .where(~decided, ~has_mentor)
        .options(selectinload(BusinessPlan.owner))
        .order_by(latest.c.submitted_at, BusinessPlan.id)
    )
    return [WaitingPlan(plan, plan.owner, number, since) for plan, number, since in db.session.execute(query)]


def _latest_of_owners(owners) -> Select:
    """The latest version of each plan owned by one of `owners` (ids, or a select of ids): plan id, version
    id, number, sent at. Counted on every page for the inbox, so only those owners' versions are read."""
    numbers = (
        select(PlanVersion.plan_id, func.max(PlanVersion.number).label("number"))
        .join(BusinessPlan, BusinessPlan.id == PlanVersion.plan_id)
        .where(BusinessPlan.owner_id.in_(owners))
        .group_by(PlanVersion.plan_id)
        .subquery()
    )
    return select(PlanVersion.plan_id, PlanVersion.id, PlanVersion.number, PlanVersion.submitted_at).join(
        numbers, (numbers.c.plan_id == PlanVersion.plan_id) & (numbers.c.number == PlanVersion.number)
    )


def _waiting_for(mentor_id: int) -> Select:
    """Plans of the mentor's current mentees whose latest version has no decision yet: the plan, the
    version's number and when it was sent, the longest waiting first."""
    mentees = select(MentorAssignment.trainee_id).where(
        MentorAssignment.mentor_id == mentor_id, MentorAssignment.ended_at.is_(None)
    )
    latest = _latest_of_owners(mentees).subquery()
    decided = select(ReviewDecision.id).where(ReviewDecision.version_id == latest.c.id).exists()
    return (
        select(BusinessPlan, latest.c.number, latest.c.submitted_at)
        .join(latest, latest.c.plan_id == BusinessPlan.id)
        .where(~decided)
        .order_by(latest.c.submitted_at, BusinessPlan.id)
    )


def waiting_for_mentor(mentor: User) -> list[WaitingPlan]:
    """The plans waiting for this mentor's review (their mentees' latest versions without a decision)."""
    query = _waiting_for(mentor.id).options(selectinload(BusinessPlan.owner))
    return [WaitingPlan(plan, plan.owner, number, since) for plan, number, since in db.session.execute(query)]


def count_waiting_for_mentor(mentor_id: int):
    """How many plans wait for the mentor's review, as a scalar subquery, so a page's counts can be read in
    one statement."""
    ids = _waiting_for(mentor_id).with_only_columns(BusinessPlan.id).order_by(None)
    return select(func.count()).select_from(ids.subquery()).scalar_subquery()


def _sent_back_to(owner_id: int) -> Select:
    """The owner's plans whose latest version was sent back with a note: the plan, the version's number and
    when the note was written, the oldest note first."""
    latest = _latest_of_owners([owner_id]).subquery()
    return (
        select(BusinessPlan, latest.c.number, ReviewDecision.decided_at)
        .join(latest, latest.c.plan_id == BusinessPlan.id)
        .join(ReviewDecision, ReviewDecision.version_id == latest.c.id)
        .where(ReviewDecision.decision == Decision.CHANGES_REQUESTED)
        .order_by(ReviewDecision.decided_at, BusinessPlan.id)
    )


def sent_back_to(owner: User) -> list[WaitingPlan]:
    """The owner's plans sent back with a note and not sent again yet: what they are asked to work on."""
    query = _sent_back_to(owner.id).options(selectinload(BusinessPlan.owner))
    return [WaitingPlan(plan, plan.owner, number, since) for plan, number, since in db.session.execute(query)]


def count_sent_back_to(owner_id: int):
    """How many of the owner's plans were sent back and not sent again, as a scalar subquery."""
    ids = _sent_back_to(owner_id).with_only_columns(BusinessPlan.id).order_by(None)
    return select(func.count()).select_from(ids.subquery()).scalar_subquery()
