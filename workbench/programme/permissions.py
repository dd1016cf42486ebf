"""Who may see and run the programme."""

from __future__ import annotations

from workbench.auth.models import User
from workbench.auth.permissions import is_manager
from workbench.auth.roles import Role
from workbench.mentoring.permissions import is_assigned_mentor


def can_run_programme(user: User) -> bool:
    return is_manager(user)


def can_view_person(viewer: User, person: User) -> bool:
    """Managers see everyone; mentors see their mentees; everybody sees themselves."""
    return viewer.id == person.id or is_manager(viewer) or is_assigned_mentor(viewer, person)


def can_follow_path(user: User) -> bool:
    return user.has_role(Role.TRAINEE)
