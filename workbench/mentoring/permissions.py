"""Who may follow a trainee's accompaniment: their assigned mentor, and the programme's managers."""

from __future__ import annotations

from workbench.auth.models import User
from workbench.auth.permissions import is_manager
from workbench.lending.models import Loan
from workbench.lending.permissions import can_view_loan, is_borrower
from workbench.programme.permissions import is_assigned_mentor


def can_follow(user: User, trainee: User) -> bool:
    """See the trainee's mentoring record (sessions, milestones, actuals)."""
    return user.is_authenticated and (is_assigned_mentor(user, trainee) or is_manager(user))


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
