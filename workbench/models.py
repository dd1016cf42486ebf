"""Every domain's models in one import, for create_app() and Alembic."""

from workbench.audit.models import AuditEvent
from workbench.auth.models import PasswordReset, RoleGrant, User
from workbench.mentoring.models import MentorAssignment
from workbench.programme.models import Cohort, Enrolment

__all__ = ["AuditEvent", "Cohort", "Enrolment", "MentorAssignment", "PasswordReset", "RoleGrant", "User"]
