"""Who may follow a trainee's accompaniment, and who may read and write the comments on their plans.

Views and templates ask the same predicates (templates through the Jinja globals the mentoring blueprint
registers), so a button appears exactly when its action is allowed. Whether a person mentors a plan's owner
is asked once per request and person (a page of threads asks it for every thread).
"""

from __future__ import annotations

from flask import g, has_request_context

from workbench.auth.models import User
from workbench.auth.permissions import is_manager
from workbench.mentoring.models import CommentThread
from workbench.plans.models import BusinessPlan
from workbench.plans.permissions import is_owner
from workbench.programme.permissions import is_assigned_mentor


def can_follow(user: User, trainee: User) -> bool:
    """See the trainee's mentoring record (sessions, milestones, actuals)."""
    return user.is_authenticated and (is_assigned_mentor(user, trainee) or is_manager(user))


def mentors_plan(user: User, plan: BusinessPlan) -> bool:
    """The user is a current mentor of the plan's owner (answered once per request)."""
    if not user.is_authenticated:
        return False
    if not has_request_context():
        return is_assigned_mentor(user, plan.owner)
    known: dict[tuple[int, int], bool] = g.setdefault("_mentors_plan", {})
    key = (user.id, plan.owner_id)
    if key not in known:
        known[key] = is_assigned_mentor(user, plan.owner)
    return known[key]


def can_read_comments(user: User, plan: BusinessPlan) -> bool:
    """The plan's owner, their mentor(s) and the programme's managers. Loan officers will read them once the
    plan is in a loan application: one more clause here, added by the lending issue."""
    return is_owner(user, plan) or mentors_plan(user, plan) or is_manager(user)


def can_comment(user: User, plan: BusinessPlan) -> bool:
    """Start a thread or reply: the owner's mentor(s), and the owner (who answers, or asks the mentor a
    question). Managers read only. Officers, once the plan is in an application: one more clause."""
    return bool(user.is_authenticated and user.active and (is_owner(user, plan) or mentors_plan(user, plan)))


def can_reply(user: User, thread: CommentThread) -> bool:
    return can_comment(user, thread.plan)


def can_resolve(user: User, thread: CommentThread) -> bool:
    """The mentor judges whether a comment was dealt with; whoever started a thread (a trainee's own
    question) may close it too. Whatever the thread's state: the page offers the button on open threads."""
    if not can_comment(user, thread.plan):
        return False
    return mentors_plan(user, thread.plan) or thread.started_by_id == user.id


def can_reopen(user: User, thread: CommentThread) -> bool:
    """Anyone who takes part may say a resolved thread is not settled after all (offered on resolved ones)."""
    return can_comment(user, thread.plan)
