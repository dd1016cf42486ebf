"""Who may follow a trainee's accompaniment: their assigned mentor, and the programme's managers."""

from __future__ import annotations

from workbench.auth.models import User
from workbench.auth.permissions import is_manager
from workbench.programme.permissions import is_assigned_mentor


def can_follow(user: User, trainee: User) -> bool:
    """See the trainee's mentoring record (sessions, milestones, actuals)."""
    return user.is_authenticated and (is_assigned_mentor(user, trainee) or is_manager(user))
