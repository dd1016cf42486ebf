"""Plan against actual on a loan: the months' figures beside the plan, entering a month, and the one-year
monitoring report (printable page and PDF) that the national microcredit agency asks tutors to write.

Load -> check -> act: the loan is loaded and shown only to whoever may see it (404 otherwise, as for plans);
entering a month also needs :func:`can_enter_actuals` (403). A month is saved from a plain form (redirect
after saving) or in place with htmx (the month's form comes back, and the comparison out of band).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import get_decimal_symbol
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.position import positions_of
from workbench.lending.services import due_so_far, next_installment, schedule_of
from workbench.mentoring import plan_actual
from workbench.mentoring.actuals import StaleActual, actuals_of, read_figures, save_actual
from workbench.mentoring.actuals_models import MonthlyActual
from workbench.mentoring.milestones import milestones_of
from workbench.mentoring.permissions import can_enter_actuals, can_see_actuals
from workbench.mentoring.plan_actual import FIGURES, MonthRow
from workbench.mentoring.sessions import loan_tutoring, sessions_of
from workbench.mentoring.views import bp
from workbench.plans import exports
from workbench.plans.catalogue import business_type_of
from workbench.plans.charts import Chart, bars_and_line_chart
from workbench.plans.results import StoredResults, stored_results
from workbench.programme.services import current_assignment
from workbench.timeutil import programme_today
from workbench.web.dates import month_name
from workbench.web.decorators import role_required
from workbench.web.guards import MAX_ID
from workbench.web.rendering import download
from workbench.web.templating import is_htmx_fragment_request, money, render

VIEWERS = (Role.TRAINEE, Role.MENTOR, Role.OFFICER, Role.MANAGER)


def load_loan(loan_id: int, predicate: Callable[[User, Loan], bool] = can_see_actuals) -> Loan:
    """The loan, if the person may see it (else 404, like a missing one); 403 when they may see it but not
    act on it this way."""
    loan = db.session.get(Loan, loan_id)
    if loan is None or not can_see_actuals(current_user, loan):
        abort(404)
    if not predicate(current_user, loan):
        abort(403)
    return loan


# --- what the pages show ------------------------------------------------------------------------------------


@dataclass
class MonthCard:
    """One month's form: what its fields show, their errors, and the figures saved meanwhile elsewhere."""

    number: int
    month: date
    row: MonthlyActual | None
    texts: dict[str, str]
    revision: int
    errors: dict[str, str] = field(default_factory=dict)
    form_error: str = ""
    theirs: MonthlyActual | None = None
    saved: bool = False

    @property
    def label(self) -> str:
        return plan_actual.label(self.month)

    @property
    def open(self) -> bool:
        """Shown unfolded: not entered yet, or something to read (an error, a conflict, just saved)."""
        return self.row is None or bool(self.errors or self.form_error or self.theirs or self.saved)


@dataclass(frozen=True)
class Comparison:
    """A loan's months beside its plan version's projection (workbench/mentoring/plan_actual.py)."""

    loan: Loan
    results: StoredResults | None
    first_month: date
    rows: list[MonthRow]
    sales_chart: Chart | None
    cash_chart: Chart | None
    flagged: list[MonthRow]
    totals: plan_actual.Totals
    plan_months: int

    def month_label(self, number: int) -> str:
        """The calendar month of plan month ``number`` on this loan ("YYYY-MM")."""
        return plan_actual.label(plan_actual.shift_month(self.first_month, number - 1))

    def planned_total(self, name: str) -> Decimal:
        """A figure of the plan added over the months compared (those the plan covers)."""
        return sum((row.figure(name).plan or Decimal(0) for row in self.rows), Decimal("0.00"))


def comparison(loan: Loan, count: int, stored: dict[date, MonthlyActual]) -> Comparison:
    results = stored_results(loan.plan_version.results)
    first = plan_actual.month_start(loan.disbursed_on)
    rows = plan_actual.compare(results, first, count, stored)
    return Comparison(
        loan=loan,
        results=results,
        first_month=first,
        rows=rows,
        sales_chart=_chart("plan_actual_sales", rows, "sales"),
        cash_chart=_chart("plan_actual_cash", rows, "closing_cash"),
        flagged=plan_actual.flagged(rows),
        totals=plan_actual.totals(rows),
        plan_months=len(plan_actual.planned_figures(results)),
    )


def _chart(kind: str, rows: list[MonthRow], name: str) -> Chart | None:
    if not rows or not any(row.recorded or row.planned for row in rows):
        return None
    figures = [row.figure(name) for row in rows]
    return bars_and_line_chart(
        kind, [row.label for row in rows], [f.actual for f in figures], [f.plan for f in figures]
    )


def shown(amount: Decimal, decimal_symbol: str) -> str:
    """A stored amount as its field shows it: no grouping, the locale's decimal sign, cents only if any."""
    text = f"{amount:f}"
    if text.endswith(".00"):
        text = text[:-3]
    return text.replace(".", decimal_symbol)


def month_card(number: int, month: date, row: MonthlyActual | None, decimal_symbol: str) -> MonthCard:
    texts = {name: shown(getattr(row, name), decimal_symbol) if row else "" for name in FIGURES}
    return MonthCard(number, month, row, texts, row.revision if row else 0)


_DIRECTION_MARKS = str.maketrans("", "", "\u200f\u061c")


@bp.app_template_filter("ltr_money")
def ltr_money(amount: Decimal | None) -> str:
    """An amount of money for a left-to-right island inside a sentence (``<bdi dir="ltr">``): without the
    right-to-left mark the Arabic format starts with, which would move its minus after the digits."""
    return money(amount).translate(_DIRECTION_MARKS)


def _decimal_symbol() -> str:
    return get_decimal_symbol(get_locale())


def _render_actuals(loan: Loan, today: date, card: MonthCard | None = None, fragment: str | None = None):
    months = plan_actual.open_months(loan.disbursed_on, today)
    stored = actuals_of(loan)
    symbol = _decimal_symbol()
    cards = []
    for number, month in reversed(list(enumerate(months, start=1))):
        if card is not None and card.month == month:
            cards.append(card)
        else:
            cards.append(month_card(number, month, stored.get(month), symbol))
    return render(
        "mentoring/actuals.html",
        fragment=fragment,
        loan=loan,
        version=loan.plan_version,
        cmp=comparison(loan, len(months), stored),
        cards=cards,
        card=card,
        editable=can_enter_actuals(current_user, loan),
        threshold=plan_actual.FAR_BEHIND_SHARE,
        today=today,
    )


# --- plan against actual ------------------------------------------------------------------------------------


@bp.get("/loans/<int:loan_id>/actuals")
@role_required(*VIEWERS)
def actuals(loan_id: int):
    loan = load_loan(loan_id)
    return _render_actuals(loan, programme_today())


@bp.post("/loans/<int:loan_id>/actuals")
@role_required(Role.TRAINEE, Role.MENTOR)
def save_month(loan_id: int):
    """Save one month's figures. Bad amounts come back next to their fields with what was typed (422); a
    month saved meanwhile from another tab comes back with both sets of figures and is not overwritten (409):
    saving again then stores what this page shows. With htmx the month's form is answered in place."""
    loan = load_loan(loan_id, can_enter_actuals)
    today = programme_today()
    months = plan_actual.open_months(loan.disbursed_on, today)
    month = plan_actual.parse_label(request.form.get("month", ""))
    if month is None or month not in months:
        flash(_("Choose a month from the one the loan was paid out to this month."), "error")
        if is_htmx_fragment_request():
            return "", 204, {"HX-Refresh": "true"}
        return _render_actuals(loan, today), 422
    number = months.index(month) + 1
    typed = {name: _typed(request.form.get(name)) for name in FIGURES}
    card = MonthCard(number, month, None, typed, _revision(request.form.get("revision")))
    figures, card.errors = read_figures(typed, _decimal_symbol())
    status = 200
    if card.errors:
        status = 422
    else:
        try:
            saved = save_actual(loan, month, figures, card.revision, current_user, today)
        except StaleActual as stale:
            db.session.rollback()
            card.theirs = stale.theirs
            card.row = stale.theirs
            card.revision = stale.theirs.revision  # saving again stores these figures over the others
            status = 409
        except DomainError as error:
            db.session.rollback()
            card.form_error = next(iter(error.errors.values()))
            status = 422
        else:
            db.session.commit()
            if not is_htmx_fragment_request():
                flash(
                    _("The figures of %(month)s are saved.", month=_month_words(month)),
                    "success",
                )
                return redirect(url_for("mentoring.actuals", loan_id=loan.id) + f"#month-{card.label}", 303)
            card = month_card(number, month, saved, _decimal_symbol())
            card.saved = True
    if card.row is None:
        card.row = db.session.scalars(
            select(MonthlyActual).where(MonthlyActual.loan_id == loan.id, MonthlyActual.month == month)
        ).one_or_none()
    if is_htmx_fragment_request():
        # htmx swaps only successful answers: the form comes back with its errors or the conflict as a 200.
        return _render_actuals(loan, today, card, fragment="saved_month")
    return _render_actuals(loan, today, card), status


def _typed(value: Any) -> str:
    """A posted figure as typed, bounded (the reader refuses anything longer than a number anyway)."""
    return value[:200] if isinstance(value, str) else ""


def _revision(value: Any) -> int:
    """The revision the page showed: 0 for a month it showed empty; -1 (matches nothing) when unreadable."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return -1
    return int(text)


def _month_words(month: date) -> str:
    return month_name(plan_actual.label(month))


# --- the one-year monitoring report -------------------------------------------------------------------------


def _render_report(loan: Loan, today: date) -> str:
    stored = actuals_of(loan)
    cmp = comparison(loan, plan_actual.REPORT_MONTHS, stored)
    schedule = schedule_of(loan)
    last_month = plan_actual.shift_month(cmp.first_month, plan_actual.REPORT_MONTHS - 1)
    assignment = current_assignment(loan.borrower)
    return render(
        "mentoring/monitoring_report.html",
        loan=loan,
        version=loan.plan_version,
        template=business_type_of(loan.plan_version),
        language=get_locale().language,
        cmp=cmp,
        threshold=plan_actual.FAR_BEHIND_SHARE,
        today=today,
        period=(plan_actual.label(cmp.first_month), plan_actual.label(last_month)),
        recorded=sum(1 for row in cmp.rows if row.recorded),
        open_count=len([m for m in plan_actual.open_months(loan.disbursed_on, today) if m <= last_month]),
        schedule=schedule,
        due=due_so_far(schedule, today),
        next_due=next_installment(schedule, today),
        position=positions_of([loan], today)[loan.id],
        mentor=assignment.mentor if assignment is not None else None,
        tutoring=loan_tutoring(loan, today=today),
        sessions=sessions_of(loan.borrower_id),
        milestones=milestones_of([loan.borrower_id])[loan.borrower_id],
    )


@bp.get("/loans/<int:loan_id>/monitoring-report")
@role_required(*VIEWERS)
def monitoring_report(loan_id: int):
    loan = load_loan(loan_id)
    return _render_report(loan, programme_today())


@bp.get("/loans/<int:loan_id>/monitoring-report.pdf")
@role_required(*VIEWERS)
def monitoring_report_pdf(loan_id: int):
    """The report as a PDF, in the page's language or the one asked for (``?lang=it`` for the agency)."""
    loan = load_loan(loan_id)
    language = request.args.get("lang") or get_locale().language
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    html = exports.render_in(language, _render_report, loan, programme_today())
    document = exports.plan_pdf(html, request.url_root, current_app.static_folder or "")
    name = f"monitoring-report-loan-{loan.id}-{language}.pdf"
    return download(document, "application/pdf", name)
