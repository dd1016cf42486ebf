"""Who may see, edit and review a plan: the owner edits, every current mentor of the owner reviews (sends a
version back or endorses it as ready for credit), managers see; the owner of an endorsed plan may apply for
credit.

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


def can_decide(user: User, plan: BusinessPlan) -> bool:
    """One of the trainee's current mentors (primary or not), while the latest version waits for review."""
    return can_review_plan(user, plan) and review_status(plan).waiting


def can_request_changes(user: User, plan: BusinessPlan) -> bool:
    """Send the latest version back with a note saying what to change."""
    return can_decide(user, plan)


def can_endorse(user: User, plan: BusinessPlan) -> bool:
    """Endorse the latest version as ready for credit, with a note."""
    return can_decide(user, plan)


def can_apply_for_credit(user: User, plan: BusinessPlan) -> bool:
    """The plan's owner, while its latest version is endorsed: a version sent after the endorsement waits
    for review again, and the owner applies once that one is endorsed."""
    return can_edit_plan(user, plan) and review_status(plan).endorsed


def can_view_plan(user: User, plan: BusinessPlan) -> bool:
    return is_owner(user, plan) or can_review_plan(user, plan) or is_manager(user)
