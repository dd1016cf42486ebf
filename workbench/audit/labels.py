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
    "cohort.created": _l("Cohort created"),
    "cohort.invite_code_issued": _l("New invite code issued"),
    "cohort.registration_closed": _l("Registration closed"),
    "enrolment.created": _l("Enrolled in a cohort"),
    "enrolment.training_completed": _l("Training completed"),
    "plan.created": _l("Business plan started"),
    "plan.answers_saved": _l("Plan answers saved"),
    "plan.assumptions_saved": _l("Plan numbers saved"),
    "plan.submitted": _l("Plan sent for review"),
    "plan.changes_requested": _l("Changes requested on the plan"),
    "plan.endorsed": _l("Plan endorsed as ready for credit"),
    "loan.disbursed": _l("Loan disbursed"),
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


def audit_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
