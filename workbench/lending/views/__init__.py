"""Lending pages: the officer's queue and a loan's record (loans.py), its contract (contract.py).

Load -> check -> act: a view loads the object and asks a predicate from permissions.py; a loan the person may
not see is a 404 exactly like a missing one, so ids reveal nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.permissions import can_view_loan

bp = Blueprint("lending", __name__)


def load_loan(loan_id: int) -> Loan:
    """The loan, if the current person may see it; otherwise 404, as for a loan that does not exist."""
    loan = db.session.get(Loan, loan_id)
    if loan is None or not can_view_loan(current_user, loan):
        abort(404)
    return loan


# The pages register themselves on the blueprint.
from workbench.lending.views import contract, ledger, loans, products, repayments  # noqa: E402


@bp.record_once
def _products_in_the_navigation(state) -> None:
    """Managers keep the loan products, the microcredit limits and the quarters' TEGM."""
    from workbench.auth.roles import Role
    from workbench.web.navigation import NavLink, register_nav_link

    register_nav_link(state.app, NavLink("lending.products", _l("Loan products"), roles=(Role.MANAGER,)))


__all__ = ["bp", "contract", "ledger", "load_loan", "loans", "products", "repayments"]
