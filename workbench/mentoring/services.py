"""Assigning mentors to trainees. The previous assignment ends; history stays."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workbench.audit.services import record
from workbench.auth.models import RoleGrant, User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.mentoring.models import MentorAssignment
from workbench.programme.models import Enrolment
from workbench.timeutil import utcnow


def current_assignment(trainee: User) -> MentorAssignment | None:
    return db.session.scalar(
        select(MentorAssignment).where(
            MentorAssignment.trainee_id == trainee.id, MentorAssignment.ended_at.is_(None)
        )
    )


def assign_mentor(trainee: User, mentor: User, actor: User | None) -> MentorAssignment:
    if not trainee.has_role(Role.TRAINEE):
        raise DomainError({"mentor_id": _("Only trainees have a mentor.")})
    if not mentor.has_role(Role.MENTOR) or not mentor.active:
        raise DomainError({"mentor_id": _("Choose an active mentor.")})
    if mentor.id == trainee.id:
        raise DomainError({"mentor_id": _("A person cannot mentor themselves.")})
    current = current_assignment(trainee)
    if current is not None and current.mentor_id == mentor.id:
        return current
    before = None
    if current is not None:
        current.ended_at = utcnow()
        before = {"mentor_id": current.mentor_id}
    assignment = MentorAssignment(mentor_id=mentor.id, trainee_id=trainee.id)
    db.session.add(assignment)
    record("user.mentor_assigned", trainee, actor, before=before, after={"mentor_id": mentor.id})
    return assignment


def mentees_of(mentor: User) -> list[MentorAssignment]:
    query = (
        select(MentorAssignment)
        .where(MentorAssignment.mentor_id == mentor.id, MentorAssignment.ended_at.is_(None))
        .options(selectinload(MentorAssignment.trainee))
        .join(User, User.id == MentorAssignment.trainee_id)
        .order_by(User.full_name)
    )
    return list(db.session.scalars(query))


def active_mentors() -> list[User]:
    query = (
        select(User)
        .join(RoleGrant)
        .where(RoleGrant.role == Role.MENTOR.value, User.active.is_(True))
        .order_by(User.full_name)
    )
    return list(db.session.scalars(query))


def cohorts_by_trainee(trainee_ids: list[int]) -> dict[int, Enrolment]:
    if not trainee_ids:
        return {}
    query = (
        select(Enrolment).where(Enrolment.user_id.in_(trainee_ids)).options(selectinload(Enrolment.cohort))
    )
    return {e.user_id: e for e in db.session.scalars(query)}
