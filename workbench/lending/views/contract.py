"""A loan's contract: the parties, the terms, the full schedule, the totals, the fees and the APR (TAEG),
as a page and as a PDF drawn by the same renderer as the plan and the monitoring report."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_babel import format_percent, get_locale
from flask_login import current_user

from workbench.auth.roles import Role
from workbench.lending.contract import contract_figures
from workbench.lending.models import Loan
from workbench.plans import exports
from workbench.plans.financials import METHOD_LABELS
from workbench.plans.permissions import can_view_plan
from workbench.timeutil import programme_today
from workbench.web.decorators import role_required
from workbench.web.rendering import download
from workbench.web.templating import render

from . import bp, load_loan

VIEWERS = (Role.TRAINEE, Role.MENTOR, Role.OFFICER, Role.MANAGER)


def _rate(value) -> str:
    """A yearly rate as the contract writes it: up to three decimals of percent (7 %, 7,23 %)."""
    return format_percent(value, format="#,##0.###%")


def _render_contract(loan: Loan) -> str:
    figures = contract_figures(loan)
    return render(
        "lending/contract.html",
        loan=loan,
        version=loan.plan_version,
        figures=figures,
        lender=current_app.config.get("LENDER_NAME") or None,
        tan=_rate(figures.nominal_rate),
        taeg=_rate(figures.apr) if figures.apr is not None else None,
        method_label=METHOD_LABELS.get(loan.method, loan.method),
        plan_link=can_view_plan(current_user, loan.plan_version.plan),
        pdf_language=_borrower_language(loan),
        today=programme_today(),
    )


def _borrower_language(loan: Loan) -> str:
    """The language the borrower chose, for the copy they sign; the page's when they chose none."""
    chosen = loan.borrower.locale
    return chosen if chosen in current_app.config["LANGUAGES"] else get_locale().language


@bp.get("/loans/<int:loan_id>/contract")
@role_required(*VIEWERS)
def contract(loan_id: int):
    loan = load_loan(loan_id)
    return _render_contract(loan)


@bp.get("/loans/<int:loan_id>/contract.pdf")
@role_required(*VIEWERS)
def contract_pdf(loan_id: int):
    """The contract as a PDF, in the borrower's language or in the one asked for (``?lang=it``)."""
    loan = load_loan(loan_id)
    language = request.args.get("lang") or _borrower_language(loan)
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    html = exports.render_in(language, _render_contract, loan)
    document = exports.plan_pdf(html, request.url_root, current_app.static_folder or "")
    name = f"loan-contract-{loan.id}-{language}.pdf"
    return download(document, "application/pdf", name)
