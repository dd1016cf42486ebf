"""Every domain's models in one import, for create_app() and Alembic."""

from workbench.audit.models import AuditEvent
from workbench.auth.models import PasswordReset, RoleGrant, User
from workbench.lending.models import Loan
from workbench.notifications.models import MailPreference, OutboxMessage
from workbench.plans.models import BusinessPlan, PlanAnswer, PlanVersion, ReviewDecision
from workbench.programme.models import Cohort, Enrolment, MentorAssignment

__all__ = [
    "AuditEvent",
    "BusinessPlan",
    "Cohort",
    "Enrolment",
    "Loan",
    "MailPreference",
    "MentorAssignment",
    "OutboxMessage",
    "PasswordReset",
    "PlanAnswer",
    "PlanVersion",
    "ReviewDecision",
    "RoleGrant",
    "User",
]
