"""The ledger for officers and managers: the trial balance, and the journal as CSV and XLSX for the partner's
accountant."""

from __future__ import annotations

from workbench.auth.roles import Role
from workbench.lending import ledger
from workbench.timeutil import programme_today
from workbench.web.decorators import role_required
from workbench.web.rendering import download
from workbench.web.templating import render

from . import bp


@bp.get("/ledger")
@role_required(Role.OFFICER, Role.MANAGER)
def trial_balance():
    rows = ledger.trial_balance()
    return render(
        "lending/ledger.html",
        rows=rows,
        debits=sum(row.debit for row in rows),
        credits=sum(row.credit for row in rows),
        today=programme_today(),
    )


@bp.get("/ledger/journal.csv")
@role_required(Role.OFFICER, Role.MANAGER)
def journal_csv():
    return download(ledger.journal_csv(), "text/csv", f"journal-{programme_today().isoformat()}.csv")


@bp.get("/ledger/journal.xlsx")
@role_required(Role.OFFICER, Role.MANAGER)
def journal_xlsx():
    return download(
        ledger.journal_xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"journal-{programme_today().isoformat()}.xlsx",
    )
