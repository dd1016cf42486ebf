"""Sending a plan for review, the mentor's decision with its note, frozen versions and their comparison."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.plans import financials, services
from workbench.plans.catalogue import business_type_of
from workbench.plans.diff import compare_versions
from workbench.plans.forms import RequestChangesForm
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.plans.permissions import (
    can_edit_plan,
    can_request_changes,
    can_review_plan,
)
from workbench.plans.results import stored_results
from workbench.plans.review import notes_of, open_note
from workbench.plans.views import bp, load_plan
from workbench.plans.views.wizard import render_overview
from workbench.programme.services import current_assignment
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error
from workbench.web.templating import is_htmx_fragment_request, render


@bp.post("/<int:plan_id>/submit")
@role_required(Role.TRAINEE)
def submit(plan_id: int):
    plan = load_plan(plan_id, can_edit_plan)
    try:
        version = services.submit_plan(plan, current_user)
    except DomainError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
    else:
        db.session.commit()
        assignment = current_assignment(plan.owner)
        if assignment is not None:
            flash(
                _(
                    "Version %(n)d of your plan was sent to %(name)s.",
                    n=version.number,
                    name=assignment.mentor.full_name,
                ),
                "success",
            )
        else:
            flash(
                _(
                    "Version %(n)d of your plan is sent. No mentor is assigned to you yet: the programme's "
                    "manager will assign one, who will then review it.",
                    n=version.number,
                ),
                "success",
            )
    return redirect(url_for("plans.overview", plan_id=plan.id), code=303)


@bp.post("/<int:plan_id>/request-changes")
@role_required(Role.MENTOR)
def request_changes(plan_id: int):
    """The mentor sends the latest version back with a note. An empty note is an error at the field, in
    place (htmx swaps the review card) or on the page (no JavaScript); a plan no longer waiting says so and
    the note is shown back, never lost."""
    plan = load_plan(plan_id, can_review_plan)
    form = RequestChangesForm()
    if not can_request_changes(current_user, plan):
        return _note_not_sent(plan, form, services.already_sent_back())
    if not form.validate_on_submit():
        return _review_card(plan, form)
    try:
        services.request_changes(plan, current_user, form.note.data)
    except DomainError as error:
        db.session.rollback()
        if "" in error.errors:  # sent back from another window meanwhile
            return _note_not_sent(plan, form, error.errors[""])
        apply_domain_error(form, error)
        return _review_card(plan, form)
    db.session.commit()
    flash(_("The plan went back to %(name)s with your note.", name=plan.owner.full_name), "success")
    if is_htmx_fragment_request():
        return "", 204, {"HX-Refresh": "true"}
    return redirect(url_for("plans.overview", plan_id=plan.id), code=303)


def _review_card(plan: BusinessPlan, form: RequestChangesForm):
    """The form again with its errors: the card alone for htmx (swapped in place), else the page (422)."""
    if is_htmx_fragment_request():
        return render_overview(plan, form, fragment="review")
    return render_overview(plan, form), 422


def _note_not_sent(plan: BusinessPlan, form: RequestChangesForm, reason: str):
    flash(reason, "error")
    note = (form.note.data or "").strip()
    if note:
        flash(_("Your note was not sent: %(note)s", note=note), "info")
    if is_htmx_fragment_request():
        return "", 204, {"HX-Refresh": "true"}
    return render_overview(plan, RequestChangesForm(formdata=None)), 409


@bp.app_template_global()
def review_note_of(plan: BusinessPlan):
    """The note the trainee is working on, for the banner of the plan pages (None when there is none)."""
    return open_note(plan)


bp.add_app_template_global(can_request_changes)


@bp.get("/<int:plan_id>/versions/<int:number>")
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def version(plan_id: int, number: int):
    plan = load_plan(plan_id)
    frozen = db.first_or_404(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == number)
    )
    return render(
        "plans/version.html",
        plan=plan,
        version=frozen,
        template=business_type_of(frozen),
        results=stored_results(frozen.results),
        notes=notes_of(plan),
        language=get_locale().language,
        financials=financials,
    )


@bp.get("/<int:plan_id>/compare")
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def compare(plan_id: int):
    plan = load_plan(plan_id)
    numbers = {v.number: v for v in plan.versions}
    try:
        old, new = numbers[int(request.args["old"])], numbers[int(request.args["new"])]
    except (KeyError, ValueError):
        abort(404)
    template, old_template = business_type_of(new), business_type_of(old)
    return render(
        "plans/compare.html",
        plan=plan,
        old=old,
        new=new,
        template=template,
        old_template=old_template,
        comparison=compare_versions(old, new, template, old_template),
        financials=financials,
        language=get_locale().language,
    )
