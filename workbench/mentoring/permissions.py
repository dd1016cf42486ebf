"""Who may follow a trainee's accompaniment (their assigned mentor, and the programme's managers), and who may
log, correct and read tutoring sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g, has_request_context

from workbench.auth.models import User
from workbench.auth.permissions import is_manager
from workbench.auth.roles import Role
from workbench.lending.models import Loan
from workbench.lending.permissions import can_view_loan, is_borrower
from workbench.mentoring.models import CommentThread, TutoringSession
from workbench.plans.models import BusinessPlan
from workbench.plans.permissions import is_owner
from workbench.programme.permissions import is_assigned_mentor

if TYPE_CHECKING:
    from workbench.mentoring.milestone_models import Milestone


def can_follow(user: User, trainee: User) -> bool:
    """See the trainee's mentoring record (sessions, milestones, actuals)."""
    return user.is_authenticated and (is_assigned_mentor(user, trainee) or is_manager(user))


# --- tutoring sessions -------------------------------------------------------------------------------------


def can_log_session(user: User, trainee: User) -> bool:
    """Log a session with the trainee: their assigned mentor, while active."""
    return user.is_authenticated and user.active and is_assigned_mentor(user, trainee)


def can_correct_session(user: User, session: TutoringSession) -> bool:
    """Correct a session: the mentor who held it, while still assigned to the trainee."""
    return (
        user.is_authenticated
        and user.id == session.mentor_id
        and user.active
        and is_assigned_mentor(user, session.trainee)
    )


def can_read_session_notes(user: User, trainee: User) -> bool:
    """The mentor's notes are for the programme's staff who follow the trainee, never for the trainee."""
    return user.id != trainee.id and can_follow(user, trainee)


def can_read_loan_tutoring(user: User, loan: Loan) -> bool:
    """The services delivered for a loan: its borrower, their assigned mentor, loan officers and managers."""
    if not user.is_authenticated:
        return False
    if user.id == loan.borrower_id or user.has_role(Role.OFFICER) or is_manager(user):
        return True
    return is_assigned_mentor(user, loan.borrower)


# --- milestones ---------------------------------------------------------------------------------------------


def can_see_milestones(user: User, trainee: User) -> bool:
    """The trainee their own; their mentor and the managers everyone's they follow."""
    return user.is_authenticated and (user.id == trainee.id or can_follow(user, trainee))


def can_see_milestone(user: User, milestone: Milestone) -> bool:
    """Those who see the trainee's milestones, and loan officers the ones a loan officer answers for."""
    if can_see_milestones(user, milestone.trainee):
        return True
    return milestone.responsible_role == Role.OFFICER and user.has_role(Role.OFFICER)


def can_manage_milestone_templates(user: User) -> bool:
    return is_manager(user)


def can_mark_milestone_done(user: User, milestone: Milestone) -> bool:
    """Whoever holds the responsible role for this trainee (the trainee themselves, their mentor, a loan
    officer, a manager), and the trainee's mentor whatever the role."""
    if not user.is_authenticated:
        return False
    role = milestone.responsible_role
    if role == Role.TRAINEE and user.id == milestone.trainee_id:
        return True
    if role == Role.OFFICER and user.has_role(Role.OFFICER):
        return True
    if role == Role.MANAGER and is_manager(user):
        return True
    return is_assigned_mentor(user, milestone.trainee)


def can_waive_milestone(user: User, milestone: Milestone) -> bool:
    return user.is_authenticated and (is_assigned_mentor(user, milestone.trainee) or is_manager(user))


def can_sign_off_milestone(user: User, milestone: Milestone) -> bool:
    return user.is_authenticated and is_assigned_mentor(user, milestone.trainee)


def can_reopen_milestone(user: User, milestone: Milestone) -> bool:
    return can_waive_milestone(user, milestone)


# --- plan against actual, on a loan -------------------------------------------------------------------------


def can_see_actuals(user: User, loan: Loan) -> bool:
    """The months entered, the comparison with the plan and the monitoring report: whoever sees the loan
    (the borrower, their mentor, loan officers, managers)."""
    return can_view_loan(user, loan)


def can_enter_actuals(user: User, loan: Loan) -> bool:
    """The borrower, who runs the business, and their assigned mentor enter the monthly figures."""
    if not user.is_authenticated or not user.active:
        return False
    return is_borrower(user, loan) or is_assigned_mentor(user, loan.borrower)


# --- comments --------------------------------------------------------------------------------------------


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
