"""Posting a repayment and reversing one, from the loan's page; importing a bank statement (upload -> stored
preview -> post the matched rows). Without JavaScript every form posts and redirects (303) or comes back with
its errors (422)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending import bank_import
from workbench.lending.permissions import can_post_repayment
from workbench.lending.repayment_forms import BankImportForm, RepaymentForm, ReversalForm
from workbench.lending.repayment_models import BankImport, LoanPayment
from workbench.lending.repayments import (
    PossibleDuplicate,
    new_idempotency_key,
    post_repayment,
    reverse_payment,
)
from workbench.web.dates import day
from workbench.web.decorators import role_required
from workbench.web.formatting import money
from workbench.web.forms import apply_domain_error
from workbench.web.templating import render

from . import bp, load_loan
from .loans import loan_context


def _loan_url(loan_id: int, anchor: str = "payments") -> str:
    return url_for("lending.loan", loan_id=loan_id, _anchor=anchor)


@bp.post("/loans/<int:loan_id>/payments")
@role_required(Role.OFFICER)
def post_payment(loan_id: int):
    loan = load_loan(loan_id)
    if not can_post_repayment(current_user, loan):
        abort(403)
    form = RepaymentForm()
    valid = form.validate()
    if form.idempotency_key.errors:  # a hand-made or very old form: a fresh token, what was typed kept
        form.form_errors.extend(form.idempotency_key.errors)
        form.idempotency_key.errors = []
        form.idempotency_key.data = new_idempotency_key()
        valid = False
    if valid:
        try:
            posted = post_repayment(
                loan,
                paid_on=form.paid_on.data,
                amount=form.amount.data,
                reference=form.reference.data or "",
                key=form.idempotency_key.data,
                actor=current_user,
                confirmed_duplicate=bool(form.confirm_duplicate.data),
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            duplicate = isinstance(error, PossibleDuplicate)
            return render(
                "lending/loan.html", **loan_context(loan, repayment_form=form), duplicate=duplicate
            ), 422
        db.session.commit()
        payment = posted.payment
        words = {"amount": money(payment.amount), "date": day(payment.paid_on)}
        if posted.already:
            flash(
                _("This repayment of %(amount)s on %(date)s was already posted; it is kept once.", **words),
                "info",
            )
        else:
            flash(_("Repayment of %(amount)s on %(date)s posted.", **words), "success")
        return redirect(_loan_url(loan.id, f"payment-{payment.id}"), code=303)
    return render("lending/loan.html", **loan_context(loan, repayment_form=form)), 422


@bp.post("/loans/<int:loan_id>/reversals")
@role_required(Role.OFFICER)
def reverse(loan_id: int):
    loan = load_loan(loan_id)
    if not can_post_repayment(current_user, loan):
        abort(403)
    form = ReversalForm()
    payment = None
    if form.validate():
        payment = db.session.get(LoanPayment, form.payment_id.data)
        if payment is None or payment.loan_id != loan.id:
            abort(404)
        try:
            reversal = reverse_payment(payment, reason=form.reason.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "The payment of %(amount)s of %(date)s is reversed.",
                    amount=money(reversal.amount),
                    date=day(payment.paid_on),
                ),
                "success",
            )
            return redirect(_loan_url(loan.id), code=303)
    reversing = form.payment_id.data if isinstance(form.payment_id.data, int) else None
    return render("lending/loan.html", **loan_context(loan, reversal_form=form, reversing=reversing)), 422


# --- bank statements ---------------------------------------------------------------------------------------


@bp.route("/bank-imports", methods=["GET", "POST"])
@role_required(Role.OFFICER)
def bank_imports():
    """Upload a bank statement: the rows are read, matched and stored as a preview; nothing is posted."""
    form = BankImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = bank_import.preview(upload.read(bank_import.MAX_BYTES + 1))
            batch = bank_import.store_preview(upload.filename or "", rows, current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("lending.bank_import_preview", batch_id=batch.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render("lending/bank_import.html", form=form), status


def _load_batch(batch_id: int) -> BankImport:
    batch = db.session.get(BankImport, batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.get("/bank-imports/<int:batch_id>")
@role_required(Role.OFFICER)
def bank_import_preview(batch_id: int):
    batch = _load_batch(batch_id)
    rows = bank_import.rows_of(batch)
    return render(
        "lending/bank_import_preview.html",
        batch=batch,
        rows=rows,
        matched=[row for row in rows if row.matched],
    )


@bp.post("/bank-imports/<int:batch_id>/post")
@role_required(Role.OFFICER)
def post_bank_import(batch_id: int):
    batch = _load_batch(batch_id)
    try:
        result = bank_import.post_matched(batch, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(" ".join(error.errors.values()), "error")
        return redirect(url_for("lending.bank_import_preview", batch_id=batch_id), code=303)
    db.session.commit()
    flash(
        _(
            "Posted: %(posted)d. Already posted: %(already)d. Refused: %(refused)d.",
            posted=result.posted,
            already=result.already,
            refused=result.refused,
        ),
        "success",
    )
    return redirect(url_for("lending.bank_import_preview", batch_id=batch_id), code=303)
