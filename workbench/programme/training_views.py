"""The manager's pages of a cohort's training: the cohort's details, its modules, each module's attendance
register, and withdrawing a completion (rules in workbench/programme/training.py).

Load -> check -> act: the cohort (and the module, which must be the cohort's) is loaded from the URL, 404
when missing; every page is the managers' (role_required). Forms post and redirect (303); a refused form comes
back with the reasons next to its fields (422), a change made meanwhile by another manager with what this one
typed kept (409).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.programme import training
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.training_forms import (
    CohortEditForm,
    EditModuleForm,
    ModuleForm,
    cohort_form_data,
    module_form_data,
    read_register,
    revision_name,
    show_hours,
)
from workbench.programme.training_models import TrainingModule
from workbench.programme.views import bp
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error, keep_typed_over_stale
from workbench.web.templating import render


def load_module(cohort_id: int, module_id: int) -> tuple[Cohort, TrainingModule]:
    cohort = db.get_or_404(Cohort, cohort_id)
    module = db.session.get(TrainingModule, module_id)
    if module is None or module.cohort_id != cohort.id:
        abort(404)
    return cohort, module


def _to_cohort(cohort: Cohort, anchor: str = ""):
    return redirect(url_for("programme.cohort", cohort_id=cohort.id) + anchor, code=303)


# --- the cohort's details -----------------------------------------------------------------------------------


@bp.route("/programme/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def edit_cohort(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    if request.method == "GET":
        form = CohortEditForm(formdata=None, data=cohort_form_data(cohort))
        return render("programme/cohort_edit.html", form=form, cohort=cohort)
    form = CohortEditForm()
    if form.validate_on_submit():
        try:
            training.change_cohort(
                cohort, form.details(), seen_revision=form.revision.data, actor=current_user
            )
        except DomainError as error:
            db.session.rollback()
            cohort = db.get_or_404(Cohort, cohort_id)
            if "" in error.errors:  # another manager's change is stored; what this one typed is kept
                keep_typed_over_stale(form, error, cohort.revision)
                return render("programme/cohort_edit.html", form=form, cohort=cohort), 409
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The details of %(name)s are saved.", name=cohort.name), "success")
            return _to_cohort(cohort)
    return render("programme/cohort_edit.html", form=form, cohort=cohort), 422


# --- modules ------------------------------------------------------------------------------------------------


@bp.route("/programme/cohorts/<int:cohort_id>/modules/new", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def new_module(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    form = ModuleForm()
    if form.validate_on_submit():
        try:
            module = training.add_module(cohort, form.details(), current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Module %(title)s added.", title=module.title), "success")
            return _to_cohort(cohort, "#modules-heading")
    status = 422 if request.method == "POST" else 200
    return render("programme/module_form.html", form=form, cohort=cohort, module=None), status


@bp.route("/programme/cohorts/<int:cohort_id>/modules/<int:module_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def edit_module(cohort_id: int, module_id: int):
    cohort, module = load_module(cohort_id, module_id)
    most = training.most_attended(module)
    if request.method == "GET":
        form = EditModuleForm(formdata=None, data=module_form_data(module))
        return render("programme/module_form.html", form=form, cohort=cohort, module=module, most=most)
    form = EditModuleForm()
    if form.validate_on_submit():
        try:
            training.change_module(
                module, form.details(), seen_revision=form.revision.data, actor=current_user
            )
        except DomainError as error:
            db.session.rollback()
            cohort, module = load_module(cohort_id, module_id)
            if "" in error.errors:
                keep_typed_over_stale(form, error, module.revision)
                return render(
                    "programme/module_form.html", form=form, cohort=cohort, module=module, most=most
                ), 409
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Module %(title)s saved.", title=module.title), "success")
            return _to_cohort(cohort, "#modules-heading")
    return render("programme/module_form.html", form=form, cohort=cohort, module=module, most=most), 422


@bp.post("/programme/cohorts/<int:cohort_id>/modules/<int:module_id>/remove")
@role_required(Role.MANAGER)
def remove_module(cohort_id: int, module_id: int):
    cohort, module = load_module(cohort_id, module_id)
    title = module.title
    try:
        removed = training.remove_module(module, current_user)
    except DomainError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
        return _to_cohort(cohort, "#modules-heading")
    db.session.commit()
    if removed:
        flash(_("Module %(title)s removed.", title=title), "success")
    return _to_cohort(cohort, "#modules-heading")


# --- the attendance register --------------------------------------------------------------------------------


@bp.route("/programme/cohorts/<int:cohort_id>/modules/<int:module_id>/attendance", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def attendance(cohort_id: int, module_id: int):
    """A module's register: every trainee of the cohort with the hours they attended, saved at once."""
    cohort, module = load_module(cohort_id, module_id)
    enrolments = training.enrolments_in(cohort)
    if request.method == "GET":
        return _render_register(cohort, module, enrolments)
    cells, errors = read_register(request.form, [e.id for e in enrolments], module.hours)
    if errors:
        return _render_register(cohort, module, enrolments, typed=request.form, errors=errors), 422
    try:
        saved = training.save_register(module, cells, current_user)
    except DomainError as error:
        db.session.rollback()
        cohort, module = load_module(cohort_id, module_id)
        if "" in error.errors:  # the module was removed meanwhile
            flash(error.errors[""], "error")
            return _to_cohort(cohort, "#modules-heading")
        return _render_register(cohort, module, enrolments, typed=request.form, errors=error.errors), 422
    except training.StaleRegister as stale:
        db.session.rollback()
        cohort, module = load_module(cohort_id, module_id)
        flash(
            _(
                "Nothing was saved: someone recorded some of these trainees meanwhile. Check the cells "
                "marked below."
            ),
            "error",
        )
        return _render_register(
            cohort, module, training.enrolments_in(cohort), typed=request.form, theirs=stale.theirs
        ), 409
    db.session.commit()
    if saved.recorded or saved.corrected:
        flash(
            ngettext(
                "Register saved: %(num)d trainee recorded.",
                "Register saved: %(num)d trainees recorded.",
                saved.recorded + saved.corrected,
            ),
            "success",
        )
    else:
        flash(_("Nothing to save: the register already held these hours."), "info")
    for enrolment in saved.completed:
        flash(
            _("%(name)s has completed the training.", name=enrolment.user.full_name),
            "success",
        )
    return redirect(url_for("programme.attendance", cohort_id=cohort.id, module_id=module.id), code=303)


def _render_register(cohort, module, enrolments, *, typed=None, errors=None, theirs=None):
    """The register page. `typed`: the form as posted, kept in the cells; `theirs`: the attendance recorded
    meanwhile by someone else, by enrolment id (the cells then carry its revision, so saving again replaces
    it)."""
    stored = training.register_of(module)
    progress = training.cohort_progress(cohort, [e.id for e in enrolments])
    theirs = theirs or {}
    rows = []
    for enrolment in enrolments:
        row = stored.get(enrolment.id)
        if typed is not None:
            value = typed.get(training.cell_name(enrolment.id), "")
            value = value[:40] if isinstance(value, str) else ""
        else:
            value = show_hours(row.hours if row else None)
        if enrolment.id in theirs:
            revision = theirs[enrolment.id].revision
        elif typed is not None:
            posted = typed.get(revision_name(enrolment.id), "")
            revision = posted[:12] if isinstance(posted, str) else ""
        else:
            revision = row.revision if row else 0
        rows.append(
            {
                "enrolment": enrolment,
                "stored": row,
                "value": value,
                "revision": revision,
                "error": (errors or {}).get(training.cell_name(enrolment.id)),
                "theirs": theirs.get(enrolment.id),
                "progress": progress[enrolment.id],
            }
        )
    return render(
        "programme/attendance.html",
        cohort=cohort,
        module=module,
        rows=rows,
        cell_name=training.cell_name,
        revision_name=revision_name,
        share=cohort.completion_share,
    )


# --- completion ---------------------------------------------------------------------------------------------


@bp.post("/programme/enrolments/<int:enrolment_id>/training-withdrawn")
@role_required(Role.MANAGER)
def withdraw_completion(enrolment_id: int):
    """Take a trainee's completion back: it is never taken back by itself (see training.py)."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    name = enrolment.user.full_name
    back = request.form.get("back")
    try:
        withdrawn = training.withdraw_completion(enrolment, current_user)
    except DomainError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
    else:
        db.session.commit()
        if withdrawn:
            flash(_("The training of %(name)s is no longer recorded as completed.", name=name), "info")
    if back == "person":
        return redirect(
            url_for("programme.person", user_id=enrolment.user_id) + "#training-heading", code=303
        )
    return redirect(url_for("programme.cohort", cohort_id=enrolment.cohort_id), code=303)
