"""Who may do what with accounts. Predicates, reused by views and templates."""

from __future__ import annotations

from workbench.auth.models import User
from workbench.auth.roles import Role


def is_manager(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.MANAGER)


def can_manage_people(user: User) -> bool:
    return is_manager(user)


def can_change_active(actor: User, person: User) -> bool:
    """Managers (de)activate accounts, never their own: a programme must not lock itself out; nor an erased
    person's, which stays closed for good."""
    return is_manager(actor) and actor.id != person.id and not person.is_erased


def can_issue_reset(actor: User, person: User) -> bool:
    return is_manager(actor) and person.active and not person.is_erased


def can_edit_profile_of(actor: User, person: User) -> bool:
    """A person's details for the reports, by a manager; an erased person's stay empty."""
    return can_edit_sensitive_data(actor) and not person.is_erased


def can_see_sensitive_data(user: User) -> bool:
    """A person's gender and protection status (auth.profile): managers only, never mentors or loan officers,
    who work with the person without needing them. Reports show them in aggregate only."""
    return is_manager(user)


def can_edit_sensitive_data(user: User) -> bool:
    return can_see_sensitive_data(user)
