"""Who may see, edit and review a plan: the owner edits, the assigned mentor reviews, managers see.

Views and templates ask the same predicates (the templates through Jinja globals the plans blueprint
registers), so a button appears exactly when its action is allowed.
"""

from __future__ import annotations

from workbench.auth.models import User
from workbench.auth.permissions import is_manager
from workbench.plans.models import BusinessPlan
from workbench.plans.review import review_status
from workbench.programme.permissions import is_assigned_mentor


def is_owner(user: User, plan: BusinessPlan) -> bool:
    return user.is_authenticated and user.id == plan.owner_id


def can_edit_plan(user: User, plan: BusinessPlan) -> bool:
    return is_owner(user, plan) and user.active


def can_review_plan(user: User, plan: BusinessPlan) -> bool:
    return user.is_authenticated and is_assigned_mentor(user, plan.owner)


def can_request_changes(user: User, plan: BusinessPlan) -> bool:
    """The trainee's current mentor, while the latest version waits for review."""
    return can_review_plan(user, plan) and review_status(plan).waiting


def can_view_plan(user: User, plan: BusinessPlan) -> bool:
    return is_owner(user, plan) or can_review_plan(user, plan) or is_manager(user)
