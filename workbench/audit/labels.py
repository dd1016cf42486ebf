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
    "user.mentor_assigned": _l("Mentor assigned"),
    "user.logged_in": _l("Logged in"),
    "user.logged_out": _l("Logged out"),
    "user.registration_attempted": _l("Someone tried to register with this e-mail"),
    "user.notices_seen": _l("Account notices seen"),
    "user.password_link_mailed": _l("Password link sent by e-mail"),
    "user.mail_preference_changed": _l("E-mail settings changed"),
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
    "loan.disbursed": _l("Loan disbursed"),
}


def audit_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
