"""The lending figures a funder or the national microcredit agency asks for, as CSV and XLSX
(workbench/web/spreadsheets.py): the portfolio in all, by cohort and by officer with the definitions, and
every loan with its schedule in force and its repayments. Read-only; the same figures as the pages."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.installment_models import LoanInstallment
from workbench.lending.models import Loan
from workbench.lending.portfolio import (
    DEFINITIONS,
    PortfolioRow,
    loan_figures,
    portfolio_groups,
    portfolio_rows,
)
from workbench.lending.repayment_models import LoanPayment
from workbench.programme.models import Cohort, Enrolment
from workbench.web.spreadsheets import Sheet

_PORTFOLIO_FORMATS = ("text", "text", "int", "money", "money", "percent", "money", "percent", "money")
_PORTFOLIO_FORMATS += ("percent", "money", "money", "money", "percent", "money", "int")


_LOAN_FORMATS = ("int", "text", "text", "date", "money", "percent", "int", "int", "money", "text")
_LOAN_FORMATS += ("money", "money", "int", "money", "money", "int")


def _portfolio_header() -> list[str]:
    return [
        _("Grouped by"),
        _("Group"),
        _("Loans"),
        _("Paid out"),
        _("Gross portfolio"),
        "PAR30",
        _("PAR30 amount"),
        "PAR90",
        _("PAR90 amount"),
        _("Arrears rate"),
        _("Arrears amount"),
        _("Due to date"),
        _("Paid to date"),
        _("Collection rate"),
        _("Written off"),
        _("Restructured"),
    ]


def _portfolio_values(grouping: str, label: str, row: PortfolioRow) -> list[object]:
    return [
        grouping,
        label,
        row.loans,
        row.disbursed,
        row.gross_portfolio,
        row.par30,
        row.par30_amount,
        row.par90,
        row.par90_amount,
        row.arrears_rate,
        row.arrears_amount,
        row.due_to_date,
        row.paid_to_date,
        row.collection_rate,
        row.written_off,
        row.restructured,
    ]


def portfolio_sheet(as_of: date) -> Sheet:
    groups = portfolio_groups(as_of)
    rows = [_portfolio_values(_("All loans"), "", portfolio_rows(as_of, groups=groups)[0])]
    for grouping, by, unnamed in (
        (_("Cohort"), "cohort", _("No cohort")),
        (_("Officer"), "officer", _("Not recorded")),
    ):
        rows += [
            _portfolio_values(grouping, row.label or unnamed, row)
            for row in portfolio_rows(as_of, by, groups=groups)
        ]
    title = _("Portfolio on %(date)s", date=as_of.isoformat())
    return Sheet(title, _portfolio_header(), rows, _PORTFOLIO_FORMATS)


def definitions_sheet() -> Sheet:
    rows = [[key, str(text)] for key, text in DEFINITIONS.items()]
    return Sheet(_("Definitions"), [_("Figure"), _("What it means")], rows)


def loans_sheets(as_of: date) -> list[Sheet]:
    """Loans (one row each, with where it stands), Installments (the schedule in force) and Repayments."""
    figures = loan_figures(as_of)
    officer = db.aliased(User)
    loans = db.session.execute(
        select(Loan, User.full_name, Cohort.name, officer.full_name)
        .join(User, User.id == Loan.borrower_id)
        .outerjoin(Enrolment, Enrolment.user_id == Loan.borrower_id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(officer, officer.id == Loan.disbursed_by_id)
        .order_by(Loan.id)
    ).all()
    loan_rows = []
    for loan, borrower, cohort, paid_out_by in loans:
        figure = figures.get(loan.id)
        loan_rows.append(
            [
                loan.id,
                borrower,
                cohort or "",
                loan.disbursed_on,
                loan.principal,
                loan.annual_rate,
                loan.term_months,
                loan.grace_months,
                loan.arrangement_fee,
                paid_out_by or "",
                figure.outstanding if figure else None,
                figure.overdue if figure else None,
                figure.days_past_due(as_of) if figure else None,
                figure.paid_to_date if figure else None,
                figure.written_off if figure else None,
                (figure.version - 1) if figure else 0,
            ]
        )
    loans_sheet = Sheet(
        _("Loans"),
        [
            _("Loan"),
            _("Borrower"),
            _("Cohort"),
            _("Paid out on"),
            _("Principal"),
            _("Yearly rate"),
            _("Months"),
            _("Months of grace"),
            _("Arrangement fee"),
            _("Officer who paid it out"),
            _("Principal still owed"),
            _("Overdue"),
            _("Days past due"),
            _("Paid to date"),
            _("Written off"),
            _("Reschedules"),
        ],
        loan_rows,
        _LOAN_FORMATS,
    )
    versions = {loan.id: loan.schedule_version or 1 for loan, *_rest in loans}
    installments = db.session.execute(
        select(
            LoanInstallment.loan_id,
            LoanInstallment.version,
            LoanInstallment.number,
            LoanInstallment.due_on,
            LoanInstallment.principal,
            LoanInstallment.interest,
            LoanInstallment.total,
        ).order_by(LoanInstallment.loan_id, LoanInstallment.number)
    ).all()
    installments_sheet = Sheet(
        _("Installments"),
        [_("Loan"), _("No."), _("Due date"), _("Principal"), _("Interest"), _("Installment")],
        (
            [loan_id, number, due_on, principal, interest, total]
            for loan_id, version, number, due_on, principal, interest, total in installments
            if versions.get(loan_id) == version
        ),
        ("int", "int", "date", "money", "money", "money"),
    )
    payments = db.session.execute(
        select(
            LoanPayment.loan_id,
            LoanPayment.id,
            LoanPayment.kind,
            LoanPayment.paid_on,
            LoanPayment.amount,
            LoanPayment.reference,
            LoanPayment.reverses_id,
        ).order_by(LoanPayment.loan_id, LoanPayment.paid_on, LoanPayment.id)
    ).all()
    kinds = {"payment": _("Repayment"), "reversal": _("Reversal")}
    payments_sheet = Sheet(
        _("Repayments"),
        [_("Loan"), _("Entry"), _("Kind"), _("Date"), _("Amount"), _("Bank reference"), _("Reverses entry")],
        (
            [loan_id, entry, str(kinds.get(kind, kind)), paid_on, amount, reference, reverses or None]
            for loan_id, entry, kind, paid_on, amount, reference, reverses in payments
        ),
        ("int", "int", "text", "date", "money", "text", "int"),
    )
    return [loans_sheet, installments_sheet, payments_sheet]
