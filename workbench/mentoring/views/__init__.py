"""Mentoring pages: the mentor's home and a mentee's record (mentees.py), comment threads on plan sections
(comments.py), the inbox (inbox.py), tutoring sessions (sessions.py), milestones (milestones.py) and plan
against actual with the monitoring report (actuals.py).

Load -> check -> act: a view loads the trainee or the object (404), asks a predicate from permissions.py
(403), then calls a service.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring.permissions import can_follow

bp = Blueprint("mentoring", __name__)


@bp.after_request
def _vary_on_htmx(response):
    """A page and its htmx fragment share a URL: caches must keep them apart."""
    response.vary.add("HX-Request")
    return response


def load_mentee(user_id: int) -> User:
    """The trainee whose record the current user follows, or 404 / 403."""
    trainee = db.session.get(User, user_id)
    if trainee is None or not trainee.has_role(Role.TRAINEE):
        abort(404)
    if not can_follow(current_user, trainee):
        abort(403)
    return trainee


# The pages register themselves on the blueprint.
from workbench.mentoring.views import actuals, comments, inbox, mentees, milestones, sessions  # noqa: E402


@bp.record_once
def _inbox_in_the_navigation(state) -> None:
    """Everyone logged in has an inbox; its badge counts what waits for them (one query per page)."""
    from workbench.web.navigation import NavLink, register_nav_link

    register_nav_link(
        state.app,
        NavLink("mentoring.inbox", _l("Inbox"), badge=inbox.inbox_count, badge_label=inbox.inbox_badge_label),
    )


__all__ = ["actuals", "bp", "comments", "inbox", "load_mentee", "mentees", "milestones", "sessions"]
