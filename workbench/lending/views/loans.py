"""A loan's record."""

from __future__ import annotations

from flask_babel import format_percent
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workbench.auth.permissions import is_manager
from workbench.auth.roles import Role
from workbench.finance.schedule import schedule_totals
from workbench.lending.bank_import import loan_number
from workbench.lending.models import Loan
from workbench.lending.permissions import can_post_repayment, can_read_ledger
from workbench.lending.position import standing_of
from workbench.lending.repayment_forms import RepaymentForm, ReversalForm
from workbench.lending.repayments import new_idempotency_key
from workbench.lending.services import schedule_of
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
    """The loan's record: who borrowed on which plan version, the terms, the payout, where it stands (computed
    now from the payments that stand), the payments and the schedule."""
    return render("lending/loan.html", **loan_context(load_loan(loan_id)))


def blank_repayment_form() -> RepaymentForm:
    return RepaymentForm(formdata=None, paid_on=programme_today(), idempotency_key=new_idempotency_key())


def loan_context(
    loan: Loan,
    *,
    repayment_form: RepaymentForm | None = None,
    reversal_form: ReversalForm | None = None,
    reversing: int | None = None,
) -> dict:
    schedule = schedule_of(loan)
    today = programme_today()
    principal, interest, total = schedule_totals(schedule)
    standing = standing_of(loan, today)
    can_post = can_post_repayment(current_user, loan)
    return {
        "loan": loan,
        "version": loan.plan_version,
        "schedule": schedule,
        "totals": {"principal": principal, "interest": interest, "total": total},
        "today": today,
        "standing": standing,
        "position": standing.position,
        "next_due": standing.next_due,
        "loan_number": loan_number(loan.id),
        "rate": format_percent(loan.annual_rate, format="#,##0.###%"),
        "method_label": METHOD_LABELS.get(loan.method, loan.method),
        "payout_label": DISBURSEMENT_METHOD_LABELS.get(loan.disbursement_method, loan.disbursement_method),
        "plan_link": can_view_plan(current_user, loan.plan_version.plan),
        "record_link": is_assigned_mentor(current_user, loan.borrower) or is_manager(current_user),
        "can_post": can_post,
        "can_read_ledger": can_read_ledger(current_user),
        "repayment_form": (repayment_form or blank_repayment_form())
        if can_post and not standing.repaid
        else None,
        "reversal_form": reversal_form or (ReversalForm(formdata=None) if can_post else None),
        "reversing": reversing,
        "limits": {"min": loan.disbursed_on.isoformat(), "max": today.isoformat()},
    }
