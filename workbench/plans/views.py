"""Plan pages: the trainee's list, the wizard (one section per page, autosaved), submission and review.

Load -> check -> act: every view loads the plan (404), asks a predicate from permissions.py (403), then
calls a service. The same POST serves a plain form (redirect after saving) and htmx autosave (fragment).
"""

from __future__ import annotations

import re
from functools import partial

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from workbench.auth.permissions import is_manager
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.plans import exports, financials, services
from workbench.plans import numbers_form as forms_of_numbers
from workbench.plans.catalogue import business_type_of, business_types
from workbench.plans.checklist import plan_checklist, progress
from workbench.plans.diff import compare_versions
from workbench.plans.forms import ImportForm, NewPlanForm, RequestChangesForm
from workbench.plans.languages import ANSWER_LANGUAGES, RTL_ANSWER_LANGUAGES
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.plans.numbers import save_numbers
from workbench.plans.panels import error_slots, numbers_panel, what_if_panel
from workbench.plans.permissions import (
    can_edit_plan,
    can_request_changes,
    can_review_plan,
    can_view_plan,
)
from workbench.plans.results import stored_results
from workbench.plans.review import notes_of, open_note, review_status, review_statuses
from workbench.plans.statement import cash_flow_statement
from workbench.programme.services import current_assignment, mentees_of
from workbench.timeutil import utcnow
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error
from workbench.web.guards import query_int
from workbench.web.templating import is_htmx_fragment_request, render

bp = Blueprint("plans", __name__, url_prefix="/plans")

PLANS_PER_PAGE = 50


def load_plan(plan_id: int, predicate=can_view_plan) -> BusinessPlan:
    """The plan, if the person may see it; someone else's plan is a 404 exactly like a missing one, so ids
    reveal nothing. 403 only for a plan they may see but not act on this way (a mentor posting an answer)."""
    plan = db.session.get(BusinessPlan, plan_id)
    if plan is None or not can_view_plan(current_user, plan):
        abort(404)
    if not predicate(current_user, plan):
        abort(403)
    return plan


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
    return _render_overview(load_plan(plan_id), RequestChangesForm())


def _render_overview(plan: BusinessPlan, review_form: RequestChangesForm, fragment: str | None = None) -> str:
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
        review_form=review_form,
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
        return _render_overview(plan, form, fragment="review")
    return _render_overview(plan, form), 422


def _note_not_sent(plan: BusinessPlan, form: RequestChangesForm, reason: str):
    flash(reason, "error")
    note = (form.note.data or "").strip()
    if note:
        flash(_("Your note was not sent: %(note)s", note=note), "info")
    if is_htmx_fragment_request():
        return "", 204, {"HX-Refresh": "true"}
    return _render_overview(plan, RequestChangesForm(formdata=None)), 409


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


@bp.get("/<int:plan_id>/print")
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def printable(plan_id: int):
    plan = load_plan(plan_id)
    return _render_printable(plan)


@bp.get("/<int:plan_id>/plan.pdf")
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def pdf(plan_id: int):
    """The printable plan as a PDF, in the page's language or in the one asked for (``?lang=it``)."""
    plan = load_plan(plan_id)
    language = request.args.get("lang") or get_locale().language
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    html = exports.render_in(language, _render_printable, plan)
    document = exports.plan_pdf(html, request.url_root, current_app.static_folder or "")
    name = f"{_file_stem(plan)}-{language}.pdf"
    return _download(document, "application/pdf", name)


@bp.get("/<int:plan_id>/projection.xlsx")
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def projection_xlsx(plan_id: int):
    plan = load_plan(plan_id)
    result, _error = services.projection_of(plan.assumptions)
    if result is None:
        flash(
            _("The spreadsheet needs numbers that can be read: check the messages in the numbers pages."),
            "error",
        )
        return redirect(url_for("plans.section", plan_id=plan.id, section_key="cashflow"), code=303)
    labels = {row: str(label) for row, label in financials.ROW_LABELS.items()}
    book = exports.projection_xlsx(plan, result, labels)
    return _download(
        book, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{_file_stem(plan)}.xlsx"
    )


@bp.get("/<int:plan_id>/assumptions.json")
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def assumptions_json(plan_id: int):
    plan = load_plan(plan_id)
    return _download(exports.assumptions_json(plan), "application/json", f"{_file_stem(plan)}.json")


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def import_numbers():
    """A new plan from a numbers file saved from another plan."""
    form = ImportForm()
    if form.validate_on_submit():
        try:
            document = exports.read_assumptions_json(form.file.data.read())
            title = _imported_title(form.title.data or "", str(document.get("title") or ""))
            plan = services.import_plan(current_user, {**document, "title": title})
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("A new plan was made with the numbers of the file. Now write your answers."), "success")
            return redirect(url_for("plans.overview", plan_id=plan.id), code=303)
    status = 422 if form.errors else 200
    return render("plans/import.html", form=form), status


def _imported_title(chosen: str, original: str) -> str:
    """The title of an imported plan: the one the person chose, else the file's with today's date, so the
    list never shows two plans that look the same; a title already taken gets a number."""
    title = chosen.strip()
    if not title:
        suffix = " " + _("(imported %(date)s)", date=format_date(utcnow(), "medium"))
        title = (original.strip() or _("Imported plan"))[: 160 - len(suffix)].rstrip() + suffix
    taken = set(
        db.session.scalars(select(BusinessPlan.title).where(BusinessPlan.owner_id == current_user.id))
    )
    candidate, number = title, 2
    while candidate in taken:
        ending = f" ({number})"
        candidate, number = title[: 160 - len(ending)] + ending, number + 1
    return candidate


def _render_printable(plan: BusinessPlan) -> str:
    template = business_type_of(plan)
    projected = services.projection_of(plan.assumptions)
    result = projected[0]
    return render(
        "plans/print.html",
        plan=plan,
        template=template,
        language=get_locale().language,
        answers=services.answers_document(plan),
        result=result,
        panel=numbers_panel(plan, plan.assumptions, "cashflow", projected=projected) if result else None,
        statement=cash_flow_statement(result) if result else None,
        financials=financials,
    )


def _file_stem(plan: BusinessPlan) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (plan.title or "").lower()).strip("-")[:60]
    return slug or f"plan-{plan.id}"


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
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
