"""Confirming and declining a four-eyes proposal, whatever it is about: a credit application's decision
(applications.py) or a loan's write-off or reschedule (loans.py).

Each kind of subject registers how its page takes part (:class:`DecisionPage`): the subject of a proposal,
loaded only for someone who may see it (otherwise 404, as for a proposal that does not exist); the way back
to its decisions; its page again with the decline form's errors. The services refuse what the page should
not have offered (someone confirming their own proposal, a proposal already decided, a loan that changed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending import decisions
from workbench.lending.decisions_models import Proposal
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error

from . import bp


@dataclass(frozen=True)
class DecisionPage:
    #: The proposal's subject if the current person may see it, else None (a 404).
    load: Callable[[Proposal], Any | None]
    #: A redirect (303) to the subject's decisions.
    back: Callable[[Any], Any]
    #: The decline form as the subject's page reads it (from the request).
    decline_form: Callable[[], FlaskForm]
    #: The subject's page with that form and its errors (422).
    page: Callable[[Any, FlaskForm], Any]


PAGES: dict[str, DecisionPage] = {}


def register_page(subject_type: str, page: DecisionPage) -> None:
    PAGES[subject_type] = page


def _load(proposal_id: int) -> tuple[Proposal, Any, DecisionPage]:
    proposal = db.session.get(Proposal, proposal_id)
    page = PAGES.get(proposal.subject_type) if proposal is not None else None
    subject = page.load(proposal) if page is not None and proposal is not None else None
    if subject is None or page is None or proposal is None:
        abort(404)
    return proposal, subject, page


@bp.post("/proposals/<int:proposal_id>/confirm")
@role_required(Role.OFFICER, Role.MANAGER)
def confirm_proposal(proposal_id: int):
    proposal, subject, page = _load(proposal_id)
    try:
        decisions.confirm(proposal, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.errors.get("") or next(iter(error.errors.values())), "error")
        return page.back(subject)
    db.session.commit()
    flash(_("Decision confirmed."), "success")
    return page.back(subject)


@bp.post("/proposals/<int:proposal_id>/decline")
@role_required(Role.OFFICER, Role.MANAGER)
def decline_proposal(proposal_id: int):
    proposal, subject, page = _load(proposal_id)
    form = page.decline_form()
    if not form.validate():
        return page.page(subject, form)
    try:
        decisions.decline(proposal, current_user, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        if "" in error.errors:
            flash(error.errors[""], "error")
            return page.back(subject)
        apply_domain_error(form, error)
        return page.page(subject, form)
    db.session.commit()
    flash(_("Proposal declined: it can now be proposed again."), "success")
    return page.back(subject)
