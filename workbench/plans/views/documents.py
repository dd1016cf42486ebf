"""The plan leaving the app (printable page, PDF, spreadsheet, numbers file) and a numbers file coming in."""

from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.plans import exports, financials, services
from workbench.plans.catalogue import business_type_of
from workbench.plans.forms import ImportForm
from workbench.plans.models import BusinessPlan
from workbench.plans.panels import numbers_panel
from workbench.plans.statement import cash_flow_statement
from workbench.plans.views import bp, load_plan
from workbench.timeutil import utcnow
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error
from workbench.web.rendering import download
from workbench.web.templating import render


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
    return download(document, "application/pdf", name)


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
    return download(
        book, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{_file_stem(plan)}.xlsx"
    )


@bp.get("/<int:plan_id>/assumptions.json")
@role_required(Role.TRAINEE, Role.MENTOR, Role.MANAGER)
def assumptions_json(plan_id: int):
    plan = load_plan(plan_id)
    return download(exports.assumptions_json(plan), "application/json", f"{_file_stem(plan)}.json")


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
