"""Who may see a loan: the borrower, their assigned mentor, loan officers and the programme's managers.

Predicates, asked by views (a loan someone may not see is a 404, like a plan) and by templates.
"""

from __future__ import annotations

from workbench.auth.models import User
from workbench.auth.permissions import is_manager
from workbench.auth.roles import Role
from workbench.lending.application_models import CreditApplication
from workbench.lending.models import Loan
from workbench.programme.permissions import is_assigned_mentor


def is_officer(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.OFFICER)


def is_borrower(user: User, loan: Loan) -> bool:
    return user.is_authenticated and user.id == loan.borrower_id


def can_view_loan(user: User, loan: Loan) -> bool:
    """The loan's record, its schedule and what hangs from it (plan against actual, the monitoring report)."""
    if not user.is_authenticated:
        return False
    return (
        is_borrower(user, loan)
        or is_officer(user)
        or is_manager(user)
        or is_assigned_mentor(user, loan.borrower)
    )


def can_post_repayment(user: User, loan: Loan) -> bool:
    """Loan officers post repayments, reverse them and import bank statements."""
    return is_officer(user)


def can_read_ledger(user: User) -> bool:
    """The trial balance and the journal: loan officers and the programme's managers."""
    return is_officer(user) or is_manager(user)


def can_view_application(user: User, application: CreditApplication) -> bool:
    """The applicant, loan officers and managers."""
    if not user.is_authenticated:
        return False
    return user.id == application.applicant_id or is_officer(user) or is_manager(user)


def can_score(user: User) -> bool:
    """Loan officers score applications and propose decisions."""
    return is_officer(user) and user.active


def can_disburse(user: User) -> bool:
    """Any loan officer records the payout of a confirmed approval, the proposer too."""
    return is_officer(user) and user.active
