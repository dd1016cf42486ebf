"""Who may see the e-mail outbox (every logged-in person chooses their own e-mail settings)."""

from __future__ import annotations

from workbench.auth.models import User
from workbench.auth.permissions import is_manager


def can_see_outbox(user: User) -> bool:
    """The programme's managers see the messages that could not be sent, and why."""
    return is_manager(user)
