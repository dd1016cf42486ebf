"""Reading the review: a plan's state derived from its versions and the decisions on them, the notes the
trainee gets back, and the plans waiting for someone to review them. State changes are in services.py.

The state is never stored: no versions -> draft; the latest version sent back -> changes requested; the
latest version endorsed as ready for credit -> endorsed; the latest version without a decision -> submitted
(version 1) or resubmitted (later versions). A decision stays on its version: an endorsed plan changed and
sent again waits for review again, and the earlier endorsement stays on the earlier version.
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
#: The states in which the latest version carries a decision.
DECIDED = frozenset({ReviewState.CHANGES_REQUESTED, ReviewState.ENDORSED})


@dataclass(frozen=True)
class ReviewStatus:
    """Where one plan stands: its state and the number of its latest version (None: never sent)."""

    state: ReviewState
    version: int | None = None

    @property
    def waiting(self) -> bool:
        return self.state in WAITING

    @property
    def endorsed(self) -> bool:
        return self.state == ReviewState.ENDORSED


DRAFT = ReviewStatus(ReviewState.DRAFT)


def derive(number: int | None, decision: ReviewDecision | None) -> ReviewStatus:
    """The state from the latest version's number and the decision on it, if any."""
    if number is None:
        return DRAFT
    if decision is not None and decision.decision == Decision.CHANGES_REQUESTED:
        return ReviewStatus(ReviewState.CHANGES_REQUESTED, number)
    if decision is not None and decision.decision == Decision.ENDORSED:
        return ReviewStatus(ReviewState.ENDORSED, number)
    return ReviewStatus(ReviewState.SUBMITTED if number == 1 else ReviewState.RESUBMITTED, number)


def _latest_versions(plan_ids: list[int] | Select | None = None) -> Select:
    """Each plan's latest version (of `plan_ids`, a list or a query of ids, or of every plan): plan id,
    version id, number, sent at."""
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


def latest_decision(plan: BusinessPlan) -> ReviewDecision | None:
    """The decision on the plan's latest version, if it has one: the note the trainee is working on (changes
    requested) or the endorsement they apply for credit with. None while the latest version waits."""
    status = review_status(plan)
    if status.state not in DECIDED:
        return None
    return db.session.scalar(
        select(ReviewDecision)
        .join(PlanVersion, PlanVersion.id == ReviewDecision.version_id)
        .where(PlanVersion.plan_id == plan.id, PlanVersion.number == status.version)
        .options(selectinload(ReviewDecision.reviewer), selectinload(ReviewDecision.version))
    )


@dataclass(frozen=True)
class Endorsement:
    """A plan's latest endorsement and whether it is on the plan's latest version (current: the trainee may
    apply for credit with it) or on an earlier one (a newer version was sent since and waits for review)."""

    plan: BusinessPlan
    decision: ReviewDecision
    latest_version: int

    @property
    def current(self) -> bool:
        return self.decision.version.number == self.latest_version


def endorsements_of(owner_id: int) -> list[Endorsement]:
    """Each of the person's plans that was ever endorsed, with its latest endorsement: current ones first,
    then the latest decided first. Two queries whatever the number of plans."""
    rows = db.session.execute(
        select(ReviewDecision, PlanVersion.number)
        .join(PlanVersion, PlanVersion.id == ReviewDecision.version_id)
        .join(BusinessPlan, BusinessPlan.id == PlanVersion.plan_id)
        .where(BusinessPlan.owner_id == owner_id, ReviewDecision.decision == Decision.ENDORSED.value)
        .options(
            selectinload(ReviewDecision.reviewer),
            selectinload(ReviewDecision.version).selectinload(PlanVersion.plan),
        )
        .order_by(PlanVersion.number.desc())
    ).all()
    latest_of_plan: dict[int, ReviewDecision] = {}
    for decision, _number in rows:
        latest_of_plan.setdefault(decision.version.plan_id, decision)
    if not latest_of_plan:
        return []
    numbers = dict(
        db.session.execute(
            select(PlanVersion.plan_id, func.max(PlanVersion.number))
            .where(PlanVersion.plan_id.in_(list(latest_of_plan)))
            .group_by(PlanVersion.plan_id)
        ).all()
    )
    found = [
        Endorsement(decision.version.plan, decision, numbers[plan_id])
        for plan_id, decision in latest_of_plan.items()
    ]
    return sorted(found, key=lambda e: (not e.current, -e.decision.decided_at.timestamp()))


def endorsed_since(owner_ids: Iterable[int]) -> dict[int, datetime]:
    """For each person with a plan whose latest version is endorsed, when the first of those endorsements was
    made (the journey's "plan endorsed" step). One query."""
    ids = list(owner_ids)
    if not ids:
        return {}
    latest = _latest_versions(select(BusinessPlan.id).where(BusinessPlan.owner_id.in_(ids))).subquery()
    query = (
        select(BusinessPlan.owner_id, func.min(ReviewDecision.decided_at))
        .join(latest, latest.c.plan_id == BusinessPlan.id)
        .join(ReviewDecision, ReviewDecision.version_id == latest.c.id)
        .where(BusinessPlan.owner_id.in_(ids), ReviewDecision.decision == Decision.ENDORSED.value)
        .group_by(BusinessPlan.owner_id)
    )
    return dict(db.session.execute(query).all())


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
