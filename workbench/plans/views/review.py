"""Sending a plan for review, a mentor's decision with its note (send back, or endorse as ready for credit),
frozen versions and their comparison."""

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
from workbench.plans.forms import DecisionForms, decision_forms
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.plans.permissions import (
    can_apply_for_credit,
    can_decide,
    can_edit_plan,
    can_endorse,
    can_request_changes,
    can_review_plan,
)
from workbench.plans.results import stored_results
from workbench.plans.review import latest_decision, notes_of, review_status
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
    """A mentor sends the latest version back with a note saying what to change."""
    return _decide(
        plan_id,
        "changes",
        services.request_changes,
        lambda plan: _("The plan went back to %(name)s with your note.", name=plan.owner.full_name),
    )


@bp.post("/<int:plan_id>/endorse")
@role_required(Role.MENTOR)
def endorse(plan_id: int):
    """A mentor endorses the latest version as ready for credit, with a note: the trainee may then apply."""
    return _decide(
        plan_id,
        "endorse",
        services.endorse_plan,
        lambda plan: _(
            "You endorsed version %(n)d as ready for credit: %(name)s can now apply for microcredit.",
            n=plan.latest_version.number,
            name=plan.owner.full_name,
        ),
    )


def _decide(plan_id: int, which: str, decide, success):
    """Either decision, from the overview or the version page (posted as back=version). An empty note is an
    error at its field, in place (htmx swaps the decision card) or on the page (no JavaScript); a plan no
    longer waiting (another mentor, another tab decided a moment ago) says who decided what, and the note is
    shown back, never lost."""
    plan = load_plan(plan_id, can_review_plan)
    forms = decision_forms()
    form = forms.changes if which == "changes" else forms.endorse
    if not can_decide(current_user, plan):
        return _note_not_sent(plan, form, services.not_waiting_message(plan))
    if not form.validate_on_submit():
        return _decision_card(plan, forms)
    try:
        decide(plan, current_user, form.note.data)
    except DomainError as error:
        db.session.rollback()
        if "" in error.errors:  # decided from another window, or by another mentor, meanwhile
            return _note_not_sent(plan, form, error.errors[""])
        apply_domain_error(form, error)
        return _decision_card(plan, forms)
    db.session.commit()
    flash(success(plan), "success")
    if is_htmx_fragment_request():
        return "", 204, {"HX-Refresh": "true"}
    if _from_version_page():
        return redirect(
            url_for("plans.version", plan_id=plan.id, number=plan.latest_version.number), code=303
        )
    return redirect(url_for("plans.overview", plan_id=plan.id), code=303)


def _from_version_page() -> bool:
    return request.form.get("back") == "version"


def _render_review_page(plan: BusinessPlan, forms: DecisionForms, fragment: str | None = None):
    """The page the decision was posted from, with the forms as they are now."""
    if _from_version_page() and plan.latest_version is not None:
        return render_version(plan, plan.latest_version, forms, fragment=fragment)
    return render_overview(plan, forms, fragment=fragment)


def _decision_card(plan: BusinessPlan, forms: DecisionForms):
    """The forms again with their errors: the card alone for htmx (swapped in place), else the page (422)."""
    if is_htmx_fragment_request():
        return _render_review_page(plan, forms, fragment="review")
    return _render_review_page(plan, forms), 422


def _note_not_sent(plan: BusinessPlan, form, reason: str):
    flash(reason, "error")
    note = (form.note.data or "").strip()
    if note:
        flash(_("Your note was not sent: %(note)s", note=note), "info")
    if is_htmx_fragment_request():
        return "", 204, {"HX-Refresh": "true"}
    return _render_review_page(plan, decision_forms(posted=False)), 409


@bp.app_template_global()
def review_note_of(plan: BusinessPlan):
    """The decision on the latest version, for the banner of the plan pages: the note the trainee is
    working on, or the endorsement they apply for credit with (None while the version waits)."""
    return latest_decision(plan)


for _predicate in (can_request_changes, can_endorse, can_decide, can_apply_for_credit):
    bp.add_app_template_global(_predicate)


@bp.get("/<int:plan_id>/versions/<int:number>")
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def version(plan_id: int, number: int):
    plan = load_plan(plan_id)
    frozen = db.first_or_404(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == number)
    )
    return render_version(plan, frozen, decision_forms())


def render_version(
    plan: BusinessPlan, frozen: PlanVersion, forms: DecisionForms, fragment: str | None = None
) -> str:
    """A frozen version as it was sent, the decision on it and, while it waits, the reviewer's two forms."""
    return render(
        "plans/version.html",
        fragment=fragment,
        plan=plan,
        version=frozen,
        status=review_status(plan),
        template=business_type_of(frozen),
        results=stored_results(frozen.results),
        notes=notes_of(plan),
        language=get_locale().language,
        financials=financials,
        forms=forms,
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
