"""Every domain's models in one import, for create_app() and Alembic."""

from workbench.audit.models import AuditEvent
from workbench.auth.models import PasswordReset, RoleGrant, User
from workbench.lending.application_models import CreditApplication
from workbench.lending.decisions_models import Proposal
from workbench.lending.installment_models import LoanInstallment
from workbench.lending.ledger_models import JournalEntry, JournalLine
from workbench.lending.models import Loan
from workbench.lending.product_models import LoanProduct, MicrocreditLimit, UsuryRate
from workbench.lending.repayment_models import BankImport, LoanPayment
from workbench.lending.reschedule_models import LoanReschedule
from workbench.lending.scorecard_models import ApplicationScore, ScorecardVersion
from workbench.mentoring.actuals_models import MonthlyActual
from workbench.mentoring.milestone_models import Milestone, MilestoneTemplate
from workbench.mentoring.models import (
    CommentMention,
    CommentThread,
    SessionService,
    ThreadComment,
    ThreadEvent,
    ThreadRead,
    TutoringSession,
)
from workbench.notifications.models import MailPreference, OutboxMessage
from workbench.plans.models import BusinessPlan, PlanAnswer, PlanVersion, ReviewDecision
from workbench.privacy.models import ErasureInProgress, ErasureRequest
from workbench.programme.models import Cohort, Enrolment, MentorAssignment
from workbench.programme.pathway_models import BudgetGrant, BudgetSpending, PathwayGoal, PathwayService
from workbench.programme.training_models import Attendance, TrainingModule

__all__ = [
    "ApplicationScore",
    "Attendance",
    "AuditEvent",
    "BankImport",
    "BudgetGrant",
    "BudgetSpending",
    "BusinessPlan",
    "Cohort",
    "CommentMention",
    "CommentThread",
    "CreditApplication",
    "Enrolment",
    "ErasureInProgress",
    "ErasureRequest",
    "JournalEntry",
    "JournalLine",
    "Loan",
    "LoanInstallment",
    "LoanPayment",
    "LoanProduct",
    "LoanReschedule",
    "MailPreference",
    "MentorAssignment",
    "MicrocreditLimit",
    "Milestone",
    "MilestoneTemplate",
    "MonthlyActual",
    "OutboxMessage",
    "PasswordReset",
    "PathwayGoal",
    "PathwayService",
    "PlanAnswer",
    "PlanVersion",
    "Proposal",
    "ReviewDecision",
    "RoleGrant",
    "ScorecardVersion",
    "SessionService",
    "ThreadComment",
    "ThreadEvent",
    "ThreadRead",
    "TrainingModule",
    "TutoringSession",
    "User",
    "UsuryRate",
]
