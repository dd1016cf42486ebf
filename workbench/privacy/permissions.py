"""Who may export or erase a person: managers; never their own account (another manager does it)."""

from __future__ import annotations

from workbench.auth.models import User
from workbench.auth.permissions import is_manager


def can_export_person(actor: User, person: User) -> bool:
    return is_manager(actor)


def can_erase(actor: User, person: User) -> bool:
    return is_manager(actor) and actor.id != person.id
