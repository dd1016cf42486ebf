"""A loan's record; for loan officers and managers also its four-eyes decisions: proposing a write-off or a
reschedule, and the proposal waiting for someone else's confirmation (confirmed or declined through
proposals.py). The borrower and their mentor read the schedule in force, never the proposals.

Without JavaScript the forms post and redirect (303) or come back on the page with their errors and what was
typed (422; 409 when the loan's state refuses the proposal, such as one already waiting)."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workbench.auth.permissions import is_manager
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.money import ZERO
from workbench.finance.schedule import schedule_totals
from workbench.lending import decisions, loan_decisions
from workbench.lending.bank_import import loan_number
from workbench.lending.decisions_models import Proposal
from workbench.lending.loan_decision_forms import (
    RESCHEDULE_PREFIX,
    WRITE_OFF_PREFIX,
    LoanDeclineForm,
    RescheduleForm,
    WriteOffForm,
)
from workbench.lending.models import Loan
from workbench.lending.permissions import can_post_repayment, can_read_ledger, can_view_loan, is_officer
from workbench.lending.position import standing_of
from workbench.lending.repayment_forms import RepaymentForm, ReversalForm
from workbench.lending.repayments import new_idempotency_key
from workbench.lending.services import schedule_of
from workbench.plans.financials import METHOD_LABELS
from workbench.plans.permissions import can_view_plan
from workbench.programme.permissions import is_assigned_mentor
from workbench.timeutil import programme_today
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error
from workbench.web.templating import render

from . import bp, load_loan
from .applications import _percent
from .proposals import DecisionPage, register_page

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


def _staff(user) -> bool:
    """Who reads a loan's decisions: loan officers and managers."""
    return is_officer(user) or is_manager(user)


def loan_context(
    loan: Loan,
    *,
    repayment_form: RepaymentForm | None = None,
    reversal_form: ReversalForm | None = None,
    reversing: int | None = None,
    write_off_form: WriteOffForm | None = None,
    reschedule_form: RescheduleForm | None = None,
    decline_form: LoanDeclineForm | None = None,
) -> dict:
    schedule = schedule_of(loan)
    today = programme_today()
    principal, interest, total = schedule_totals(schedule)
    standing = standing_of(loan, today)
    can_post = can_post_repayment(current_user, loan)
    context = {
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
        "method_labels": METHOD_LABELS,
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
        # The schedule's versions are read with the schedule (no query more); everyone sees them.
        "reschedules": list(loan.reschedules) if (loan.schedule_version or 1) > 1 else [],
        "percent": _percent,
        "staff": _staff(current_user),
    }
    if context["staff"]:
        context.update(
            _decisions_context(
                loan, standing.position.outstanding_principal, write_off_form, reschedule_form, decline_form
            )
        )
    return context


def _decisions_context(
    loan: Loan,
    outstanding: Decimal,
    write_off_form: WriteOffForm | None,
    reschedule_form: RescheduleForm | None,
    decline_form: LoanDeclineForm | None,
) -> dict:
    """What officers and managers see of the loan's four-eyes decisions, and the forms they may use."""
    made = loan_decisions.decisions_of(loan)
    pending = made.pending
    # What is left on loans receivable (the ledger's balance, kept equal to this by every entry).
    left = max(ZERO, outstanding - made.written_off)
    proposing = loan_decisions.can_propose(current_user) and pending is None
    can_check = pending is not None and decisions.can_check(current_user, pending)
    context: dict = {
        "made": made,
        "left": left,
        "can_check": can_check,
        "action_labels": loan_decisions.ACTION_LABELS,
        "terms_of": loan_decisions.shown_terms,
        "write_off_form": None,
        "reschedule_form": None,
        "decline_form": (decline_form or LoanDeclineForm(formdata=None)) if can_check else None,
    }
    # A form posted comes back with its errors and what was typed, whatever the loan's state now.
    if write_off_form is not None:
        context["write_off_form"] = write_off_form
    elif proposing and left > ZERO:
        context["write_off_form"] = WriteOffForm(
            formdata=None, prefix=WRITE_OFF_PREFIX, written_off_on=programme_today()
        )
    if reschedule_form is not None:
        context["reschedule_form"] = reschedule_form
    elif proposing and outstanding > ZERO and made.written_off == ZERO:
        context["reschedule_form"] = RescheduleForm(
            formdata=None,
            prefix=RESCHEDULE_PREFIX,
            annual_rate=Decimal(format((loan.annual_rate * 100).normalize(), "f")),
            grace_months=0,
            method=loan.method,
        )
    return context


# --- the four-eyes decisions -------------------------------------------------------------------------------


def _back(loan: Loan):
    return redirect(url_for("lending.loan", loan_id=loan.id, _anchor="decisions"), 303)


def _refused(error: DomainError) -> int:
    """409 when the loan's state refuses the proposal (one already waiting, nothing left), else 422."""
    return 409 if "" in error.errors else 422


@bp.post("/loans/<int:loan_id>/write-off")
@role_required(Role.OFFICER)
def propose_write_off(loan_id: int):
    """An officer proposes to write off what is still owed (or part of it), with the reason."""
    loan = load_loan(loan_id)
    if not loan_decisions.can_propose(current_user):
        abort(403)
    form = WriteOffForm(prefix=WRITE_OFF_PREFIX)
    if not form.validate():
        return render("lending/loan.html", **loan_context(loan, write_off_form=form)), 422
    try:
        loan_decisions.propose_write_off(
            loan,
            current_user,
            amount=form.amount.data,
            written_off_on=form.written_off_on.data,
            note=form.note.data,
        )
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return render("lending/loan.html", **loan_context(loan, write_off_form=form)), _refused(error)
    db.session.commit()
    flash(_("Your proposal waits for another officer or a manager to confirm it."), "success")
    return _back(loan)


@bp.post("/loans/<int:loan_id>/reschedule")
@role_required(Role.OFFICER)
def propose_reschedule(loan_id: int):
    """An officer proposes a new schedule for what is still owed, with the reason."""
    loan = load_loan(loan_id)
    if not loan_decisions.can_propose(current_user):
        abort(403)
    form = RescheduleForm(prefix=RESCHEDULE_PREFIX)
    if not form.validate():
        return render("lending/loan.html", **loan_context(loan, reschedule_form=form)), 422
    try:
        loan_decisions.propose_reschedule(
            loan,
            current_user,
            annual_rate=form.rate,
            term_months=form.term_months.data,
            grace_months=form.grace_months.data,
            method=form.method.data,
            first_due_on=form.first_due_on.data,
            note=form.note.data,
        )
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return render("lending/loan.html", **loan_context(loan, reschedule_form=form)), _refused(error)
    db.session.commit()
    flash(_("Your proposal waits for another officer or a manager to confirm it."), "success")
    return _back(loan)


def _proposal_subject(proposal: Proposal) -> Loan | None:
    """The loan of a loan proposal, for officers and managers (the confirm and decline routes ask for those
    roles; the borrower and the mentor never reach a proposal)."""
    loan = loan_decisions.subject_of(proposal)
    if loan is None or not can_view_loan(current_user, loan) or not _staff(current_user):
        return None
    return loan


register_page(
    loan_decisions.SUBJECT,
    DecisionPage(
        load=_proposal_subject,
        back=_back,
        decline_form=LoanDeclineForm,
        page=lambda loan, form: (render("lending/loan.html", **loan_context(loan, decline_form=form)), 422),
    ),
)
