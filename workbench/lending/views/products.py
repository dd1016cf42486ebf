"""The manager's lending settings: loan products (list, add, edit, switch off), the dated microcredit limits
and each quarter's TEGM (list and add).

Without JavaScript every form posts and redirects (303); a refused form comes back with the errors at the
fields and what was typed (422); an edit from a page older than the stored product comes back with the
message and the typed values over the new revision (409), so saving again is a conscious choice.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.usury import usury_threshold
from workbench.lending import products as services
from workbench.lending import rules
from workbench.lending import usury as usury_services
from workbench.lending.product_forms import (
    DAY_COUNT_LABELS,
    QUARTER_LABELS,
    ActiveForm,
    EditLimitForm,
    EditProductForm,
    LimitForm,
    ProductForm,
    UsuryRateForm,
    limit_form_data,
    product_form_data,
)
from workbench.lending.product_models import LoanProduct, MicrocreditLimit
from workbench.timeutil import programme_today
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error, keep_typed_over_stale
from workbench.web.templating import render

from . import bp


@bp.app_template_filter("rate")
def rate_filter(value) -> str:
    return rules.rate_text(value)


def load_product(product_id: int) -> LoanProduct:
    return db.get_or_404(LoanProduct, product_id)


@bp.get("/products")
@role_required(Role.MANAGER)
def products():
    listed = services.products_in_order()
    today = programme_today()
    return render(
        "lending/products.html",
        products=listed,
        forms={p.id: ActiveForm(formdata=None, prefix=f"p{p.id}", revision=p.revision) for p in listed},
        limit=rules.limit_in_force(today),
        thresholds={p.id: usury_services.threshold_in_force(p.usury_class, today) for p in listed},
        today=today,
        day_count_labels=DAY_COUNT_LABELS,
    )


@bp.route("/products/new", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def new_product():
    form = ProductForm()
    if form.validate_on_submit():
        try:
            product = services.create_product(form.terms(), current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Product %(name)s added.", name=product.name), "success")
            return redirect(url_for("lending.products"), code=303)
    status = 422 if request.method == "POST" else 200
    return render("lending/product_form.html", form=form, product=None), status


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def edit_product(product_id: int):
    product = load_product(product_id)
    if request.method == "GET":
        form = EditProductForm(formdata=None, data=product_form_data(product))
        return render("lending/product_form.html", form=form, product=product)
    form = EditProductForm()
    if form.validate_on_submit():
        try:
            services.update_product(
                product, form.terms(), base_revision=form.revision.data, actor=current_user
            )
        except DomainError as error:
            db.session.rollback()
            product = load_product(product_id)
            if "" in error.errors:  # another manager's edit is stored; what this one typed is kept
                keep_typed_over_stale(form, error, product.revision)
                return render("lending/product_form.html", form=form, product=product), 409
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Product saved: loans already made keep their terms."), "success")
            return redirect(url_for("lending.products"), code=303)
    return render("lending/product_form.html", form=form, product=product), 422


@bp.post("/products/<int:product_id>/active")
@role_required(Role.MANAGER)
def product_active(product_id: int):
    product = load_product(product_id)
    form = ActiveForm(prefix=f"p{product.id}")
    active = request.form.get("active") == "1"
    if not form.validate_on_submit():
        flash(_("This page was out of date. Here is the list as it is now."), "error")
        return redirect(url_for("lending.products"), code=303)
    try:
        changed = services.set_product_active(
            product, active=active, base_revision=form.revision.data, actor=current_user
        )
    except DomainError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
    else:
        db.session.commit()
        if changed and active:
            flash(_("%(name)s is offered again.", name=product.name), "success")
        elif changed:
            flash(
                _("%(name)s is switched off: no new application may choose it.", name=product.name), "success"
            )
    return redirect(url_for("lending.products"), code=303)


@bp.route("/products/limits", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def microcredit_limits():
    form = LimitForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                rules.add_limit(
                    effective_from=form.effective_from.data,
                    max_amount=form.max_amount.number,
                    max_amount_srl=form.max_amount_srl.number,
                    max_term_months=form.max_term_months.data,
                    real_collateral_allowed=bool(form.real_collateral_allowed.data),
                    tutoring_required=bool(form.tutoring_required.data),
                    source=form.source.data or "",
                    actor=current_user,
                )
            except DomainError as error:
                db.session.rollback()
                apply_domain_error(form, error)
            else:
                db.session.commit()
                flash(_("Limits added: contracts signed from that day on answer to them."), "success")
                return redirect(url_for("lending.microcredit_limits"), code=303)
    today = programme_today()
    return render(
        "lending/microcredit_limits.html",
        form=form,
        limits=rules.limits_in_order(),
        in_force=rules.limit_in_force(today),
        defaults=rules.DEFAULT_LIMITS,
        today=today,
    ), status


@bp.route("/products/limits/<int:limit_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def edit_microcredit_limit(limit_id: int):
    """Correct a row of limits typed wrong; a change in the law is a new row from its date instead."""
    limit = db.get_or_404(MicrocreditLimit, limit_id)
    if request.method == "GET":
        form = EditLimitForm(formdata=None, data=limit_form_data(limit))
        return render("lending/microcredit_limit_form.html", form=form, limit=limit)
    form = EditLimitForm()
    if form.validate_on_submit():
        try:
            rules.correct_limit(
                limit,
                base_revision=form.revision.data,
                effective_from=form.effective_from.data,
                max_amount=form.max_amount.number,
                max_amount_srl=form.max_amount_srl.number,
                max_term_months=form.max_term_months.data,
                real_collateral_allowed=bool(form.real_collateral_allowed.data),
                tutoring_required=bool(form.tutoring_required.data),
                source=form.source.data or "",
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            limit = db.get_or_404(MicrocreditLimit, limit_id)
            if "" in error.errors:  # another manager's correction is stored; what this one typed is kept
                keep_typed_over_stale(form, error, limit.revision)
                return render("lending/microcredit_limit_form.html", form=form, limit=limit), 409
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Limits corrected."), "success")
            return redirect(url_for("lending.microcredit_limits"), code=303)
    return render("lending/microcredit_limit_form.html", form=form, limit=limit), 422


@bp.route("/products/usury", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def usury_rates():
    today = programme_today()
    form = UsuryRateForm()
    if request.method == "GET":
        form.year.data = today.year
        form.quarter.data = str(3 * ((today.month - 1) // 3) + 1)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                usury_services.add_tegm(
                    loan_class=form.loan_class.data,
                    quarter=form.quarter_start(),
                    tegm=form.tegm.number,
                    actor=current_user,
                )
            except DomainError as error:
                db.session.rollback()
                apply_domain_error(form, error)
            else:
                db.session.commit()
                flash(_("TEGM entered: the usury threshold of that quarter follows from it."), "success")
                return redirect(url_for("lending.usury_rates"), code=303)
    rates = usury_services.rates_in_order()
    return render(
        "lending/usury_rates.html",
        form=form,
        rates=rates,
        thresholds={rate.id: usury_threshold(rate.tegm) for rate in rates},
        quarter_labels=QUARTER_LABELS,
    ), status
