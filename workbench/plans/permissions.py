"""Who may see, edit and review a plan: the owner edits, the assigned mentor reviews, managers see."""

from __future__ import annotations

from workbench.auth.models import User
from workbench.auth.permissions import is_manager
from workbench.mentoring.permissions import is_assigned_mentor
from workbench.plans.models import BusinessPlan


def is_owner(user: User, plan: BusinessPlan) -> bool:
    return user.is_authenticated and user.id == plan.owner_id


def can_edit_plan(user: User, plan: BusinessPlan) -> bool:
    return is_owner(user, plan) and user.active


def can_review_plan(user: User, plan: BusinessPlan) -> bool:
    return user.is_authenticated and is_assigned_mentor(user, plan.owner)


def can_view_plan(user: User, plan: BusinessPlan) -> bool:
    return is_owner(user, plan) or can_review_plan(user, plan) or is_manager(user)
