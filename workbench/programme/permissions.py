"""Who accompanies whom, as a predicate: plans and mentoring ask it, the programme owns the fact; and who
keeps or reads a trainee's individual pathway."""

from __future__ import annotations

from sqlalchemy import select

from workbench.auth.models import User
from workbench.auth.permissions import is_manager
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


def can_manage_pathway(user: User, trainee: User) -> bool:
    """Keep a trainee's individual pathway (goals, services, budget): the programme's managers."""
    return is_manager(user) and trainee.has_role(Role.TRAINEE)


def can_read_pathway(user: User, trainee: User) -> bool:
    """Read it: the managers, the trainee's current mentors, and the trainee (their goals and budget)."""
    if not user.is_authenticated or not trainee.has_role(Role.TRAINEE):
        return False
    return user.id == trainee.id or is_manager(user) or is_assigned_mentor(user, trainee)


def can_read_audit_log(user: User) -> bool:
    """Read the whole audit trail (who changed what, when): the programme's managers."""
    return is_manager(user)
