"""Every domain's models in one import, for create_app() and Alembic."""

from workbench.audit.models import AuditEvent
from workbench.auth.models import PasswordReset, RoleGrant, User
from workbench.mentoring.models import MentorAssignment
from workbench.plans.models import BusinessPlan, PlanAnswer, PlanVersion
from workbench.programme.models import Cohort, Enrolment

__all__ = [
    "AuditEvent",
    "BusinessPlan",
    "Cohort",
    "Enrolment",
    "MentorAssignment",
    "PasswordReset",
    "PlanAnswer",
    "PlanVersion",
    "RoleGrant",
    "User",
]
