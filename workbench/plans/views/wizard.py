"""The trainee's list and the wizard: one section per page, answers and numbers autosaved.

The same POST serves a plain form (redirect after saving) and htmx autosave (a fragment)."""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from workbench.auth.permissions import is_manager
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.plans import financials, services
from workbench.plans import numbers_form as forms_of_numbers
from workbench.plans.catalogue import business_type_of, business_types
from workbench.plans.checklist import plan_checklist, progress
from workbench.plans.forms import DecisionForms, NewPlanForm, decision_forms
from workbench.plans.languages import ANSWER_LANGUAGES, RTL_ANSWER_LANGUAGES
from workbench.plans.models import BusinessPlan
from workbench.plans.numbers import save_numbers
from workbench.plans.panels import error_slots, numbers_panel, what_if_panel
from workbench.plans.permissions import (
    can_edit_plan,
    can_review_plan,
)
from workbench.plans.review import notes_of, review_status, review_statuses
from workbench.plans.views import bp, load_plan
from workbench.programme.services import current_assignment, mentees_of
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error
from workbench.web.guards import query_int
from workbench.web.templating import is_htmx_fragment_request, render

PLANS_PER_PAGE = 50


@bp.get("")
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def index():
    """A trainee's own plans; for a mentor their mentees' plans, for a manager every plan of the programme."""
    own = db.session.scalars(
        select(BusinessPlan)
        .where(BusinessPlan.owner_id == current_user.id)
        .order_by(BusinessPlan.updated_at.desc())
    ).all()
    others = None
    if is_manager(current_user) or current_user.has_role(Role.MENTOR):
        query = (
            select(BusinessPlan)
            .where(BusinessPlan.owner_id != current_user.id)
            .options(selectinload(BusinessPlan.owner))
            .order_by(BusinessPlan.updated_at.desc(), BusinessPlan.id.desc())
        )
        if not is_manager(current_user):
            query = query.where(BusinessPlan.owner_id.in_([a.trainee_id for a in mentees_of(current_user)]))
        others = db.paginate(
            query,
            page=query_int("page", 1),
            per_page=PLANS_PER_PAGE,
            max_per_page=PLANS_PER_PAGE,
            error_out=False,
        )
    shown = [*own, *(others.items if others else [])]
    return render(
        "plans/index.html",
        plans=own,
        others=others,
        statuses=review_statuses(p.id for p in shown),
        is_trainee=current_user.has_role(Role.TRAINEE),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def new():
    language = get_locale().language
    form = NewPlanForm()
    form.business_type.choices = [SelectChoice(t.key, t.name(language)) for t in business_types()]
    if form.validate_on_submit():
        try:
            plan = services.create_plan(
                owner=current_user,
                business_type=form.business_type.data,
                title=form.title.data or "",
                from_example=form.start_from.data == "example",
                language=language,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            first = business_type_of(plan).sections[0].key
            return redirect(url_for("plans.section", plan_id=plan.id, section_key=first), code=303)
    return render("plans/new.html", form=form, types=business_types(), language=language)


@bp.get("/<int:plan_id>")
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def overview(plan_id: int):
    return render_overview(load_plan(plan_id), decision_forms())


def render_overview(plan: BusinessPlan, forms: DecisionForms, fragment: str | None = None) -> str:
    items = plan_checklist(plan)
    assignment = current_assignment(plan.owner)
    return render(
        "plans/overview.html",
        fragment=fragment,
        plan=plan,
        template=business_type_of(plan),
        checklist=items,
        percent=progress(items),
        unsent=services.has_unsent_changes(plan),
        can_edit=can_edit_plan(current_user, plan),
        can_review=can_review_plan(current_user, plan),
        is_manager=is_manager(current_user),
        status=review_status(plan),
        notes=notes_of(plan),
        mentor=assignment.mentor if assignment else None,
        forms=forms,
        language=get_locale().language,
    )


@bp.route("/<int:plan_id>/sections/<section_key>", methods=["GET", "POST"])
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def section(plan_id: int, section_key: str):
    plan = load_plan(plan_id)
    template = business_type_of(plan)
    current = template.section(section_key)
    if current is None:
        abort(404)
    editable = can_edit_plan(current_user, plan)
    outcome = services.SaveOutcome()
    typed: dict[str, tuple[str, str, int]] = {}
    if request.method == "POST":
        if not editable:
            abort(403)
        edits, typed = _edits_from_form(plan, current)
        outcome = services.save_answers(plan, edits, current_user)
        db.session.commit()
        if is_htmx_fragment_request():
            choice = request.form.get("keep_mine") or request.form.get("use_theirs")
            if choice and not outcome.conflicts:  # a choice that lost a race shows the newer text instead
                return "", 204, {"HX-Refresh": "true"}
            return _render_section(plan, template, current, editable, outcome, typed, fragment="autosave")
        if not outcome.conflicts and not outcome.errors:
            flash(_("Saved."), "success")
            return redirect(_after_save_url(plan, template, current), code=303)
    status = 409 if outcome.conflicts else 422 if outcome.errors else 200
    if current.kind == "risks" and request.args.get("what_if") is not None and is_htmx_fragment_request():
        return _render_section(plan, template, current, editable, outcome, typed, fragment="what_if")
    return _render_section(plan, template, current, editable, outcome, typed), status


@bp.post("/<int:plan_id>/numbers/<section_key>")
@role_required(Role.TRAINEE)
def numbers(plan_id: int, section_key: str):
    """Save one numbers page and answer with the recomputed results (htmx) or the page (no JavaScript).

    A stale page (the numbers were saved from another window) is not saved: the typed values come back with
    what differs, and "keep mine" saves them over the others."""
    plan = load_plan(plan_id, can_edit_plan)
    template = business_type_of(plan)
    current = template.section(section_key)
    if current is None or not forms_of_numbers.is_numbers_section(section_key):
        abort(404)
    language = get_locale().language
    # Values too long or above their range are refused here: they keep their saved value, the page shows
    # what was typed with the message (posted.refused), and nothing unreadable is stored.
    posted = forms_of_numbers.read_form(request.form, section_key, language, plan.assumptions)
    try:
        base_revision = int(request.form.get("assumptions_rev", ""))
    except ValueError:
        base_revision = -1
    keep_mine = bool(request.form.get("keep_mine"))
    outcome = save_numbers(plan, section_key, posted.part, base_revision, current_user, keep_mine=keep_mine)
    # The one projection of this request: the panel, its warnings and the checklist all read it.
    projected = services.projection_of(outcome.document)
    panel = numbers_panel(
        plan,
        outcome.document,
        section_key,
        posted.origin,
        projected=projected,
        conflict=outcome.conflict,
        refused=posted.refused,
    )
    # Without a conflict the stored numbers are the page's (saved now, or equal already).
    stored_projection = projected if outcome.conflict is None else None
    restructured = bool(request.form.get("add") or request.form.get("remove"))
    render_page = partial(
        _render_section,
        plan,
        template,
        current,
        True,
        services.SaveOutcome(),
        {},
        numbers_form=posted.form,
        panel=panel,
        projected=stored_projection,
    )
    if is_htmx_fragment_request():
        if restructured or outcome.conflict:  # new rows or the conflict box: the whole editor is swapped
            html = render_page(fragment="numbers_editor")
            response = html, 200, {"HX-Retarget": "#numbers-editor", "HX-Reswap": "outerHTML"}
        else:
            response = render_page(fragment="numbers_autosave"), 200, {}
    elif panel.errors or outcome.conflict or restructured:
        response = render_page(), 409 if outcome.conflict else 422 if panel.errors else 200, {}
    else:
        flash(_("Saved."), "success")
        response = redirect(_after_save_url(plan, template, current), code=303)
    # Committed once the answer is made: the page reads the plan as this request left it, not reloaded.
    db.session.commit()
    return response


def _edits_from_form(
    plan: BusinessPlan, current
) -> tuple[list[services.AnswerEdit], dict[str, tuple[str, str, int]]]:
    """Read each question's text, language and revision; explicit conflict choices override the revision."""
    keep_mine = request.form.get("keep_mine")
    use_theirs = request.form.get("use_theirs")
    edits: list[services.AnswerEdit] = []
    typed: dict[str, tuple[str, str, int]] = {}
    for question in current.questions:
        text = request.form.get(f"answer-{question.key}")
        if text is None or question.key == use_theirs:
            continue
        text = text.replace("\r\n", "\n")
        language = request.form.get(f"language-{question.key}") or get_locale().language
        try:
            base_revision = int(request.form.get(f"rev-{question.key}", "0"))
        except ValueError:
            base_revision = 0
        typed[question.key] = (text, language, base_revision)
        stored = plan.answer(question.key)
        if question.key == keep_mine and stored is not None:
            base_revision = stored.revision
        edits.append(services.AnswerEdit(question.key, text, language, base_revision))
    return edits, typed


def _after_save_url(plan: BusinessPlan, template, current) -> str:
    keys = [s.key for s in template.sections]
    index = keys.index(current.key)
    go = request.form.get("go")
    if go == "next" and index + 1 < len(keys):
        return url_for("plans.section", plan_id=plan.id, section_key=keys[index + 1])
    if go == "previous" and index > 0:
        return url_for("plans.section", plan_id=plan.id, section_key=keys[index - 1])
    if go == "overview":
        return url_for("plans.overview", plan_id=plan.id)
    return url_for("plans.section", plan_id=plan.id, section_key=current.key)


def _render_section(
    plan,
    template,
    current,
    editable,
    outcome,
    typed,
    fragment=None,
    numbers_form=None,
    panel=None,
    projected=None,
):
    """``projected``: the projection of the plan's stored numbers, when the request has it already."""
    keys = [s.key for s in template.sections]
    index = keys.index(current.key)
    language = get_locale().language
    if forms_of_numbers.is_numbers_section(current.key):
        if projected is None and panel is None:
            projected = services.projection_of(plan.assumptions)
        numbers_form = numbers_form or forms_of_numbers.form_from_document(
            plan.assumptions, current.key, language
        )
        panel = panel or numbers_panel(plan, plan.assumptions, current.key, projected=projected)
    items = plan_checklist(plan, projected)
    what_if = (
        what_if_panel(plan, request.args.getlist("what_if")) if current.kind in {"risks", "summary"} else None
    )
    return render(
        "plans/section.html",
        fragment=fragment,
        plan=plan,
        template=template,
        section=current,
        previous_section=template.sections[index - 1] if index > 0 else None,
        next_section=template.sections[index + 1] if index + 1 < len(keys) else None,
        editable=editable,
        outcome=outcome,
        conflicts={c.question_key: c for c in outcome.conflicts},
        typed={key: (text, language) for key, (text, language, _revision) in typed.items()},
        typed_revisions={key: revision for key, (_text, _language, revision) in typed.items()},
        checklist=items,
        missing_by_section=_missing_by_section(items),
        percent=progress(items),
        language=language,
        answer_languages=ANSWER_LANGUAGES,
        rtl_languages=RTL_ANSWER_LANGUAGES,
        numbers_form=numbers_form,
        panel=panel,
        error_slots=error_slots(numbers_form, panel.errors) if fragment == "numbers_autosave" else None,
        what_if=what_if,
        financials=financials,
        answers=services.answers_document(plan) if current.kind == "summary" else {},
    )


def _missing_by_section(items) -> dict[str, int]:
    """How many items are missing in each section that has any (0: complete); sections without items are
    absent, so the navigation ticks only what the person has completed."""
    missing: dict[str, int] = {}
    for item in items:
        missing[item.section_key] = missing.get(item.section_key, 0) + (0 if item.done else 1)
    return missing
