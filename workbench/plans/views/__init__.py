"""Plan pages: the wizard (wizard.py), review and versions (review.py), documents in and out (documents.py).

Load -> check -> act: every view loads the plan (404), asks a predicate from permissions.py (403), then
calls a service. The same POST serves a plain form (redirect after saving) and htmx autosave (fragment).
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from workbench.extensions import db
from workbench.plans.models import BusinessPlan
from workbench.plans.permissions import can_view_plan

bp = Blueprint("plans", __name__, url_prefix="/plans")


def load_plan(plan_id: int, predicate=can_view_plan) -> BusinessPlan:
    """The plan, if the person may see it; someone else's plan is a 404 exactly like a missing one, so ids
    reveal nothing. 403 only for a plan they may see but not act on this way (a mentor posting an answer)."""
    plan = db.session.get(BusinessPlan, plan_id)
    if plan is None or not can_view_plan(current_user, plan):
        abort(404)
    if not predicate(current_user, plan):
        abort(403)
    return plan


# The pages register themselves on the blueprint.
from workbench.plans.views import documents, review, wizard  # noqa: E402

__all__ = ["bp", "documents", "load_plan", "review", "wizard"]
