"""A loan's record."""

from __future__ import annotations

from flask_babel import format_percent
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workbench.auth.permissions import is_manager
from workbench.auth.roles import Role
from workbench.finance.schedule import schedule_totals
from workbench.lending.services import due_so_far, next_installment, schedule_of
from workbench.plans.financials import METHOD_LABELS
from workbench.plans.permissions import can_view_plan
from workbench.programme.permissions import is_assigned_mentor
from workbench.timeutil import programme_today
from workbench.web.decorators import role_required
from workbench.web.templating import render

from . import bp, load_loan

#: How the money went out, as people read it (lending/services.py METHODS).
DISBURSEMENT_METHOD_LABELS = {
    "bank_transfer": _l("Bank transfer"),
    "cheque": _l("Cheque"),
}


@bp.get("/loans/<int:loan_id>")
@role_required(Role.TRAINEE, Role.MENTOR, Role.OFFICER, Role.MANAGER)
def loan(loan_id: int):
    """The loan's record: who borrowed on which plan version, the terms, the payout and the schedule."""
    loan = load_loan(loan_id)
    schedule = schedule_of(loan)
    today = programme_today()
    principal, interest, total = schedule_totals(schedule)
    return render(
        "lending/loan.html",
        loan=loan,
        version=loan.plan_version,
        schedule=schedule,
        totals={"principal": principal, "interest": interest, "total": total},
        today=today,
        next_due=next_installment(schedule, today),
        due=due_so_far(schedule, today),
        rate=format_percent(loan.annual_rate, format="#,##0.###%"),
        method_label=METHOD_LABELS.get(loan.method, loan.method),
        payout_label=DISBURSEMENT_METHOD_LABELS.get(loan.disbursement_method, loan.disbursement_method),
        plan_link=can_view_plan(current_user, loan.plan_version.plan),
        record_link=is_assigned_mentor(current_user, loan.borrower) or is_manager(current_user),
    )
