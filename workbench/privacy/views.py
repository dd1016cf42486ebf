"""A person's data-protection page (managers): download everything held; record and carry out an erasure."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.plans import exports
from workbench.plans.models import BusinessPlan
from workbench.privacy import erasure
from workbench.privacy.export import person_document, person_zip, plans_of, record_export
from workbench.privacy.forms import ErasureConfirmForm, ErasureRequestForm
from workbench.privacy.models import ErasureRequest
from workbench.privacy.permissions import can_erase, can_export_person
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error
from workbench.web.rendering import download
from workbench.web.templating import render

bp = Blueprint("privacy", __name__)


@bp.get("/programme/people/<int:user_id>/data-protection")
@role_required(Role.MANAGER)
def person_data(user_id: int):
    person = db.get_or_404(User, user_id)
    return _render(person)


@bp.post("/programme/people/<int:user_id>/data-protection/export")
@role_required(Role.MANAGER)
def export(user_id: int):
    """A POST: the download is recorded in the audit trail."""
    person = db.get_or_404(User, user_id)
    if not can_export_person(current_user, person):
        abort(403)
    document = person_document(person)
    record_export(person, current_user, document)
    db.session.commit()
    # The pages are rendered now, while the request's context and session are there; only their conversion
    # to PDF (pure, a second or two each) runs as the ZIP streams out.
    pages = {plan_id: _printable(plan_id) for plan_id in plans_of(document)}
    url_root, static_folder = request.url_root, current_app.static_folder or ""
    parts = person_zip(document, lambda plan_id: exports.plan_pdf(pages[plan_id], url_root, static_folder))
    return download(parts, "application/zip", f"person-{person.id}.zip")


@bp.post("/programme/people/<int:user_id>/data-protection/erasure")
@role_required(Role.MANAGER)
def request_erasure(user_id: int):
    person = db.get_or_404(User, user_id)
    if not can_erase(current_user, person):
        abort(403)
    form = ErasureRequestForm()
    if form.validate_on_submit():
        try:
            erasure.request_erasure(
                person, reason=form.reason.data, requested_on=form.requested_on.data, actor=current_user
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The erasure request is recorded. Confirm it below to carry it out."), "success")
            return redirect(url_for("privacy.person_data", user_id=person.id) + "#erasure-heading", code=303)
    return _render(db.session.get(User, user_id), request_form=form), 422


@bp.post("/programme/people/<int:user_id>/data-protection/erasure/<int:request_id>/confirm")
@role_required(Role.MANAGER)
def confirm_erasure(user_id: int, request_id: int):
    person = db.get_or_404(User, user_id)
    pending = _request_of(person, request_id)
    if not can_erase(current_user, person):
        abort(403)
    form = ErasureConfirmForm()
    if form.validate_on_submit():
        try:
            erasure.erase(pending, typed_email=form.confirm_email.data or "", actor=current_user)
        except erasure.ErasureConflict as error:
            db.session.rollback()
            for message in error.errors.values():
                flash(message, "info")
            return redirect(url_for("privacy.person_data", user_id=user_id), code=303)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The person was erased. What was kept, and why, is recorded below."), "success")
            return redirect(url_for("privacy.person_data", user_id=user_id) + "#requests-heading", code=303)
    return _render(db.session.get(User, user_id), confirm_form=form), 422


@bp.post("/programme/people/<int:user_id>/data-protection/erasure/<int:request_id>/cancel")
@role_required(Role.MANAGER)
def cancel_erasure(user_id: int, request_id: int):
    person = db.get_or_404(User, user_id)
    pending = _request_of(person, request_id)
    if not can_erase(current_user, person):
        abort(403)
    try:
        erasure.cancel_request(pending, current_user)
    except erasure.ErasureConflict as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "info")
    else:
        db.session.commit()
        flash(_("The erasure request is cancelled."), "info")
    return redirect(url_for("privacy.person_data", user_id=user_id), code=303)


def _request_of(person: User, request_id: int) -> ErasureRequest:
    found = db.session.get(ErasureRequest, request_id)
    if found is None or found.person_id != person.id:
        abort(404)
    return found


def _printable(plan_id: int) -> str:
    from workbench.plans.views.documents import _render_printable  # the plans' own printable page

    plan = db.session.get(BusinessPlan, plan_id)
    return exports.render_in(get_locale().language, _render_printable, plan)


def _render(
    person: User,
    request_form: ErasureRequestForm | None = None,
    confirm_form: ErasureConfirmForm | None = None,
):
    return render(
        "privacy/person_data.html",
        person=person,
        erased=person.is_erased,
        pending=erasure.open_request(person),
        requests=erasure.requests_of(person),
        has_loan=erasure.has_loan(person),
        reasons=erasure.REASONS,
        request_form=request_form or ErasureRequestForm(formdata=None),
        confirm_form=confirm_form or ErasureConfirmForm(formdata=None),
        may_erase=can_erase(current_user, person),
    )
