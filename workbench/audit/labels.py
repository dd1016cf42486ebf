"""How audit actions read in a history. Every action recorded anywhere has a label (tests/audit checks)."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "user.created": _l("Account created"),
    "user.roles_changed": _l("Roles changed"),
    "user.deactivated": _l("Account deactivated"),
    "user.reactivated": _l("Account reactivated"),
    "user.password_reset_issued": _l("Password link issued"),
    "user.password_changed": _l("Password changed"),
    "user.language_changed": _l("Language changed"),
    "user.mentor_assigned": _l("Primary mentor assigned"),
    "user.mentor_added": _l("Another mentor added"),
    "user.mentor_ended": _l("A mentor's assignment ended"),
    "user.logged_in": _l("Logged in"),
    "user.logged_out": _l("Logged out"),
    "user.registration_attempted": _l("Someone tried to register with this e-mail"),
    "user.notices_seen": _l("Account notices seen"),
    "user.password_link_mailed": _l("Password link sent by e-mail"),
    "user.mail_preference_changed": _l("E-mail settings changed"),
    "user.profile_changed": _l("Details for the programme's reports changed"),
    "person.exported": _l("Everything held about the person exported"),
    "person.erasure_requested": _l("Erasure requested"),
    "person.erasure_cancelled": _l("Erasure request cancelled"),
    "person.erased": _l("Person erased on request"),
    "cohort.created": _l("Cohort created"),
    "cohort.invite_code_issued": _l("New invite code issued"),
    "cohort.registration_closed": _l("Registration closed"),
    "cohort.changed": _l("Cohort details changed"),
    "enrolment.created": _l("Enrolled in a cohort"),
    "enrolment.training_completed": _l("Training completed"),
    "enrolment.training_completion_withdrawn": _l("Training completion withdrawn"),
    "training_module.added": _l("Training module added"),
    "training_module.changed": _l("Training module changed"),
    "training_module.removed": _l("Training module removed"),
    "attendance.recorded": _l("Attendance recorded"),
    "attendance.corrected": _l("Attendance corrected"),
    "pathway_goal.added": _l("Pathway goal agreed"),
    "pathway_goal.status_changed": _l("Pathway goal status changed"),
    "pathway_service.added": _l("Service offered in the pathway"),
    "pathway_service.status_changed": _l("Pathway service status changed"),
    "budget_grant.set": _l("Individual budget granted"),
    "budget_spending.recorded": _l("Individual budget spending recorded"),
    "budget_spending.reversed": _l("Individual budget spending taken back"),
    "plan.created": _l("Business plan started"),
    "plan.answers_saved": _l("Plan answers saved"),
    "plan.assumptions_saved": _l("Plan numbers saved"),
    "plan.submitted": _l("Plan sent for review"),
    "plan.changes_requested": _l("Changes requested on the plan"),
    "plan.endorsed": _l("Plan endorsed as ready for credit"),
    "loan.disbursed": _l("Loan disbursed"),
    "loan.written_off": _l("Loan written off"),
    "loan.rescheduled": _l("Loan rescheduled: a new schedule in force"),
    "loan_payment.posted": _l("Repayment posted"),
    "loan_payment.reversed": _l("Repayment reversed"),
    "bank_import.uploaded": _l("Bank statement uploaded for a preview"),
    "bank_import.posted": _l("Bank statement's matched rows posted"),
    "application.submitted": _l("Credit application sent"),
    "application.scored": _l("Credit application scored"),
    "proposal.made": _l("Decision proposed"),
    "proposal.confirmed": _l("Decision confirmed"),
    "proposal.declined": _l("Decision declined"),
    "scorecard.version_created": _l("Scorecard version published"),
    "loan_product.created": _l("Loan product added"),
    "loan_product.changed": _l("Loan product changed"),
    "loan_product.deactivated": _l("Loan product switched off"),
    "loan_product.reactivated": _l("Loan product switched on again"),
    "microcredit_limit.added": _l("Microcredit limits added"),
    "microcredit_limit.corrected": _l("Microcredit limits corrected"),
    "usury_rate.added": _l("Quarter's TEGM entered"),
    "tutoring_session.logged": _l("Tutoring session logged"),
    "tutoring_session.corrected": _l("Tutoring session corrected"),
    "milestone_template.created": _l("Milestone template added"),
    "milestone_template.changed": _l("Milestone template changed"),
    "milestone_template.deactivated": _l("Milestone template switched off"),
    "milestone_template.reactivated": _l("Milestone template switched on again"),
    "milestone.created": _l("Milestone given"),
    "milestone.done": _l("Milestone marked done"),
    "milestone.waived": _l("Milestone waived"),
    "milestone.signed_off": _l("Milestone signed off"),
    "milestone.reopened": _l("Milestone reopened"),
    "monthly_actual.recorded": _l("Monthly figures entered"),
    "monthly_actual.changed": _l("Monthly figures corrected"),
    "comment_thread.started": _l("Comment thread started"),
    "comment_thread.replied": _l("Reply posted in a comment thread"),
    "comment_thread.resolved": _l("Comment thread resolved"),
    "comment_thread.reopened": _l("Comment thread reopened"),
}


#: What each kind of object (a model's __audit_type__) is called in the audit log (tests/audit checks).
OBJECT_KIND_LABELS = {
    "user": _l("Person"),
    "cohort": _l("Cohort"),
    "enrolment": _l("Enrolment"),
    "training_module": _l("Training module"),
    "attendance": _l("Attendance"),
    "pathway_goal": _l("Pathway goal"),
    "pathway_service": _l("Pathway service"),
    "budget_grant": _l("Individual budget"),
    "budget_spending": _l("Individual budget spending"),
    "business_plan": _l("Business plan"),
    "review_decision": _l("Review decision"),
    "tutoring_session": _l("Tutoring session"),
    "comment_thread": _l("Comment thread"),
    "milestone_template": _l("Milestone template"),
    "milestone": _l("Milestone"),
    "monthly_actual": _l("Monthly figures"),
    "credit_application": _l("Credit application"),
    "application_score": _l("Application score"),
    "scorecard_version": _l("Scorecard version"),
    "proposal": _l("Decision proposal"),
    "loan": _l("Loan"),
    "loan_reschedule": _l("Loan reschedule"),
    "loan_payment": _l("Repayment"),
    "bank_import": _l("Bank statement"),
    "journal_entry": _l("Ledger entry"),
    "loan_product": _l("Loan product"),
    "microcredit_limit": _l("Microcredit limits"),
    "usury_rate": _l("Quarter's TEGM"),
    "erasure_request": _l("Erasure request"),
}

#: An action's prefix when it is not the kind of its object ("plan.submitted" is about a business_plan).
_ACTION_KINDS = {
    "plan": "business_plan",
    "application": "credit_application",
    "scorecard": "scorecard_version",
    "person": "user",
}


def audit_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def kind_label(kind: str) -> str:
    return str(OBJECT_KIND_LABELS.get(kind, kind))


def action_kind(action: str) -> str:
    """The kind of object an action is about, for grouping the actions in a list."""
    prefix = action.partition(".")[0]
    return _ACTION_KINDS.get(prefix, prefix)
