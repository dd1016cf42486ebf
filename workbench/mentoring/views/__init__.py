"""Mentoring pages: the mentor's home and a mentee's record (mentees.py); each part of the accompaniment
(comments, sessions, milestones, plan against actual) adds its own module.

Load -> check -> act: a view loads the trainee or the object (404), asks a predicate from permissions.py
(403), then calls a service.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring.permissions import can_follow

bp = Blueprint("mentoring", __name__)


def load_mentee(user_id: int) -> User:
    """The trainee whose record the current user follows, or 404 / 403."""
    trainee = db.session.get(User, user_id)
    if trainee is None or not trainee.has_role(Role.TRAINEE):
        abort(404)
    if not can_follow(current_user, trainee):
        abort(403)
    return trainee


# The pages register themselves on the blueprint.
from workbench.mentoring.views import actuals, mentees, milestones, sessions  # noqa: E402

__all__ = ["actuals", "bp", "load_mentee", "mentees", "milestones", "sessions"]
