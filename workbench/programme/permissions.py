"""Who accompanies whom, as a predicate: plans and mentoring ask it, the programme owns the fact."""

from __future__ import annotations

from sqlalchemy import select

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme.models import MentorAssignment


def is_assigned_mentor(mentor: User, trainee: User) -> bool:
    if not mentor.has_role(Role.MENTOR):
        return False
    query = select(MentorAssignment.id).where(
        MentorAssignment.mentor_id == mentor.id,
        MentorAssignment.trainee_id == trainee.id,
        MentorAssignment.ended_at.is_(None),
    )
    return db.session.scalar(query) is not None
