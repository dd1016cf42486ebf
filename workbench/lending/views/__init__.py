"""Lending pages: the officer's queue (queue.py), credit applications with their scores and four-eyes
decisions (applications.py), a loan's record with its four-eyes write-off and reschedule (loans.py) and
contract (contract.py), confirming and declining any proposal (proposals.py), repayments and bank imports
(repayments.py), the ledger (ledger.py), the portfolio's figures (portfolio.py), and what managers keep: the
products and rules (products.py) and the scorecard (scorecard.py).

Load -> check -> act: a view loads the object and asks a predicate from permissions.py; a loan the person may
not see is a 404 exactly like a missing one, so ids reveal nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.permissions import can_view_loan

bp = Blueprint("lending", __name__)


@bp.after_request
def _vary_on_htmx(response):
    """A page and its htmx fragment share a URL: caches must keep them apart."""
    response.vary.add("HX-Request")
    return response


def load_loan(loan_id: int) -> Loan:
    """The loan, if the current person may see it; otherwise 404, as for a loan that does not exist."""
    loan = db.session.get(Loan, loan_id)
    if loan is None or not can_view_loan(current_user, loan):
        abort(404)
    return loan


# The pages register themselves on the blueprint.
from workbench.lending.views import (  # noqa: E402
    applications,
    contract,
    ledger,
    loans,
    portfolio,
    products,
    proposals,
    queue,
    repayments,
    scorecard,
)


def _waiting_label(count: int) -> str:
    return ngettext("%(num)d waits for your confirmation", "%(num)d wait for your confirmation", count)


@bp.record_once
def _links_in_the_navigation(state) -> None:
    """Trainees reach their applications; officers (whose home it is) and managers the queue, with a badge
    counting the proposals waiting for the person's confirmation (one query per page)."""
    from workbench.lending.decisions import waiting_count
    from workbench.web.navigation import NavLink, register_nav_link

    register_nav_link(
        state.app, NavLink("lending.my_applications", _l("My credit applications"), (Role.TRAINEE,))
    )
    register_nav_link(state.app, NavLink("lending.products", _l("Loan products"), roles=(Role.MANAGER,)))
    register_nav_link(state.app, NavLink("lending.portfolio", _l("Portfolio"), (Role.OFFICER, Role.MANAGER)))
    register_nav_link(
        state.app,
        NavLink(
            "lending.queue",
            _l("Application queue"),
            (Role.OFFICER, Role.MANAGER),
            badge=waiting_count,
            badge_label=_waiting_label,
        ),
    )


__all__ = [
    "applications",
    "bp",
    "contract",
    "ledger",
    "load_loan",
    "loans",
    "portfolio",
    "products",
    "proposals",
    "queue",
    "repayments",
    "scorecard",
]
