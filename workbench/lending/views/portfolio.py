"""The portfolio dashboard for managers and officers: the figures of every loan today, in all, by cohort and
by officer, each with its definition one click away (workbench/lending/portfolio.py sums them in SQL)."""

from __future__ import annotations

from workbench.auth.roles import Role
from workbench.lending.portfolio import DEFINITIONS, portfolio_groups, portfolio_rows
from workbench.timeutil import programme_today
from workbench.web.decorators import role_required
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
