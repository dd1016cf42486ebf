"""Who may see what of the e-mail: everyone their own choice, managers the outbox's problems."""

from __future__ import annotations

from workbench.auth.models import User
from workbench.auth.permissions import is_manager


def can_choose_mail(user: User) -> bool:
    """Every logged-in person chooses how often they receive e-mail."""
    return user.is_authenticated


def can_see_outbox(user: User) -> bool:
    """The programme's managers see the messages that could not be sent, and why."""
    return is_manager(user)
