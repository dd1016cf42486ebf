"""The portfolio dashboard for managers and officers: the figures of every loan today, in all, by cohort and
by officer, each with its definition one click away (workbench/lending/portfolio.py sums them in SQL); the
same figures, and every loan with its schedule and repayments, as CSV and XLSX (lending/exports.py)."""

from __future__ import annotations

from workbench.auth.roles import Role
from workbench.lending import exports
from workbench.lending.portfolio import DEFINITIONS, portfolio_groups, portfolio_rows
from workbench.timeutil import programme_today
from workbench.web.decorators import role_required
from workbench.web.rendering import download
from workbench.web.spreadsheets import XLSX_MIMETYPE, to_csv, to_xlsx
from workbench.web.templating import render

from . import bp


@bp.get("/portfolio")
@role_required(Role.OFFICER, Role.MANAGER)
def portfolio():
    today = programme_today()
    groups = portfolio_groups(today)  # one statement; the three splits add up its rows
    return render(
        "lending/portfolio.html",
        today=today,
        total=portfolio_rows(today, groups=groups)[0],
        by_cohort=portfolio_rows(today, "cohort", groups=groups),
        by_officer=portfolio_rows(today, "officer", groups=groups),
        definitions=DEFINITIONS,
    )


@bp.get("/portfolio.csv")
@role_required(Role.OFFICER, Role.MANAGER)
def portfolio_csv():
    today = programme_today()
    return download(to_csv(exports.portfolio_sheet(today)), "text/csv", f"portfolio-{today.isoformat()}.csv")


@bp.get("/portfolio.xlsx")
@role_required(Role.OFFICER, Role.MANAGER)
def portfolio_xlsx():
    today = programme_today()
    body = to_xlsx([exports.portfolio_sheet(today), exports.definitions_sheet()])
    return download(body, XLSX_MIMETYPE, f"portfolio-{today.isoformat()}.xlsx")


@bp.get("/portfolio/loans.csv")
@role_required(Role.OFFICER, Role.MANAGER)
def loans_csv():
    today = programme_today()
    return download(to_csv(exports.loans_sheets(today)[0]), "text/csv", f"loans-{today.isoformat()}.csv")


@bp.get("/portfolio/loans.xlsx")
@role_required(Role.OFFICER, Role.MANAGER)
def loans_xlsx():
    today = programme_today()
    return download(to_xlsx(exports.loans_sheets(today)), XLSX_MIMETYPE, f"loans-{today.isoformat()}.xlsx")
